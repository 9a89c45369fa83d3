output "connection" {
  description = "How to reach the database; the password is in the secret (JSON key password). Same shape as timescaledb-rds."
  value = {
    host                = aws_instance.db.private_ip
    port                = 5432
    database            = var.database_name
    username            = var.username
    password_secret_arn = aws_secretsmanager_secret.db.arn
    # TLS with the instance's self-signed certificate: encrypted, not authenticated.
    sslmode = "no-verify"
  }
}

output "connection_string" {
  description = "DATABASE_URL without its password (take it from password_secret_arn)."
  value       = "postgres://${var.username}@${aws_instance.db.private_ip}:5432/${var.database_name}?sslmode=no-verify"
  sensitive   = true
}

output "password_secret_arn" {
  description = "Secrets Manager secret {username, password} of the services' login."
  value       = aws_secretsmanager_secret.db.arn
}

output "instance_id" {
  description = "EC2 instance running PostgreSQL (connect with Session Manager)."
  value       = aws_instance.db.id
}

output "data_volume_id" {
  description = "EBS volume holding data, WAL and configuration."
  value       = aws_ebs_volume.data.id
}

output "backup_vault_name" {
  description = "AWS Backup vault with the daily snapshots."
  value       = aws_backup_vault.db.name
}
