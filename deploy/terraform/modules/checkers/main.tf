data "aws_region" "current" {}

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${var.cpu_architecture}"
}

locals {
  region = data.aws_region.current.name

  # Private targets stay refused whatever the mode: the VPC holds the database, Redis and the
  # services (extra_environment may lift it).
  environment = merge({
    SERVICE                          = "checker"
    REDIS_URL                        = "${var.redis.tls ? "rediss" : "redis"}://${var.redis.host}:${var.redis.port}"
    QUEUE_PREFIX                     = var.queue_prefix
    LOG_LEVEL                        = var.log_level
    LIGHTHOUSE_MODE                  = var.mode
    CHECKER_REGION                   = var.checker_region
    CHECKER_CONCURRENCY              = tostring(var.concurrency)
    NODE_OPTIONS                     = "--max-old-space-size=${var.heap_mb}"
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS = "false"
  }, var.extra_environment)

  # The region's queue: checks for the region named local, checks-<region> for any other.
  queue   = var.checker_region == "local" ? "checks" : "checks-${var.checker_region}"
  waiting = var.queue_metric == null ? {} : merge(var.queue_metric.dimensions, { queue = local.queue, state = "waiting" })

  # With a CA bundle the certificate is verified, host name included (node-postgres reads
  # sslrootcert itself); without one, the connection's sslmode (no-verify inside the VPC).
  db_ca_path = "/etc/lighthouse/db-ca.pem"
  db_tls     = var.database_ca_bundle_url == null ? "sslmode=${var.database.sslmode}" : "sslmode=verify-full&sslrootcert=${local.db_ca_path}"

  # The secrets (the secrets module's, CHECKER_SIGNING_KEY's included) live in the database's
  # region, which may not be this one (arn:aws:...:<region>:...).
  secrets_region = split(":", var.encryption_key_secret_arn)[3]

  # The instance role logs in to ECR (in the image's region); an image elsewhere must be public.
  registry     = split("/", var.image)[0]
  ecr_registry = can(regex("^[0-9]+\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com$", local.registry)) ? local.registry : ""
  ecr_region   = local.ecr_registry == "" ? "" : split(".", local.ecr_registry)[3]
}

resource "aws_cloudwatch_log_group" "checker" {
  name              = "/lighthouse/${var.name}/checker"
  retention_in_days = var.log_retention_days
}

# --- IAM ------------------------------------------------------------------------------------------

resource "aws_iam_role" "checker" {
  name = "${var.name}-checker"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "checker" {
  for_each = toset([
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",       # Session Manager instead of SSH
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", # when the image is in ECR
  ])

  role       = aws_iam_role.checker.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "checker" {
  name = "lighthouse-checker"
  role = aws_iam_role.checker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = [var.database.password_secret_arn, var.encryption_key_secret_arn, var.signing_key_secret_arn]
      },
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.checker.arn}:*"
      },
    ]
  })
}

resource "aws_iam_instance_profile" "checker" {
  name = "${var.name}-checker"
  role = aws_iam_role.checker.name
}

# --- instances ------------------------------------------------------------------------------------

resource "aws_launch_template" "checker" {
  name_prefix            = "${var.name}-checker-"
  image_id               = data.aws_ssm_parameter.al2023.value
  instance_type          = var.instance_type
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.checker.arn
  }

  network_interfaces {
    associate_public_ip_address = var.associate_public_ip
    security_groups             = [var.security_group_id]
    delete_on_termination       = true
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_type           = "gp3"
      volume_size           = 20
      encrypted             = true
      delete_on_termination = true
    }
  }

  user_data = base64encode(templatefile("${path.module}/user-data.sh.tftpl", {
    processes                 = var.processes_per_instance
    environment               = join("\n", [for k, v in local.environment : "${k}=${v}"])
    region                    = local.region
    secrets_region            = local.secrets_region
    image                     = var.image
    ecr_registry              = local.ecr_registry
    ecr_region                = local.ecr_region
    log_group                 = aws_cloudwatch_log_group.checker.name
    db_host                   = var.database.host
    db_port                   = var.database.port
    db_name                   = var.database.database
    db_username               = var.database.username
    db_tls                    = local.db_tls
    db_ca_bundle_url          = var.database_ca_bundle_url == null ? "" : var.database_ca_bundle_url
    db_ca_path                = local.db_ca_path
    db_password_secret_arn    = var.database.password_secret_arn
    encryption_key_secret_arn = var.encryption_key_secret_arn
    signing_key_secret_arn    = var.signing_key_secret_arn
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-checker" }
  }
}

resource "aws_autoscaling_group" "checkers" {
  name                      = "${var.name}-checkers"
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = var.min_size
  vpc_zone_identifier       = var.subnet_ids
  health_check_type         = "EC2"
  health_check_grace_period = 120
  default_instance_warmup   = 120
  enabled_metrics           = ["GroupDesiredCapacity", "GroupInServiceInstances"]

  launch_template {
    id      = aws_launch_template.checker.id
    version = aws_launch_template.checker.latest_version
  }

  # A new image or setting rolls through the group, half of it at a time; a checker that
  # stops finishes its probes, and slots it held are retried elsewhere after CHECKER_LOCK_MS.
  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 50
    }
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-checker"
    propagate_at_launch = true
  }

  lifecycle {
    # the scaling policies own the capacity once the group exists
    ignore_changes = [desired_capacity]
  }
}

