output "api_url" {
  description = "Where the api answers: the load balancer's name, over HTTPS when a certificate is set. Point your domain (siwe_domain) at it with an alias record."
  value       = "${local.https ? "https" : "http"}://${aws_lb.api.dns_name}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.api.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer, for a Route 53 alias record."
  value       = aws_lb.api.zone_id
}

output "cluster_name" {
  description = "ECS cluster running api, scheduler and alerter."
  value       = aws_ecs_cluster.this.name
}

output "log_group_names" {
  description = "CloudWatch log group of each service."
  value       = { for service, group in aws_cloudwatch_log_group.service : service => group.name }
}

output "queue_metric" {
  description = "The CloudWatch metric of the queues published by the scheduler's CloudWatch agent (dimensions queue, e.g. checks-us-east-1, and state: waiting, active, delayed, failed); the checkers module picks its region's queue."
  value = {
    namespace  = var.queue_metric_namespace
    name       = "lighthouse_queue_jobs"
    dimensions = {}
  }
}
