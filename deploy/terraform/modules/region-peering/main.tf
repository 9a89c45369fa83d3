# Peers the database's VPC (the default provider) with a VPC in another region (aws.peer), so
# that checkers there reach PostgreSQL and Redis at their private addresses. RDS and
# ElastiCache endpoint names resolve to those addresses from anywhere, so no DNS option is set.

data "aws_region" "peer" {
  provider = aws.peer
}

# Across regions the requester cannot accept its own request: the accepter below does, in the
# peer's region.
resource "aws_vpc_peering_connection" "this" {
  vpc_id      = var.vpc_id
  peer_vpc_id = var.peer_vpc_id
  peer_region = data.aws_region.peer.name

  tags = { Name = var.name }
}

resource "aws_vpc_peering_connection_accepter" "this" {
  provider = aws.peer

  vpc_peering_connection_id = aws_vpc_peering_connection.this.id
  auto_accept               = true

  tags = { Name = var.name }
}

# Both ways, in every route table: the checkers' subnets to the stores', and the replies back.
resource "aws_route" "to_peer" {
  count = length(var.route_table_ids)

  route_table_id            = var.route_table_ids[count.index]
  destination_cidr_block    = var.peer_cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection_accepter.this.id
}

resource "aws_route" "from_peer" {
  provider = aws.peer
  count    = length(var.peer_route_table_ids)

  route_table_id            = var.peer_route_table_ids[count.index]
  destination_cidr_block    = var.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection_accepter.this.id
}
