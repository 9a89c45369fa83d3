# Lighthouse prod: everything in two AZs. NAT gateway per AZ, PostgreSQL on RDS Multi-AZ (or
# TimescaleDB on EC2 with daily snapshots: database_engine), ElastiCache with a replica in the
# other AZ, two or more of each service, 2+ checker hosts scaling on the checks queue.
# Rough monthly cost: README.md.

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "lighthouse"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}

locals {
  name = "lighthouse-prod"

  # Both database modules output the same connection object.
  database = var.database_engine == "rds" ? module.database_rds[0].connection : module.database_ec2[0].connection
  database_connection_string = (var.database_engine == "rds"
    ? module.database_rds[0].connection_string
    : module.database_ec2[0].connection_string
  )
}

resource "aws_sns_topic" "alarms" {
  name = "${local.name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

module "network" {
  source = "../../modules/network"

  name          = local.name
  cidr_block    = var.vpc_cidr
  nat_gateways  = "per_az"
  allowed_cidrs = var.allowed_cidrs
}

module "secrets" {
  source = "../../modules/secrets"

  name = local.name
}

module "database_rds" {
  source = "../../modules/timescaledb-rds"
  count  = var.database_engine == "rds" ? 1 : 0

  name               = local.name
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.security_group_ids["database"]]

  instance_class        = var.rds_instance_class
  multi_az              = true
  allocated_storage_gb  = var.database_storage_gb
  backup_retention_days = var.database_backup_retention_days
  deletion_protection   = true
  alarm_topic_arn       = aws_sns_topic.alarms.arn
}

module "database_ec2" {
  source = "../../modules/timescaledb-ec2"
  count  = var.database_engine == "ec2" ? 1 : 0

  name               = local.name
  subnet_id          = module.network.app_subnet_ids[0]
  security_group_ids = [module.network.security_group_ids["database"]]
  vpc_cidr_block     = module.network.vpc_cidr_block

  instance_type         = var.ec2_database_instance_type
  data_volume_size_gb   = var.database_storage_gb
  backup_retention_days = var.database_backup_retention_days
  deletion_protection   = true
  alarm_topic_arn       = aws_sns_topic.alarms.arn
}

module "redis" {
  source = "../../modules/redis"

  name               = local.name
  mode               = "elasticache"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.security_group_ids["redis"]]
  node_type          = var.redis_node_type
  replicas           = 1
  transit_encryption = true
}

module "services" {
  source = "../../modules/services"

  mode                    = var.mode
  name                    = local.name
  image                   = var.image
  vpc_id                  = module.network.vpc_id
  subnet_ids              = module.network.app_subnet_ids
  security_group_id       = module.network.security_group_ids["services"]
  alb_subnet_ids          = module.network.public_subnet_ids
  alb_security_group_id   = module.network.security_group_ids["alb"]
  alb_deletion_protection = true
  certificate_arn         = var.certificate_arn
  siwe_domain             = var.domain_name

  database                  = local.database
  redis                     = module.redis.connection
  encryption_key_secret_arn = module.secrets.encryption_key_secret_arn
  admin_token_secret_arn    = module.secrets.admin_token_secret_arn

  tasks = {
    api       = { count = 2, cpu = 1024, memory = 2048 }
    scheduler = { count = 2, cpu = 512, memory = 1024 }
    alerter   = { count = 2, cpu = 512, memory = 1024 }
  }
  extra_environment = var.extra_environment
  extra_secrets     = var.extra_secrets
}

module "checkers" {
  source = "../../modules/checkers"

  mode              = var.mode
  name              = local.name
  image             = var.image
  subnet_ids        = module.network.app_subnet_ids
  security_group_id = module.network.security_group_ids["checkers"]

  database                  = local.database
  redis                     = module.redis.connection
  encryption_key_secret_arn = module.secrets.encryption_key_secret_arn
  queue_metric              = module.services.queue_metric

  instance_type   = var.checker_instance_type
  min_size        = var.min_checkers
  max_size        = var.max_checkers
  alarm_topic_arn = aws_sns_topic.alarms.arn
}
