variable "name" {
  description = "Replication group ID or instance name prefix, e.g. lighthouse-prod."
  type        = string
}

variable "mode" {
  description = "elasticache (a managed replication group) or ec2 (one instance running Redis in Docker: cheap, for dev)."
  type        = string
  default     = "elasticache"

  validation {
    condition     = contains(["elasticache", "ec2"], var.mode)
    error_message = "mode must be elasticache or ec2."
  }
}

variable "subnet_ids" {
  description = "Subnets: the cache subnet group (elasticache), or the instance's subnet, the first one (ec2)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups (the network module's redis group)."
  type        = list(string)
}

variable "engine_version" {
  description = "ElastiCache Redis OSS version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "replicas" {
  description = "ElastiCache read replicas; with one or more, a replica in another AZ takes over automatically when the primary fails."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas >= 0 && var.replicas <= 5
    error_message = "replicas must be between 0 and 5."
  }
}

variable "transit_encryption" {
  description = "TLS between the services and ElastiCache (REDIS_URL becomes rediss://). Not available in ec2 mode."
  type        = bool
  default     = true

  validation {
    condition     = !(var.mode == "ec2" && var.transit_encryption)
    error_message = "transit_encryption needs mode = elasticache; the ec2 mode serves plain redis:// inside the VPC."
  }
}

variable "instance_type" {
  description = "EC2 instance type (ec2 mode)."
  type        = string
  default     = "t3.micro"
}

variable "cpu_architecture" {
  description = "x86_64 or arm64 (ec2 mode); must match instance_type."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.cpu_architecture)
    error_message = "cpu_architecture must be x86_64 or arm64."
  }
}

variable "associate_public_ip" {
  description = "Give the instance a public IP (ec2 mode, public subnet without NAT: Docker pulls the image)."
  type        = bool
  default     = false
}

variable "redis_image" {
  description = "Redis container image (ec2 mode)."
  type        = string
  default     = "redis:7-alpine"
}
