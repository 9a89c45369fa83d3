output "encryption_key_secret_arn" {
  description = "ARN of the secret holding ENCRYPTION_KEY (a plain string)."
  value       = aws_secretsmanager_secret.encryption_key.arn
}

output "admin_token_secret_arn" {
  description = "ARN of the secret holding ADMIN_TOKEN (a plain string)."
  value       = aws_secretsmanager_secret.admin_token.arn
}

output "secret_arns" {
  description = "Both ARNs, for IAM policies."
  value       = [aws_secretsmanager_secret.encryption_key.arn, aws_secretsmanager_secret.admin_token.arn]
}
