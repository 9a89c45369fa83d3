# Lighthouse dev: the smallest footprint that still runs every part the way prod does.
# No NAT gateway by default (tasks and instances get public IPs, nothing is reachable from
# outside the VPC but the load balancer), one TimescaleDB instance, Redis on a small instance,
# one checker host. Rough monthly cost: README.md.

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "lighthouse"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

locals {
  name = "lighthouse-dev"

  # CHECKER_REGION of the checkers, and the api's and scheduler's DEFAULT_REGION.
  checker_region = coalesce(var.checker_region, var.region)
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
  nat_gateways  = var.nat_gateways
  allowed_cidrs = var.allowed_cidrs
}

module "secrets" {
  source = "../../modules/secrets"

  name                    = local.name
  recovery_window_in_days = 0 # dev: destroy and recreate freely
  checker_regions         = [local.checker_region]
}

module "database" {
  source = "../../modules/timescaledb-ec2"

  name                = local.name
  subnet_id           = module.network.app_subnet_ids[0]
  associate_public_ip = module.network.app_subnets_public
  security_group_ids  = [module.network.security_group_ids["database"]]
  vpc_cidr_block      = module.network.vpc_cidr_block

  instance_type                  = "t3.small"
  data_volume_size_gb            = 20
  backup_retention_days          = 7
  deletion_protection            = false
  secret_recovery_window_in_days = 0
  log_retention_days             = 7
  alarm_topic_arn                = aws_sns_topic.alarms.arn
}

module "redis" {
  source = "../../modules/redis"

  name                = local.name
  mode                = var.redis_mode
  subnet_ids          = var.redis_mode == "ec2" ? module.network.app_subnet_ids : module.network.private_subnet_ids
  associate_public_ip = module.network.app_subnets_public
  security_group_ids  = [module.network.security_group_ids["redis"]]

  instance_type      = "t3.micro"
  node_type          = "cache.t4g.micro"
  replicas           = 0
  transit_encryption = var.redis_mode == "elasticache"
}

module "services" {
  source = "../../modules/services"

  mode                  = var.mode
  name                  = local.name
  image                 = var.image
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.app_subnet_ids
  assign_public_ip      = module.network.app_subnets_public
  security_group_id     = module.network.security_group_ids["services"]
  alb_subnet_ids        = module.network.public_subnet_ids
  alb_security_group_id = module.network.security_group_ids["alb"]
  certificate_arn       = var.certificate_arn
  siwe_domain           = var.domain_name
  default_region        = local.checker_region

  database                  = module.database.connection
  redis                     = module.redis.connection
  encryption_key_secret_arn = module.secrets.encryption_key_secret_arn
  admin_token_secret_arn    = module.secrets.admin_token_secret_arn

  tasks = {
    api       = { count = 1, cpu = 256, memory = 512 }
    scheduler = { count = 1, cpu = 256, memory = 512 }
    alerter   = { count = 1, cpu = 256, memory = 512 }
  }
  log_level          = "debug"
  log_retention_days = 7
  extra_environment  = var.extra_environment
  extra_secrets      = var.extra_secrets
}

module "checkers" {
  source = "../../modules/checkers"

  mode                = var.mode
  name                = local.name
  image               = var.image
  checker_region      = local.checker_region
  subnet_ids          = module.network.app_subnet_ids
  associate_public_ip = module.network.app_subnets_public
  security_group_id   = module.network.security_group_ids["checkers"]

  database                  = module.database.connection
  redis                     = module.redis.connection
  encryption_key_secret_arn = module.secrets.encryption_key_secret_arn
  signing_key_secret_arn    = module.secrets.checker_signing_key_secret_arns[local.checker_region]
  queue_metric              = module.services.queue_metric

  instance_type          = "t3.small"
  processes_per_instance = 1
  min_size               = 1
  max_size               = var.max_checkers
  log_level              = "debug"
  log_retention_days     = 7
  alarm_topic_arn        = aws_sns_topic.alarms.arn
}
