output "connection" {
  description = "How to reach the database; the password is in the RDS-managed secret (JSON key password). Same shape as timescaledb-ec2."
  value = {
    host                = aws_db_instance.this.address
    port                = aws_db_instance.this.port
    database            = var.database_name
    username            = var.username
    password_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
    # rds.force_ssl is on. no-verify: encrypted, but the RDS CA is not in the image's trust
    # store; with it (NODE_EXTRA_CA_CERTS) this can become verify-full.
    sslmode = "no-verify"
  }
}

output "connection_string" {
  description = "DATABASE_URL without its password (take it from password_secret_arn)."
  value       = "postgres://${var.username}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${var.database_name}?sslmode=no-verify"
  sensitive   = true
}

output "password_secret_arn" {
  description = "RDS-managed Secrets Manager secret {username, password}."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "instance_id" {
  description = "RDS instance identifier."
  value       = aws_db_instance.this.identifier
}
