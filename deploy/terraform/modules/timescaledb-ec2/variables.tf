variable "name" {
  description = "Prefix for every resource name, e.g. lighthouse-dev."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the instance; its AZ is where the data volume lives."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the instance (the network module's database group)."
  type        = list(string)
}

variable "associate_public_ip" {
  description = "Give the instance a public IP: needed in a public subnet without NAT to install packages. Inbound traffic is still only what the security groups allow."
  type        = bool
  default     = false
}

variable "vpc_cidr_block" {
  description = "pg_hba.conf accepts password (scram-sha-256) logins over TLS from this block only."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type; timescaledb-tune sizes PostgreSQL's memory settings to it at every boot."
  type        = string
  default     = "t3.medium"
}

variable "cpu_architecture" {
  description = "x86_64 or arm64 (Graviton); must match instance_type."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.cpu_architecture)
    error_message = "cpu_architecture must be x86_64 or arm64."
  }
}

variable "data_volume_size_gb" {
  description = "Size of the encrypted gp3 data volume (data, WAL and configuration). Growing it is online; then run resize2fs on the instance."
  type        = number
  default     = 50

  validation {
    condition     = var.data_volume_size_gb >= 10 && var.data_volume_size_gb <= 16384
    error_message = "data_volume_size_gb must be between 10 and 16384."
  }
}

variable "data_volume_iops" {
  description = "Provisioned IOPS of the data volume (gp3: 3000 included)."
  type        = number
  default     = 3000
}

variable "data_volume_throughput" {
  description = "Throughput of the data volume in MiB/s (gp3: 125 included)."
  type        = number
  default     = 125
}

variable "kms_key_arn" {
  description = "KMS key for the data volume and the backup vault; null uses the AWS managed keys."
  type        = string
  default     = null
}

variable "username" {
  description = "PostgreSQL role the services log in as (owner of the database)."
  type        = string
  default     = "lighthouse"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.username)) && var.username != "postgres"
    error_message = "username must be a lowercase PostgreSQL identifier other than postgres."
  }
}

variable "database_name" {
  description = "Database the services use."
  type        = string
  default     = "lighthouse"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier."
  }
}

variable "max_connections" {
  description = "PostgreSQL max_connections: room for every task's and checker's pool (DB_POOL_SIZE) plus a few for people."
  type        = number
  default     = 200
}

variable "password_version" {
  description = "Increase by one to generate a new password in Secrets Manager; reboot the instance to apply it, then restart the services."
  type        = number
  default     = 1
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted password secret can still be restored (0 or 7 to 30)."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse API termination of the instance, snapshot the data volume when it is destroyed, and keep the backup vault's recovery points on destroy."
  type        = bool
  default     = true
}

variable "backup_schedule" {
  description = "When AWS Backup snapshots the data volume (cron in UTC)."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "backup_retention_days" {
  description = "Days each daily snapshot is kept."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 1
    error_message = "backup_retention_days must be at least 1."
  }
}

variable "log_retention_days" {
  description = "Days the PostgreSQL log is kept in CloudWatch Logs."
  type        = number
  default     = 30
}

variable "alarm_topic_arn" {
  description = "SNS topic for the CPU, disk and status check alarms."
  type        = string
}

variable "cpu_alarm_percent" {
  description = "CPU alarm threshold (average over 15 minutes)."
  type        = number
  default     = 80
}

variable "disk_alarm_percent" {
  description = "Disk alarm threshold for the data volume (disk_used_percent from the CloudWatch agent)."
  type        = number
  default     = 80
}
