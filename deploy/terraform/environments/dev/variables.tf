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
  description = "The Lighthouse image built from the repository's Dockerfile, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/lighthouse:dev."
  type        = string
}

variable "allowed_cidrs" {
  description = "Who may reach the api's load balancer, e.g. your office or VPN."
  type        = list(string)
}

variable "domain_name" {
  description = "Host users open (SIWE_DOMAIN), e.g. lighthouse-dev.example.com; null: the load balancer's DNS name."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name; null serves plain HTTP."
  type        = string
  default     = null
}

variable "vpc_cidr" {
  description = "IPv4 block of the VPC."
  type        = string
  default     = "10.41.0.0/16"
}

variable "nat_gateways" {
  description = "none (default: public IPs, no NAT charge) or single."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "single"], var.nat_gateways)
    error_message = "dev uses nat_gateways = none or single."
  }
}

variable "redis_mode" {
  description = "ec2 (default: Redis in Docker on a t3.micro) or elasticache (one cache.t4g.micro node)."
  type        = string
  default     = "ec2"
}

variable "max_checkers" {
  description = "Most checker hosts scaling may reach."
  type        = number
  default     = 2
}

variable "checker_region" {
  description = "CHECKER_REGION of the checkers, and DEFAULT_REGION of the api and scheduler. null: the AWS region's name, e.g. us-east-1. (More regions: environments/prod.)"
  type        = string
  default     = null
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each must confirm by email)."
  type        = list(string)
  default     = []
}

variable "extra_environment" {
  description = "More environment variables by service (api, scheduler, alerter); see the services module."
  type        = map(map(string))
  default     = {}
}

variable "extra_secrets" {
  description = "More secrets by service: variable name => secret ARN; see the services module."
  type        = map(map(string))
  default     = {}
}
