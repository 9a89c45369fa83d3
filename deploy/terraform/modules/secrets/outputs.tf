output "encryption_key_secret_arn" {
  description = "ARN of the secret holding ENCRYPTION_KEY (a plain string)."
  value       = aws_secretsmanager_secret.encryption_key.arn
}

output "admin_token_secret_arn" {
  description = "ARN of the secret holding ADMIN_TOKEN (a plain string)."
  value       = aws_secretsmanager_secret.admin_token.arn
}

output "checker_signing_key_secret_arns" {
  description = "Per Lighthouse region (checker_regions): ARN of the secret holding its checkers' CHECKER_SIGNING_KEY (a plain string, 0x and 64 hex characters)."
  value       = { for region, secret in aws_secretsmanager_secret.checker_signing_key : region => secret.arn }
}

output "secret_arns" {
  description = "Every ARN, for IAM policies."
  value = concat(
    [aws_secretsmanager_secret.encryption_key.arn, aws_secretsmanager_secret.admin_token.arn],
    [for secret in aws_secretsmanager_secret.checker_signing_key : secret.arn],
  )
}
