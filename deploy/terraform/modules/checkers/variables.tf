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

variable "region_label" {
  description = "REGION stored with every result; null uses the AWS region's name."
  type        = string
  default     = null
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
  description = "The services module's queue_metric output: where the checks queue depth is published."
  type = object({
    namespace  = string
    name       = string
    dimensions = map(string)
  })
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
  description = "SNS topic told when the queue metric stops arriving."
  type        = string
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
