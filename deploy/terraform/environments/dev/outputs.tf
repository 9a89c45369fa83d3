output "api_url" {
  description = "The api (GET /health, /v1/...)."
  value       = module.services.api_url
}

output "alb_dns_name" {
  description = "Point domain_name at this (CNAME or Route 53 alias)."
  value       = module.services.alb_dns_name
}

output "database_connection_string" {
  description = "DATABASE_URL without its password; the password is in database_password_secret_arn."
  value       = module.database.connection_string
  sensitive   = true
}

output "database_password_secret_arn" {
  description = "Secret {username, password} of the database login."
  value       = module.database.password_secret_arn
}

output "database_instance_id" {
  description = "EC2 instance running TimescaleDB: aws ssm start-session --target <id>."
  value       = module.database.instance_id
}

output "redis_url" {
  description = "REDIS_URL of the services."
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

output "checkers_autoscaling_group" {
  description = "Auto Scaling group of the checker hosts."
  value       = module.checkers.autoscaling_group_name
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = aws_sns_topic.alarms.arn
}
