variable "name" {
  description = "Prefix for every resource name, e.g. lighthouse-prod."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 block of the VPC; /16 to /20 (it is cut into /20 subnets at a /16)."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be an IPv4 CIDR block of /20 or larger."
  }
}

variable "az_count" {
  description = "Availability zones to spread subnets over (RDS and ElastiCache need at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "nat_gateways" {
  description = "none (compute in public subnets with public IPs, no NAT cost), single (one NAT gateway for all AZs) or per_az (one per AZ: an AZ outage does not cut the others off)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["none", "single", "per_az"], var.nat_gateways)
    error_message = "nat_gateways must be none, single or per_az."
  }
}

variable "allowed_cidrs" {
  description = "IPv4 blocks allowed to reach the load balancer (ports 80 and 443)."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_cidrs must hold IPv4 CIDR blocks, e.g. 0.0.0.0/0 or 203.0.113.0/24."
  }
}

variable "api_port" {
  description = "Port the api container listens on (its PORT)."
  type        = number
  default     = 3000
}

variable "remote_checker_cidrs" {
  description = "IPv4 blocks of peered VPCs in other regions whose checkers may reach the database (5432) and Redis (6379)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.remote_checker_cidrs : can(cidrhost(c, 0))])
    error_message = "remote_checker_cidrs must hold IPv4 CIDR blocks."
  }
}
