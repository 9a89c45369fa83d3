variable "name" {
  description = "Identifier of the DB instance and prefix of related names, e.g. lighthouse-prod."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two AZs (the DB subnet group)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list subnets in at least two availability zones."
  }
}

variable "security_group_ids" {
  description = "Security groups of the instance (the network module's database group)."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL version: a major (16) follows RDS's default minor; minor upgrades are applied automatically."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^16(\\.\\d+)?$", var.engine_version))
    error_message = "engine_version must be 16 or 16.x: the parameter group is for postgres16."
  }
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.m6g.large"
}

variable "multi_az" {
  description = "Keep a synchronous standby in another AZ with automatic failover (doubles the instance cost)."
  type        = bool
  default     = true
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage."
  type        = number
  default     = 100

  validation {
    condition     = var.allocated_storage_gb >= 20
    error_message = "allocated_storage_gb must be at least 20."
  }
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling (0 disables autoscaling)."
  type        = number
  default     = 500
}

variable "kms_key_arn" {
  description = "KMS key for storage encryption; null uses the AWS managed key."
  type        = string
  default     = null
}

variable "database_name" {
  description = "Database the services use."
  type        = string
  default     = "lighthouse"
}

variable "username" {
  description = "Master username; the services log in as this role."
  type        = string
  default     = "lighthouse"
}

variable "max_connections" {
  description = "PostgreSQL max_connections; null keeps RDS's default, derived from the instance memory."
  type        = number
  default     = null
}

variable "backup_retention_days" {
  description = "Days of automated backups (daily snapshots plus point-in-time recovery)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance, and take a final snapshot when it is deleted after all."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the maintenance window."
  type        = bool
  default     = false
}

variable "password_rotation_days" {
  description = "How often RDS rotates the managed master password; every rotation needs the services restarted."
  type        = number
  default     = 90

  validation {
    condition     = var.password_rotation_days >= 1 && var.password_rotation_days <= 365
    error_message = "password_rotation_days must be between 1 and 365."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic for the CPU and storage alarms."
  type        = string
}

variable "cpu_alarm_percent" {
  description = "CPU alarm threshold (average over 15 minutes)."
  type        = number
  default     = 80
}