# --- scaling on the checks queue ------------------------------------------------------------------
# Waiting jobs are a backlog, not a load: they pile up whenever the checkers fall short and sit
# near zero whenever there are enough, whatever the count. So the group grows on a backlog and
# shrinks only when there is none *and* the checkers are mostly idle; target tracking on the
# backlog alone would keep shrinking the group until a backlog (late checks) appears.
#
# The queue metric is published in the scheduler's region, and an alarm sees only its own
# region's metrics: checkers in another region (queue_metric = null) scale on CPU instead.

resource "aws_autoscaling_policy" "cpu" {
  count = var.queue_metric == null ? 1 : 0

  name                      = "${var.name}-checkers-cpu"
  autoscaling_group_name    = aws_autoscaling_group.checkers.name
  policy_type               = "TargetTrackingScaling"
  estimated_instance_warmup = 120

  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = var.cpu_target_percent
  }
}

resource "aws_autoscaling_policy" "scale_out" {
  count = var.queue_metric == null ? 0 : 1

  name                      = "${var.name}-checkers-out"
  autoscaling_group_name    = aws_autoscaling_group.checkers.name
  policy_type               = "StepScaling"
  adjustment_type           = "ChangeInCapacity"
  metric_aggregation_type   = "Average"
  estimated_instance_warmup = 120

  # bounds are relative to the alarm threshold
  step_adjustment {
    metric_interval_lower_bound = 0
    metric_interval_upper_bound = var.scale_out_waiting * 4
    scaling_adjustment          = 1
  }

  step_adjustment {
    metric_interval_lower_bound = var.scale_out_waiting * 4
    scaling_adjustment          = 2
  }
}

resource "aws_cloudwatch_metric_alarm" "backlog" {
  count = var.queue_metric == null ? 0 : 1

  alarm_name          = "${var.name}-checks-backlog"
  alarm_description   = "More than ${var.scale_out_waiting} checks waiting for 2 minutes: add checkers"
  namespace           = var.queue_metric.namespace
  metric_name         = var.queue_metric.name
  dimensions          = local.waiting
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 2
  threshold           = var.scale_out_waiting
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_autoscaling_policy.scale_out[0].arn]
}

resource "aws_autoscaling_policy" "scale_in" {
  count = var.queue_metric == null ? 0 : 1

  name                   = "${var.name}-checkers-in"
  autoscaling_group_name = aws_autoscaling_group.checkers.name
  policy_type            = "SimpleScaling"
  adjustment_type        = "ChangeInCapacity"
  scaling_adjustment     = -1
  cooldown               = 600
}

resource "aws_cloudwatch_metric_alarm" "idle" {
  count = var.queue_metric == null ? 0 : 1

  alarm_name          = "${var.name}-checkers-idle"
  alarm_description   = "No backlog and checkers below ${var.scale_in_cpu_percent}% CPU for 15 minutes: remove one. Without queue data it never fires."
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_autoscaling_policy.scale_in[0].arn]

  metric_query {
    id          = "idle"
    expression  = "IF(waiting < ${var.scale_in_waiting} AND cpu < ${var.scale_in_cpu_percent}, 1, 0)"
    label       = "checkers idle"
    return_data = true
  }

  metric_query {
    id = "waiting"
    metric {
      namespace   = var.queue_metric.namespace
      metric_name = var.queue_metric.name
      dimensions  = local.waiting
      period      = 300
      stat        = "Average"
    }
  }

  metric_query {
    id = "cpu"
    metric {
      namespace   = "AWS/EC2"
      metric_name = "CPUUtilization"
      dimensions  = { AutoScalingGroupName = aws_autoscaling_group.checkers.name }
      period      = 300
      stat        = "Average"
    }
  }
}

# The scaling above silently stops if the scheduler's CloudWatch agent stops publishing.
resource "aws_cloudwatch_metric_alarm" "queue_metric_missing" {
  count = var.queue_metric == null ? 0 : 1

  alarm_name          = "${var.name}-queue-metric-missing"
  alarm_description   = "No ${var.queue_metric.name} data for 10 minutes: the checkers cannot scale (look at the scheduler's cloudwatch-agent container)"
  namespace           = var.queue_metric.namespace
  metric_name         = var.queue_metric.name
  dimensions          = local.waiting
  statistic           = "SampleCount"
  period              = 300
  evaluation_periods  = 2
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}
