variable "name" {
  description = "Prefix of the secret names, e.g. lighthouse-prod (secrets become lighthouse-prod/encryption-key, ...)."
  type        = string
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once; 7 to 30 otherwise)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "admin_token_version" {
  description = "Increase by one to replace ADMIN_TOKEN with a newly generated one."
  type        = number
  default     = 1
}
