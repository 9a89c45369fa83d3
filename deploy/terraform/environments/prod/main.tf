# Lighthouse prod: everything in two AZs. NAT gateway per AZ, PostgreSQL on RDS Multi-AZ (or
# TimescaleDB on EC2 with daily snapshots: database_engine), ElastiCache with a replica in the
# other AZ, two or more of each service, 2+ checker hosts scaling on the checks queue; with
# eu_west set, checkers in a second AWS region too (docs/runbooks/add-a-region.md).
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

# One provider per region that runs checkers: Terraform cannot repeat a provider with
# for_each, so each further region is a provider block, a variable and its three modules (the
# *_eu_west ones below) copied and renamed, plus its VPC block in the network module's
# remote_checker_cidrs and its checker_region in the secrets module's checker_regions (its own
# CHECKER_SIGNING_KEY). Unused while eu_west is null.
provider "aws" {
  alias  = "eu_west"
  region = try(var.eu_west.aws_region, var.region)

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

  # CHECKER_REGION of the checkers here, and the api's and scheduler's DEFAULT_REGION.
  checker_region         = coalesce(var.checker_region, var.region)
  eu_west_checker_region = try(coalesce(var.eu_west.checker_region, var.eu_west.aws_region), null)

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

  # checkers in other regions reach PostgreSQL and Redis through the peerings below
  remote_checker_cidrs = var.eu_west == null ? [] : [var.eu_west.vpc_cidr]
}

module "secrets" {
  source = "../../modules/secrets"

  name = local.name
  # a CHECKER_SIGNING_KEY for each region with checkers: one key per region, never shared
  checker_regions = concat([local.checker_region], var.eu_west == null ? [] : [local.eu_west_checker_region])
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
  default_region          = local.checker_region

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

# Checkers in the database's region, scaling on their region's checks queue.
module "checkers" {
  source = "../../modules/checkers"

  mode              = var.mode
  name              = local.name
  image             = var.image
  checker_region    = local.checker_region
  subnet_ids        = module.network.app_subnet_ids
  security_group_id = module.network.security_group_ids["checkers"]

  database                  = local.database
  redis                     = module.redis.connection
  encryption_key_secret_arn = module.secrets.encryption_key_secret_arn
  signing_key_secret_arn    = module.secrets.checker_signing_key_secret_arns[local.checker_region]
  queue_metric              = module.services.queue_metric

  instance_type   = var.checker_instance_type
  min_size        = var.min_checkers
  max_size        = var.max_checkers
  alarm_topic_arn = aws_sns_topic.alarms.arn
}

# --- a second region: eu_west ---------------------------------------------------------------------
# Checkers in another AWS region, in a VPC of their own peered with this one. They reach Redis
# over TLS (rediss://, ElastiCache's transit encryption) and PostgreSQL with sslmode=verify-full
# against the RDS CA bundle; tls_only refuses a plan that would do less. They scale on CPU: the
# queue metric lives in this region, where their alarms cannot see it.

module "network_eu_west" {
  source    = "../../modules/network"
  count     = var.eu_west == null ? 0 : 1
  providers = { aws = aws.eu_west }

  name          = "${local.name}-${local.eu_west_checker_region}"
  cidr_block    = var.eu_west.vpc_cidr
  nat_gateways  = var.eu_west.nat_gateways
  allowed_cidrs = [] # no load balancer here
}

module "peering_eu_west" {
  source    = "../../modules/region-peering"
  count     = var.eu_west == null ? 0 : 1
  providers = { aws = aws, aws.peer = aws.eu_west }

  name                 = "${local.name}-${local.eu_west_checker_region}"
  vpc_id               = module.network.vpc_id
  cidr_block           = module.network.vpc_cidr_block
  route_table_ids      = module.network.route_table_ids
  peer_vpc_id          = module.network_eu_west[0].vpc_id
  peer_cidr_block      = module.network_eu_west[0].vpc_cidr_block
  peer_route_table_ids = module.network_eu_west[0].route_table_ids
}

module "checkers_eu_west" {
  source    = "../../modules/checkers"
  count     = var.eu_west == null ? 0 : 1
  providers = { aws = aws.eu_west }

  mode                = var.mode
  name                = "${local.name}-${local.eu_west_checker_region}"
  image               = var.image
  checker_region      = local.eu_west_checker_region
  subnet_ids          = module.network_eu_west[0].app_subnet_ids
  associate_public_ip = module.network_eu_west[0].app_subnets_public
  security_group_id   = module.network_eu_west[0].security_group_ids["checkers"]

  database                  = local.database
  redis                     = module.redis.connection
  database_ca_bundle_url    = one(module.database_rds[*].ca_bundle_url)
  tls_only                  = true
  encryption_key_secret_arn = module.secrets.encryption_key_secret_arn
  signing_key_secret_arn    = module.secrets.checker_signing_key_secret_arns[local.eu_west_checker_region]

  instance_type = var.eu_west.instance_type
  min_size      = var.eu_west.min_checkers
  max_size      = var.eu_west.max_checkers
}
