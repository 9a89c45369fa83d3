output "connection" {
  description = "How to reach the database; the password is in the RDS-managed secret (JSON key password). Same shape as timescaledb-ec2."
  value = {
    host                = aws_db_instance.this.address
    port                = aws_db_instance.this.port
    database            = var.database_name
    username            = var.username
    password_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
    # rds.force_ssl is on. no-verify: encrypted, but the RDS CA is not in the image's trust
    # store. Checkers outside the VPC verify it (verify-full) against ca_bundle_url.
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

output "ca_bundle_url" {
  description = "AWS's bundle of every RDS certificate authority (all regions): sslrootcert for sslmode=verify-full, as the checkers module's database_ca_bundle_url."
  value       = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
}
