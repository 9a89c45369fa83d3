output "autoscaling_group_name" {
  description = "Auto Scaling group of the checker hosts."
  value       = aws_autoscaling_group.checkers.name
}

output "log_group_name" {
  description = "CloudWatch log group of the checkers (one stream per host and process)."
  value       = aws_cloudwatch_log_group.checker.name
}

output "role_arn" {
  description = "IAM role of the checker hosts."
  value       = aws_iam_role.checker.arn
}
