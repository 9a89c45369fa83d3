output "api_url" {
  description = "The api through the load balancer (use https://<domain_name> once DNS points at alb_dns_name)."
  value       = module.services.api_url
}

output "alb_dns_name" {
  description = "Point domain_name at this (Route 53 alias with alb_zone_id, or CNAME)."
  value       = module.services.alb_dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer, for an alias record."
  value       = module.services.alb_zone_id
}

output "database_connection_string" {
  description = "DATABASE_URL without its password; the password is in database_password_secret_arn."
  value       = local.database_connection_string
  sensitive   = true
}

output "database_password_secret_arn" {
  description = "Secret {username, password} of the database login (RDS-managed with database_engine = rds)."
  value       = local.database.password_secret_arn
}

output "redis_url" {
  description = "REDIS_URL of the services (rediss://: TLS)."
  value       = module.redis.url
  sensitive   = true
}

output "secret_arns" {
  description = "Secrets Manager ARNs of ENCRYPTION_KEY, ADMIN_TOKEN and each region's CHECKER_SIGNING_KEY."
  value = {
    encryption_key       = module.secrets.encryption_key_secret_arn
    admin_token          = module.secrets.admin_token_secret_arn
    checker_signing_keys = module.secrets.checker_signing_key_secret_arns
  }
}

output "ecs_cluster_name" {
  description = "ECS cluster of api, scheduler and alerter."
  value       = module.services.cluster_name
}

output "checkers_autoscaling_group" {
  description = "Auto Scaling group of the checker hosts in region."
  value       = module.checkers.autoscaling_group_name
}

output "checker_regions" {
  description = "Each Lighthouse region with checkers here (CHECKER_REGION) => its AWS region and Auto Scaling group."
  value = {
    for r in concat(
      [{ name = local.checker_region, aws_region = var.region, group = module.checkers.autoscaling_group_name }],
      [for m in module.checkers_eu_west : { name = local.eu_west_checker_region, aws_region = var.eu_west.aws_region, group = m.autoscaling_group_name }],
    ) : r.name => { aws_region = r.aws_region, autoscaling_group = r.group }
  }
}

output "default_region" {
  description = "DEFAULT_REGION of the api and scheduler: where a subscription naming no region is checked from."
  value       = local.checker_region
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = aws_sns_topic.alarms.arn
}
