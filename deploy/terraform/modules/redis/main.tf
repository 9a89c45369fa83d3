# BullMQ needs maxmemory-policy noeviction in both modes: an evicted key is a lost job or a
# broken queue, while a full Redis fails writes loudly. PostgreSQL holds every schedule, so
# Redis needs no backups: the scheduler re-enqueues what a flushed Redis lost.

locals {
  elasticache = var.mode == "elasticache"
  ec2         = var.mode == "ec2"
  host        = local.elasticache ? aws_elasticache_replication_group.this[0].primary_endpoint_address : aws_instance.redis[0].private_ip
  tls         = local.elasticache && var.transit_encryption
}

# --- ElastiCache ----------------------------------------------------------------------------------

resource "aws_elasticache_subnet_group" "this" {
  count = local.elasticache ? 1 : 0

  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_elasticache_parameter_group" "this" {
  count = local.elasticache ? 1 : 0

  name   = "${var.name}-redis7"
  family = "redis7"

  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }
}

resource "aws_elasticache_replication_group" "this" {
  count = local.elasticache ? 1 : 0

  replication_group_id = var.name
  description          = "Lighthouse BullMQ queues (${var.name})"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.this[0].name
  subnet_group_name    = aws_elasticache_subnet_group.this[0].name
  security_group_ids   = var.security_group_ids

  # A primary and its replicas, cluster mode off (BullMQ keeps a queue's keys on one node).
  num_cache_clusters         = 1 + var.replicas
  automatic_failover_enabled = var.replicas > 0
  multi_az_enabled           = var.replicas > 0

  at_rest_encryption_enabled = true
  transit_encryption_enabled = var.transit_encryption
  snapshot_retention_limit   = 0
  maintenance_window         = "sun:05:00-sun:06:00"
  apply_immediately          = false
}

# --- EC2 (dev): Redis 7 in Docker, as in docker-compose.yml ---------------------------------------

data "aws_ssm_parameter" "al2023" {
  count = local.ec2 ? 1 : 0

  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${var.cpu_architecture}"
}

resource "aws_iam_role" "redis" {
  count = local.ec2 ? 1 : 0

  name = "${var.name}-redis"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "redis_ssm" {
  count = local.ec2 ? 1 : 0

  role       = aws_iam_role.redis[0].name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "redis" {
  count = local.ec2 ? 1 : 0

  name = "${var.name}-redis"
  role = aws_iam_role.redis[0].name
}

resource "aws_instance" "redis" {
  count = local.ec2 ? 1 : 0

  ami                         = data.aws_ssm_parameter.al2023[0].value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_ids[0]
  vpc_security_group_ids      = var.security_group_ids
  associate_public_ip_address = var.associate_public_ip
  iam_instance_profile        = aws_iam_instance_profile.redis[0].name

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
  }

  # maxmemory: 75% of the instance's memory, leaving room for the AOF rewrite's fork.
  user_data = <<-EOT
    #!/bin/bash
    set -euo pipefail
    dnf install -y docker
    systemctl enable --now docker
    maxmemory_mb=$(awk '/MemTotal/ { printf "%d", $2 * 0.75 / 1024 }' /proc/meminfo)
    docker run -d --name redis --restart unless-stopped -p 6379:6379 -v redis-data:/data \
      ${var.redis_image} redis-server --appendonly yes \
      --maxmemory-policy noeviction --maxmemory "$${maxmemory_mb}mb" --protected-mode no
  EOT

  tags = { Name = "${var.name}-redis" }

  lifecycle {
    ignore_changes = [ami]
  }
}
