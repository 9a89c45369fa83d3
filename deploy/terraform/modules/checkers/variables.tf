variable "name" {
  description = "Prefix for every resource name, e.g. lighthouse-prod."
  type        = string
}

variable "image" {
  description = "The Lighthouse image (the same as the services'); an ECR image is pulled with the instance role."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type of a checker host."
  type        = string
  default     = "c7i.large"
}

variable "cpu_architecture" {
  description = "x86_64 or arm64; must match instance_type and the image."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.cpu_architecture)
    error_message = "cpu_architecture must be x86_64 or arm64."
  }
}

variable "processes_per_instance" {
  description = "Checker processes per host. Node runs JavaScript on one core, so about one per vCPU."
  type        = number
  default     = 2

  validation {
    condition     = var.processes_per_instance >= 1 && var.processes_per_instance <= 16
    error_message = "processes_per_instance must be between 1 and 16."
  }
}

variable "concurrency" {
  description = "CHECKER_CONCURRENCY: probes in flight per process."
  type        = number
  default     = 200
}

variable "heap_mb" {
  description = "V8 heap limit per process (NODE_OPTIONS=--max-old-space-size)."
  type        = number
  default     = 160
}

variable "min_size" {
  description = "Fewest checker hosts; also the size the group starts at."
  type        = number
  default     = 2
}

variable "max_size" {
  description = "Most checker hosts scaling may reach."
  type        = number
  default     = 10

  validation {
    condition     = var.max_size >= var.min_size
    error_message = "max_size must be at least min_size."
  }
}

variable "subnet_ids" {
  description = "Subnets the hosts are spread over (the network module's app_subnet_ids)."
  type        = list(string)
}

variable "associate_public_ip" {
  description = "Give hosts a public IP: required when subnet_ids are public subnets without NAT (checkers must reach the internet)."
  type        = bool
  default     = false
}

variable "security_group_id" {
  description = "Security group of the hosts (the network module's checkers group)."
  type        = string
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
  description = "Secret holding ENCRYPTION_KEY (target configs are stored sealed)."
  type        = string
}

variable "signing_key_secret_arn" {
  description = "Secret holding CHECKER_SIGNING_KEY of this region's checkers (the secrets module's checker_signing_key_secret_arns[checker_region], in the same AWS region as encryption_key_secret_arn): they sign every batch of results with it. One key per region: every call of this module needs its own, as a checker refuses a key that already signs for another region. Losing it loses no records (its address stays listed at GET /v1/probes)."
  type        = string
}

variable "queue_prefix" {
  description = "QUEUE_PREFIX; must be the services'."
  type        = string
  default     = "lighthouse"
}

variable "log_level" {
  description = "LOG_LEVEL of the checkers."
  type        = string
  default     = "info"
}

variable "checker_region" {
  description = "CHECKER_REGION: the Lighthouse region these checkers belong to; they take only its slots (queue checks for local, checks-<region> for any other). The services module's default_region must name one region that has checkers."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.checker_region))
    error_message = "checker_region must be 1-32 lower-case letters, digits and dashes, starting with a letter or digit (e.g. us-east-1)."
  }
}

variable "database_ca_bundle_url" {
  description = "URL of the CA bundle the database's certificate is verified against (the timescaledb-rds module's ca_bundle_url): fetched at boot, and DATABASE_URL gets sslmode=verify-full&sslrootcert=<it>. null: the connection's sslmode as given (no-verify inside the VPC)."
  type        = string
  default     = null
}

variable "tls_only" {
  description = "For checkers outside the VPC of the database and Redis (another region): refuse a plan that would reach either without verified TLS, i.e. require redis.tls (rediss://) and database_ca_bundle_url (sslmode=verify-full)."
  type        = bool
  default     = false

  validation {
    condition     = !var.tls_only || (var.redis.tls && var.database_ca_bundle_url != null)
    error_message = "tls_only needs redis.tls = true (ElastiCache with transit encryption) and database_ca_bundle_url (RDS: its ca_bundle_url)."
  }
}

variable "extra_environment" {
  description = "More environment variables for the checkers, e.g. { CHECKER_LOCK_MS = \"30000\" }. No secrets: they would land in the user data."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Days the checkers' logs are kept in CloudWatch Logs."
  type        = number
  default     = 30
}

variable "queue_metric" {
  description = "The services module's queue_metric output: where the checks queues' depth is published (this module adds the dimensions queue, its region's, and state). null: checkers in another region than the scheduler's, where no alarm can see that metric: the group scales on CPU (cpu_target_percent)."
  type = object({
    namespace  = string
    name       = string
    dimensions = map(string)
  })
  default = null
}

variable "scale_out_waiting" {
  description = "Add a host when more checks than this wait on average for 2 minutes (two hosts when 5 times as many)."
  type        = number
  default     = 1000
}

variable "scale_in_waiting" {
  description = "Remove a host only while fewer checks than this wait on average..."
  type        = number
  default     = 100
}

variable "scale_in_cpu_percent" {
  description = "...and the hosts' average CPU is below this, both for 15 minutes."
  type        = number
  default     = 30
}

variable "alarm_topic_arn" {
  description = "SNS topic told when the queue metric stops arriving (required with queue_metric; in this region)."
  type        = string
  default     = null

  validation {
    condition     = var.queue_metric == null || var.alarm_topic_arn != null
    error_message = "alarm_topic_arn is required with queue_metric."
  }
}

variable "cpu_target_percent" {
  description = "Without queue_metric: the hosts' average CPU the group keeps (target tracking)."
  type        = number
  default     = 50
}

variable "mode" {
  description = "LIGHTHOUSE_MODE of the checkers: service (the default, as an operator runs Lighthouse publicly on AWS) or self-hosted; must be the services module's."
  type        = string
  default     = "service"

  validation {
    condition     = contains(["service", "self-hosted"], var.mode)
    error_message = "mode must be service or self-hosted."
  }
}
