data "aws_region" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  services             = toset(["api", "scheduler", "alerter"])
  ports                = { api = 3000, scheduler = 9101, alerter = 9103 }
  region               = data.aws_region.current.name
  https                = var.certificate_arn != null
  public_host          = coalesce(var.siwe_domain, aws_lb.api.dns_name)
  db_password          = "${var.database.password_secret_arn}:password::"
  prometheus_log_group = "/lighthouse/${var.name}/prometheus"

  # ECS hands secrets over as separate variables, but every service reads one DATABASE_URL. So
  # the container starts through this script: it builds the URL (the password URL-encoded, as
  # RDS-generated ones may hold any punctuation), then runs what the image's CMD would.
  start = <<-EOT
    set -e
    password=$(node -p 'encodeURIComponent(process.env.DB_PASSWORD)')
    export DATABASE_URL="postgres://$DB_USER:$password@$DB_HOST:$DB_PORT/$DB_NAME?sslmode=$DB_SSLMODE"
    unset DB_PASSWORD password
    if [ "$SERVICE" = migrate ]; then exec node migrations/dist/cli.js latest; fi
    exec node "services/$SERVICE/dist/main.js"
  EOT

  common_environment = {
    DB_HOST      = var.database.host
    DB_PORT      = tostring(var.database.port)
    DB_NAME      = var.database.database
    DB_USER      = var.database.username
    DB_SSLMODE   = var.database.sslmode
    REDIS_URL    = "${var.redis.tls ? "rediss" : "redis"}://${var.redis.host}:${var.redis.port}"
    QUEUE_PREFIX = var.queue_prefix
    LOG_LEVEL    = var.log_level
    # read by every service; the checkers module's mode must be the same
    LIGHTHOUSE_MODE = var.mode
  }

  # On AWS the private network holds the database, Redis and these tasks: private targets stay
  # refused whatever the mode (the checkers module does the same); extra_environment may lift it.
  target_environment = { LIGHTHOUSE_ALLOW_PRIVATE_TARGETS = "false" }

  environment = {
    api = merge(
      local.common_environment,
      local.target_environment,
      {
        SERVICE = "api"
        # the load balancer reaches the task at its VPC address: not loopback (as in the image)
        HOST        = "0.0.0.0"
        PORT        = tostring(local.ports.api)
        SIWE_DOMAIN = local.public_host
        PUBLIC_URL  = "${local.https ? "https" : "http"}://${local.public_host}"
        # the load balancer lives in the VPC: believe its X-Forwarded-For for the client address
        TRUST_PROXY    = "loopback, ${data.aws_vpc.this.cidr_block}"
        DEFAULT_REGION = var.default_region
      },
      lookup(var.extra_environment, "api", {}),
    )
    # The CloudWatch agent scrapes the scheduler's /metrics over localhost (one network
    # namespace per task), so METRICS_HOST needs no setting here; the image's 0.0.0.0 exposes
    # nothing more, as the services security group admits only the api's port.
    scheduler = merge(
      local.common_environment,
      { SERVICE = "scheduler", DEFAULT_REGION = var.default_region },
      lookup(var.extra_environment, "scheduler", {}),
    )
    alerter = merge(local.common_environment, local.target_environment, { SERVICE = "alerter" }, lookup(var.extra_environment, "alerter", {}))
  }

  # Each service gets only the secrets its configuration reads.
  secrets = {
    api = merge(
      { DB_PASSWORD = local.db_password, ENCRYPTION_KEY = var.encryption_key_secret_arn, ADMIN_TOKEN = var.admin_token_secret_arn },
      lookup(var.extra_secrets, "api", {}),
    )
    scheduler = merge({ DB_PASSWORD = local.db_password }, lookup(var.extra_secrets, "scheduler", {}))
    alerter = merge(
      { DB_PASSWORD = local.db_password, ENCRYPTION_KEY = var.encryption_key_secret_arn },
      lookup(var.extra_secrets, "alerter", {}),
    )
  }

  # What docker-compose.yml does with read_only, tmpfs, cap_drop and init, in Fargate's terms.
  hardening = {
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters        = { initProcessEnabled = true, capabilities = { drop = ["ALL"] } }
  }

  containers = {
    for service in local.services : service => merge(local.hardening, {
      name         = service
      image        = var.image
      essential    = true
      command      = ["/bin/sh", "-c", local.start]
      environment  = [for k, v in local.environment[service] : { name = k, value = v }]
      secrets      = [for k, v in local.secrets[service] : { name = k, valueFrom = v }]
      portMappings = [{ containerPort = local.ports[service], protocol = "tcp" }]
      # Same probe as the image's HEALTHCHECK, which ECS does not read: 200 only when
      # PostgreSQL and Redis both answer.
      healthCheck = {
        command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:${local.ports[service]}/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      # SIGTERM drains within SHUTDOWN_TIMEOUT_MS (10 s by default); SIGKILL comes after this.
      stopTimeout = 30
      # Every task applies pending migrations before its service starts, like compose's
      # migrate service; concurrent runs wait on the migrator's lock and then find nothing to do.
      dependsOn = [{ containerName = "migrate", condition = "SUCCESS" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[service].name
          awslogs-region        = local.region
          awslogs-stream-prefix = service
        }
      }
    })
  }

  migrate = {
    for service in local.services : service => merge(local.hardening, {
      name        = "migrate"
      image       = var.image
      essential   = false
      command     = ["/bin/sh", "-c", local.start]
      environment = [for k, v in merge(local.common_environment, { SERVICE = "migrate" }) : { name = k, value = v }]
      secrets     = [{ name = "DB_PASSWORD", valueFrom = local.db_password }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[service].name
          awslogs-region        = local.region
          awslogs-stream-prefix = "migrate"
        }
      }
    })
  }

  # Next to the scheduler: scrapes its /metrics and publishes the checks queue depth as the
  # CloudWatch metric the checkers scale on (see README). Essential, so that a dead agent
  # restarts the task instead of silently freezing the checkers' scaling.
  cloudwatch_agent = {
    name      = "cloudwatch-agent"
    image     = var.cloudwatch_agent_image
    essential = true
    environment = [
      { name = "CW_CONFIG_CONTENT", value = jsonencode(local.cloudwatch_agent_config) },
      { name = "PROMETHEUS_CONFIG_CONTENT", value = yamlencode(local.prometheus_config) },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service["scheduler"].name
        awslogs-region        = local.region
        awslogs-stream-prefix = "cloudwatch-agent"
      }
    }
  }

  prometheus_config = {
    global = { scrape_interval = "30s", scrape_timeout = "10s" }
    scrape_configs = [{
      job_name       = "lighthouse-scheduler"
      static_configs = [{ targets = ["localhost:${local.ports.scheduler}"] }]
      # Only the queue gauge goes to CloudWatch Logs; the rest of /metrics stays in Prometheus.
      metric_relabel_configs = [{ source_labels = ["__name__"], regex = "lighthouse_queue_jobs", action = "keep" }]
    }]
  }

  cloudwatch_agent_config = {
    agent = { region = local.region }
    logs = {
      metrics_collected = {
        prometheus = {
          cluster_name           = aws_ecs_cluster.this.name
          log_group_name         = local.prometheus_log_group
          prometheus_config_path = "env:PROMETHEUS_CONFIG_CONTENT"
          emf_processor = {
            metric_namespace = var.queue_metric_namespace
            metric_declaration = [{
              source_labels    = ["job"]
              label_matcher    = "^lighthouse-scheduler$"
              dimensions       = [["queue", "state"]]
              metric_selectors = ["^lighthouse_queue_jobs$"]
            }]
          }
        }
      }
      force_flush_interval = 5
    }
  }
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_cloudwatch_log_group" "service" {
  for_each = local.services

  name              = "/lighthouse/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

