variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "mode" {
  description = "LIGHTHOUSE_MODE of every service and checker: service (the default: on AWS an operator runs Lighthouse publicly, with wallet sign-in, tiers and USDC over x402) or self-hosted (one owner, no tiers or payments)."
  type        = string
  default     = "service"

  validation {
    condition     = contains(["service", "self-hosted"], var.mode)
    error_message = "mode must be service or self-hosted."
  }
}

variable "image" {
  description = "The Lighthouse image built from the repository's Dockerfile, pinned to a release tag or digest."
  type        = string
}

variable "domain_name" {
  description = "Host users open (SIWE_DOMAIN), e.g. lighthouse.example.com."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name, in this region: prod serves HTTPS only (port 80 redirects)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "allowed_cidrs" {
  description = "Who may reach the api's load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "vpc_cidr" {
  description = "IPv4 block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "database_engine" {
  description = "rds: PostgreSQL 16 on RDS Multi-AZ (managed failover, point-in-time recovery; no TimescaleDB extension). ec2: TimescaleDB on one EC2 instance with daily snapshots (hypertables and compression; no standby)."
  type        = string
  default     = "rds"

  validation {
    condition     = contains(["rds", "ec2"], var.database_engine)
    error_message = "database_engine must be rds or ec2."
  }
}

variable "rds_instance_class" {
  description = "RDS instance class (database_engine = rds)."
  type        = string
  default     = "db.m6g.large"
}

variable "ec2_database_instance_type" {
  description = "EC2 instance type of TimescaleDB (database_engine = ec2)."
  type        = string
  default     = "m7i.large"
}

variable "database_storage_gb" {
  description = "Database storage: RDS allocated storage (it grows by itself up to 500 GB) or the EC2 data volume."
  type        = number
  default     = 100
}

variable "database_backup_retention_days" {
  description = "Days of database backups."
  type        = number
  default     = 14
}

variable "redis_node_type" {
  description = "ElastiCache node type of the primary and its replica (t4g runs on CPU credits: an m7g class past about 1,000 checks/s)."
  type        = string
  default     = "cache.t4g.medium"
}

variable "checker_instance_type" {
  description = "EC2 instance type of a checker host (two checker processes each)."
  type        = string
  default     = "c7i.large"
}

variable "min_checkers" {
  description = "Fewest checker hosts (spread over both AZs)."
  type        = number
  default     = 2

  validation {
    condition     = var.min_checkers >= 2
    error_message = "prod runs at least 2 checker hosts."
  }
}

variable "max_checkers" {
  description = "Most checker hosts scaling may reach."
  type        = number
  default     = 10
}

variable "checker_region" {
  description = "CHECKER_REGION of the checkers in `region`, and DEFAULT_REGION of the api and scheduler (where a subscription naming no region is checked from). null: the AWS region's name, e.g. us-east-1."
  type        = string
  default     = null
}

variable "eu_west" {
  description = "Checkers in a second AWS region (docs/runbooks/add-a-region.md): a VPC of their own peered with this one, TLS to PostgreSQL (sslmode=verify-full) and Redis (rediss://). aws_region e.g. eu-west-1; checker_region (CHECKER_REGION) defaults to aws_region; vpc_cidr must not overlap vpc_cidr. Needs database_engine = \"rds\". null (the default): no second region."
  type = object({
    aws_region     = string
    checker_region = optional(string)
    vpc_cidr       = optional(string, "10.42.0.0/16")
    nat_gateways   = optional(string, "single")
    instance_type  = optional(string, "c7i.large")
    min_checkers   = optional(number, 1)
    max_checkers   = optional(number, 4)
  })
  default = null

  validation {
    condition     = var.eu_west == null || var.database_engine == "rds"
    error_message = "eu_west needs database_engine = \"rds\": its checkers verify PostgreSQL's certificate against the RDS CA bundle (TimescaleDB on EC2 has a self-signed one)."
  }

  validation {
    condition     = var.eu_west == null || try(var.eu_west.vpc_cidr != var.vpc_cidr && var.eu_west.aws_region != var.region, false)
    error_message = "eu_west needs an AWS region other than region, and a vpc_cidr other than vpc_cidr (peered blocks must not overlap)."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each must confirm by email)."
  type        = list(string)
  default     = []
}

variable "extra_environment" {
  description = "More environment variables by service (api, scheduler, alerter), e.g. X402_PAY_TO, or the scheduler's ANCHOR_RPC_URL and ANCHOR_CONTRACT (with ANCHOR_PRIVATE_KEY in extra_secrets); see the services module."
  type        = map(map(string))
  default     = {}
}

variable "extra_secrets" {
  description = "More secrets by service: variable name => secret ARN (SMTP_URL, X402_RELAYER_PRIVATE_KEY, the scheduler's ANCHOR_PRIVATE_KEY, ...); see the services module."
  type        = map(map(string))
  default     = {}
}
