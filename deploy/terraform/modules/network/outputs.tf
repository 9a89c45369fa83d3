output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 block of the VPC (PostgreSQL on EC2 accepts connections from it)."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets, one per AZ: the load balancer."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets, one per AZ: RDS and ElastiCache."
  value       = aws_subnet.private[*].id
}

output "app_subnet_ids" {
  description = "Where tasks and instances run: the private subnets behind NAT, or the public ones when nat_gateways is none."
  value       = local.app_subnets[*].id
}

output "app_subnets_public" {
  description = "True when app_subnet_ids are public: tasks and instances there need a public IP to reach the internet."
  value       = local.app_public
}

output "security_group_ids" {
  description = "Security group IDs by role: alb, services, checkers, database, redis."
  value       = { for role, sg in aws_security_group.this : role => sg.id }
}

output "route_table_ids" {
  description = "Every route table of the VPC (public, then one private per AZ): a peering adds its routes to each."
  value       = concat([aws_route_table.public.id], aws_route_table.private[*].id)
}