# Embedded-metric-format events the agent writes; CloudWatch turns them into the metric.
resource "aws_cloudwatch_log_group" "prometheus" {
  name              = local.prometheus_log_group
  retention_in_days = 3
}

# --- IAM ------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# Used by ECS itself: pulls the image, writes logs, reads the secrets into the containers.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secrets" {
  name = "read-lighthouse-secrets"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = "secretsmanager:GetSecretValue"
      # valueFrom may name a JSON key (arn:...:secret:name:key::); IAM wants the secret's ARN.
      Resource = distinct([
        for ref in concat(
          [var.database.password_secret_arn, var.encryption_key_secret_arn, var.admin_token_secret_arn],
          flatten([for s in values(var.extra_secrets) : values(s)]),
        ) : join(":", slice(split(":", ref), 0, min(7, length(split(":", ref)))))
      ])
    }]
  })
}

# The application containers call no AWS API; only the scheduler's CloudWatch agent does.
resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "scheduler_cloudwatch_agent" {
  role       = aws_iam_role.scheduler.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
}

# --- tasks and services ---------------------------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  for_each = local.services

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.tasks[each.key].cpu
  memory                   = var.tasks[each.key].memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = each.key == "scheduler" ? aws_iam_role.scheduler.arn : null

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = upper(var.cpu_architecture)
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode(concat(
    [local.containers[each.key], local.migrate[each.key]],
    each.key == "scheduler" ? [local.cloudwatch_agent] : [],
  ))
}

resource "aws_ecs_service" "this" {
  for_each = local.services

  name                              = each.key
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.this[each.key].arn
  desired_count                     = var.tasks[each.key].count
  launch_type                       = "FARGATE"
  propagate_tags                    = "SERVICE"
  health_check_grace_period_seconds = each.key == "api" ? 90 : null

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = var.assign_public_ip
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = each.key == "api" ? [aws_lb_target_group.api.arn] : []
    content {
      target_group_arn = load_balancer.value
      container_name   = "api"
      container_port   = local.ports.api
    }
  }

  depends_on = [aws_lb_listener.http, aws_lb_listener.https]
}

# --- load balancer --------------------------------------------------------------------------------

resource "aws_lb" "api" {
  name                       = "${var.name}-api"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.alb_subnet_ids
  security_groups            = [var.alb_security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection
}

resource "aws_lb_target_group" "api" {
  name                 = "${var.name}-api"
  port                 = local.ports.api
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

# With a certificate, port 80 only redirects; without one (dev), it serves the api.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.api.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}
