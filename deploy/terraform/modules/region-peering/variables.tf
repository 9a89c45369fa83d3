variable "name" {
  description = "Name tag of the peering, e.g. lighthouse-prod-eu-west-1."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the database and Redis (the network module's vpc_id), in the default provider's region."
  type        = string
}

variable "cidr_block" {
  description = "Its IPv4 block (the network module's vpc_cidr_block)."
  type        = string
}

variable "route_table_ids" {
  description = "Its route tables (the network module's route_table_ids): each gets a route to the peer."
  type        = list(string)
}

variable "peer_vpc_id" {
  description = "The checkers' VPC in the aws.peer provider's region."
  type        = string
}

variable "peer_cidr_block" {
  description = "Its IPv4 block; must not overlap cidr_block."
  type        = string

  validation {
    condition     = can(cidrhost(var.peer_cidr_block, 0))
    error_message = "peer_cidr_block must be an IPv4 CIDR block."
  }
}

variable "peer_route_table_ids" {
  description = "Its route tables: each gets a route back to cidr_block."
  type        = list(string)
}
