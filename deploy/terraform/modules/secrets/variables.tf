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

variable "checker_regions" {
  description = "The Lighthouse regions with checkers (their checker_region, CHECKER_REGION): each gets a CHECKER_SIGNING_KEY of its own, in the secret <name>/checker-signing-key/<region>. One key per region: the checkers refuse a key another region already signs with."
  type        = list(string)

  validation {
    condition     = length(var.checker_regions) > 0 && alltrue([for r in var.checker_regions : can(regex("^[a-z0-9][a-z0-9-]{0,31}$", r))])
    error_message = "checker_regions must name at least one region, each 1-32 lower-case letters, digits and dashes (a checker_region)."
  }
}

variable "checker_signing_key_version" {
  description = "Increase by one to replace every region's CHECKER_SIGNING_KEY with a newly generated one (the old addresses stay listed, so their records still verify)."
  type        = number
  default     = 1
}
