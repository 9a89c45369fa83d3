data "aws_region" "current" {}

data "aws_subnet" "this" {
  id = var.subnet_id
}

data "aws_ssm_parameter" "ubuntu" {
  name = "/aws/service/canonical/ubuntu/server/24.04/stable/current/${var.cpu_architecture == "arm64" ? "arm64" : "amd64"}/hvm/ebs-gp3/ami-id"
}

locals {
  pg_version  = 16
  mount_point = "/srv/postgresql"
  backup_tag  = { key = "lighthouse-backup", value = var.name }
}

# --- password: generated, written to Secrets Manager, never in the state ---------------------------

# Letters, digits, - and _: safe in a URL and in the psql command the user data runs.
ephemeral "random_password" "db" {
  length           = 32
  override_special = "-_"
}

resource "aws_secretsmanager_secret" "db" {
  name                    = "${var.name}/database"
  description             = "PostgreSQL login of the Lighthouse services on ${var.name}: {username, password}, as RDS stores its own."
  recovery_window_in_days = var.secret_recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id                = aws_secretsmanager_secret.db.id
  secret_string_wo         = jsonencode({ username = var.username, password = ephemeral.random_password.db.result })
  secret_string_wo_version = var.password_version
}

# --- instance -------------------------------------------------------------------------------------

resource "aws_iam_role" "db" {
  name = "${var.name}-db"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "db" {
  for_each = toset([
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", # shell through Session Manager, no SSH
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
  ])

  role       = aws_iam_role.db.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "read_password" {
  name = "read-database-password"
  role = aws_iam_role.db.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = aws_secretsmanager_secret.db.arn }]
  })
}

resource "aws_iam_instance_profile" "db" {
  name = "${var.name}-db"
  role = aws_iam_role.db.name
}

resource "aws_cloudwatch_log_group" "postgres" {
  name              = "/lighthouse/${var.name}/postgresql"
  retention_in_days = var.log_retention_days
}

resource "aws_ebs_volume" "data" {
  availability_zone = data.aws_subnet.this.availability_zone
  type              = "gp3"
  size              = var.data_volume_size_gb
  iops              = var.data_volume_iops
  throughput        = var.data_volume_throughput
  encrypted         = true
  kms_key_id        = var.kms_key_arn
  final_snapshot    = var.deletion_protection

  tags = {
    Name                   = "${var.name}-db-data"
    (local.backup_tag.key) = local.backup_tag.value
  }
}

resource "aws_instance" "db" {
  ami                         = data.aws_ssm_parameter.ubuntu.value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = var.security_group_ids
  associate_public_ip_address = var.associate_public_ip
  iam_instance_profile        = aws_iam_instance_profile.db.name
  disable_api_termination     = var.deletion_protection
  ebs_optimized               = true

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
  }

  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    pg_version          = local.pg_version
    volume_id           = aws_ebs_volume.data.id
    vpc_cidr            = var.vpc_cidr_block
    max_connections     = var.max_connections
    region              = data.aws_region.current.name
    password_secret_arn = aws_secretsmanager_secret.db.arn
    username            = var.username
    database            = var.database_name
    cloudwatch_agent_config = jsonencode({
      agent = { metrics_collection_interval = 60, omit_hostname = true, run_as_user = "root" }
      metrics = {
        append_dimensions = { InstanceId = "$${aws:InstanceId}" }
        metrics_collected = {
          # device dropped: the alarm below matches on InstanceId, path and fstype only
          disk = { measurement = ["used_percent"], resources = [local.mount_point, "/"], drop_device = true }
          mem  = { measurement = ["mem_used_percent"] }
        }
      }
      logs = {
        logs_collected = {
          files = {
            collect_list = [{
              file_path       = "/var/log/postgresql/postgresql-${local.pg_version}-main.log"
              log_group_name  = aws_cloudwatch_log_group.postgres.name
              log_stream_name = "{instance_id}"
            }]
          }
        }
      }
    })
  })

  tags = { Name = "${var.name}-db" }

  lifecycle {
    # A newer Ubuntu image must not replace the database server; replace it on purpose
    # (terraform apply -replace=...): the data volume and its configuration carry over.
    ignore_changes = [ami]
  }

  # The secret must hold a password before the user data reads it.
  depends_on = [aws_secretsmanager_secret_version.db, aws_iam_role_policy.read_password]
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.db.id
  # PostgreSQL shuts down cleanly before the volume goes.
  stop_instance_before_detaching = true
}

# --- daily snapshots of the data volume (AWS Backup) ------------------------------------------------
# Data, WAL and configuration share the volume, so a snapshot is crash-consistent: restoring
# one is like PostgreSQL restarting after a power cut. There is no point-in-time recovery
# between snapshots; use timescaledb-rds (or add WAL archiving) when that matters.

resource "aws_backup_vault" "db" {
  name          = "${var.name}-db"
  kms_key_arn   = var.kms_key_arn
  force_destroy = !var.deletion_protection
}

resource "aws_backup_plan" "db" {
  name = "${var.name}-db-daily"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.db.name
    schedule          = var.backup_schedule
    start_window      = 60
    completion_window = 240

    lifecycle {
      delete_after = var.backup_retention_days
    }
  }
}

resource "aws_iam_role" "backup" {
  name = "${var.name}-db-backup"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "backup.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset([
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  ])

  role       = aws_iam_role.backup.name
  policy_arn = each.value
}

resource "aws_backup_selection" "db" {
  name         = "${var.name}-db-data"
  plan_id      = aws_backup_plan.db.id
  iam_role_arn = aws_iam_role.backup.arn

  selection_tag {
    type  = "STRINGEQUALS"
    key   = local.backup_tag.key
    value = local.backup_tag.value
  }
}

# --- alarms ---------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = "${var.name}-db-cpu"
  alarm_description   = "PostgreSQL instance CPU above ${var.cpu_alarm_percent}% for 15 minutes"
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  dimensions          = { InstanceId = aws_instance.db.id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.cpu_alarm_percent
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "disk" {
  alarm_name          = "${var.name}-db-disk"
  alarm_description   = "PostgreSQL data volume more than ${var.disk_alarm_percent}% full (grow data_volume_size_gb, then resize2fs)"
  namespace           = "CWAgent"
  metric_name         = "disk_used_percent"
  dimensions          = { InstanceId = aws_instance.db.id, path = local.mount_point, fstype = "ext4" }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.disk_alarm_percent
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

# A failed system check (the host) is repaired by recovering the instance onto other hardware:
# same ID, private IP and volumes. A failed instance check (the OS) needs a person.
resource "aws_cloudwatch_metric_alarm" "status" {
  for_each = {
    system   = { metric = "StatusCheckFailed_System", actions = ["arn:aws:automate:${data.aws_region.current.name}:ec2:recover", var.alarm_topic_arn] }
    instance = { metric = "StatusCheckFailed_Instance", actions = [var.alarm_topic_arn] }
  }

  alarm_name          = "${var.name}-db-status-${each.key}"
  alarm_description   = "PostgreSQL instance fails its ${each.key} status check"
  namespace           = "AWS/EC2"
  metric_name         = each.value.metric
  dimensions          = { InstanceId = aws_instance.db.id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = each.value.actions
  ok_actions          = [var.alarm_topic_arn]
}
