variable "name" {
  description = "Prefix for every resource name and the ECS cluster's name, e.g. lighthouse-prod."
  type        = string

  validation {
    # the load balancer and target group are named "<name>-api", at most 32 characters
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,27}$", var.name))
    error_message = "name must be lowercase letters, digits and dashes, at most 28 characters."
  }
}

variable "image" {
  description = "The Lighthouse image (the repository's Dockerfile), e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/lighthouse:1.4.0. One image runs every service; SERVICE picks which."
  type        = string
}

variable "cpu_architecture" {
  description = "x86_64 or arm64 (Graviton, about 20% cheaper): the platform the image was built for."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.cpu_architecture)
    error_message = "cpu_architecture must be x86_64 or arm64."
  }
}

variable "tasks" {
  description = "Per service (api, scheduler, alerter): task count and Fargate size (cpu units, memory MiB)."
  type        = map(object({ count = number, cpu = number, memory = number }))
  default = {
    api       = { count = 2, cpu = 512, memory = 1024 }
    scheduler = { count = 1, cpu = 512, memory = 1024 }
    alerter   = { count = 1, cpu = 256, memory = 512 }
  }

  validation {
    condition     = length(var.tasks) == 3 && alltrue([for s in ["api", "scheduler", "alerter"] : contains(keys(var.tasks), s)])
    error_message = "tasks must have exactly the keys api, scheduler and alerter."
  }
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets the tasks run in (the network module's app_subnet_ids)."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give tasks a public IP: required when subnet_ids are public subnets without NAT, to pull the image and reach AWS APIs."
  type        = bool
  default     = false
}

variable "security_group_id" {
  description = "Security group of the tasks (the network module's services group)."
  type        = string
}

variable "alb_subnet_ids" {
  description = "Public subnets of the load balancer."
  type        = list(string)
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer (the network module's alb group)."
  type        = string
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on 443 (port 80 then redirects). null serves plain HTTP on 80: for dev only."
  type        = string
  default     = null
}

variable "siwe_domain" {
  description = "SIWE_DOMAIN: the host users open, e.g. lighthouse.example.com; null uses the load balancer's DNS name."
  type        = string
  default     = null
}

variable "database" {
  description = "The connection output of timescaledb-ec2 or timescaledb-rds."
  type = object({
    host                = string
    port                = number
    database            = string
    username            = string
    password_secret_arn = string
    sslmode             = string
  })
}

variable "redis" {
  description = "The connection output of the redis module: {host, port, tls}."
  type        = object({ host = string, port = number, tls = bool })
}

variable "encryption_key_secret_arn" {
  description = "Secret holding ENCRYPTION_KEY (the secrets module)."
  type        = string
}

variable "admin_token_secret_arn" {
  description = "Secret holding ADMIN_TOKEN (the secrets module)."
  type        = string
}

variable "queue_prefix" {
  description = "QUEUE_PREFIX of every service (and the checkers)."
  type        = string
  default     = "lighthouse"
}

variable "log_level" {
  description = "LOG_LEVEL of every service."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["error", "warn", "info", "http", "verbose", "debug", "silly"], var.log_level)
    error_message = "log_level must be one of error, warn, info, http, verbose, debug, silly."
  }
}

variable "default_region" {
  description = "DEFAULT_REGION of the api and the scheduler: the region a subscription that names none is checked from. It must have checkers (their checker_region), or those slots are missing."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.default_region))
    error_message = "default_region must be 1-32 lower-case letters, digits and dashes (a checker_region)."
  }
}

variable "extra_environment" {
  description = "More environment variables by service (api, scheduler, alerter), e.g. { api = { CORS_ORIGINS = \"https://app.example.com\" } }. Secrets go in extra_secrets."
  type        = map(map(string))
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.extra_environment) : contains(["api", "scheduler", "alerter"], k)])
    error_message = "extra_environment keys must be api, scheduler or alerter."
  }
}

variable "extra_secrets" {
  description = "More secrets by service: variable name => Secrets Manager secret ARN (optionally with :json-key:: appended), e.g. { alerter = { SMTP_URL = \"arn:aws:secretsmanager:...\" } }."
  type        = map(map(string))
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.extra_secrets) : contains(["api", "scheduler", "alerter"], k)])
    error_message = "extra_secrets keys must be api, scheduler or alerter."
  }
}

variable "log_retention_days" {
  description = "Days the services' logs are kept in CloudWatch Logs."
  type        = number
  default     = 30
}

variable "container_insights" {
  description = "Enable ECS Container Insights (per-task CPU and memory metrics; billed as custom metrics)."
  type        = bool
  default     = false
}

variable "cloudwatch_agent_image" {
  description = "CloudWatch agent image run next to the scheduler."
  type        = string
  default     = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300062.0b1304"
}

variable "queue_metric_namespace" {
  description = "CloudWatch namespace the queue depth is published in."
  type        = string
  default     = "Lighthouse"
}

variable "mode" {
  description = "LIGHTHOUSE_MODE of every task: service (the default: running Lighthouse on AWS is how an operator offers it publicly, with wallet sign-in, tiers and USDC over x402) or self-hosted (one owner, no tiers or payments). Give the checkers module the same."
  type        = string
  default     = "service"

  validation {
    condition     = contains(["service", "self-hosted"], var.mode)
    error_message = "mode must be service or self-hosted."
  }
}
