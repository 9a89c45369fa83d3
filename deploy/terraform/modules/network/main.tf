data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # Without a NAT gateway nothing in a private subnet reaches the internet, yet checkers must
  # probe it and every instance installs packages at boot: compute then runs in the public
  # subnets with a public IP and no inbound rule from outside the VPC (see README).
  nat_count   = { none = 0, single = 1, per_az = var.az_count }[var.nat_gateways]
  app_public  = local.nat_count == 0
  app_subnets = local.app_public ? aws_subnet.public : aws_subnet.private
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = var.name }
}

# /20s out of the VPC block: public ones from the bottom, private ones from the middle.
resource "aws_subnet" "public" {
  count = var.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr_block, 4, count.index)

  tags = { Name = "${var.name}-public-${local.azs[count.index]}", Tier = "public" }
}

resource "aws_subnet" "private" {
  count = var.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr_block, 4, count.index + 8)

  tags = { Name = "${var.name}-private-${local.azs[count.index]}", Tier = "private" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"
  tags   = { Name = "${var.name}-nat-${count.index}" }
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = { Name = "${var.name}-${local.azs[count.index]}" }

  depends_on = [aws_internet_gateway.this]
}

# One route table per AZ, so that per_az NAT keeps each AZ's traffic (and failures) in that AZ.
resource "aws_route_table" "private" {
  count = var.az_count

  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name}-private-${local.azs[count.index]}" }
}

resource "aws_route" "private_nat" {
  count = local.nat_count == 0 ? 0 : var.az_count

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[min(count.index, local.nat_count - 1)].id
}

resource "aws_route_table_association" "private" {
  count = var.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# --- security groups ----------------------------------------------------------
# All rules live here, so that who may reach the database and Redis is read in one place.

resource "aws_security_group" "this" {
  for_each = {
    alb      = "Load balancer in front of the api"
    services = "api, scheduler and alerter tasks"
    checkers = "Checker instances"
    database = "PostgreSQL: reachable from services and checkers only"
    redis    = "Redis: reachable from services and checkers only"
  }

  name        = "${var.name}-${each.key}"
  description = each.value
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-${each.key}" }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = merge([
    for cidr in var.allowed_cidrs : { for port in [80, 443] : "${cidr}:${port}" => { cidr = cidr, port = port } }
  ]...)

  security_group_id = aws_security_group.this["alb"].id
  description       = each.value.port == 80 ? "HTTP (redirected to HTTPS when a certificate is set)" : "HTTPS"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
}

resource "aws_vpc_security_group_egress_rule" "alb_to_api" {
  security_group_id            = aws_security_group.this["alb"].id
  description                  = "api tasks"
  referenced_security_group_id = aws_security_group.this["services"].id
  ip_protocol                  = "tcp"
  from_port                    = var.api_port
  to_port                      = var.api_port
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.this["services"].id
  description                  = "api from the load balancer"
  referenced_security_group_id = aws_security_group.this["alb"].id
  ip_protocol                  = "tcp"
  from_port                    = var.api_port
  to_port                      = var.api_port
}

locals {
  # (store, port) x (client) pairs: only Lighthouse processes may open a connection.
  store_clients = {
    for pair in setproduct(["database", "redis"], ["services", "checkers"]) :
    "${pair[0]}-from-${pair[1]}" => { store = pair[0], client = pair[1] }
  }
  store_ports = { database = 5432, redis = 6379 }
}

resource "aws_vpc_security_group_ingress_rule" "stores" {
  for_each = local.store_clients

  security_group_id            = aws_security_group.this[each.value.store].id
  description                  = "${each.value.store} from ${each.value.client}"
  referenced_security_group_id = aws_security_group.this[each.value.client].id
  ip_protocol                  = "tcp"
  from_port                    = local.store_ports[each.value.store]
  to_port                      = local.store_ports[each.value.store]
}

# Checkers in other regions, in VPCs peered with this one (the region-peering module): by
# address block, as a security group cannot be referenced across regions. What they send is
# TLS (rediss://, sslmode=verify-full); these rules only let it through.
resource "aws_vpc_security_group_ingress_rule" "stores_from_remote_checkers" {
  for_each = {
    for pair in setproduct(["database", "redis"], var.remote_checker_cidrs) :
    "${pair[0]}-from-${pair[1]}" => { store = pair[0], cidr = pair[1] }
  }

  security_group_id = aws_security_group.this[each.value.store].id
  description       = "${each.value.store} from checkers in a peered region"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = local.store_ports[each.value.store]
  to_port           = local.store_ports[each.value.store]
}

# Outbound: checkers probe anything, alerters call webhooks, and the EC2 variants of the
# database and Redis install packages at boot. Managed RDS/ElastiCache never use this rule.
resource "aws_vpc_security_group_egress_rule" "all" {
  for_each = toset(["services", "checkers", "database", "redis"])

  security_group_id = aws_security_group.this[each.key].id
  description       = "all outbound"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}
