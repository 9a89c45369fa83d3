output "connection" {
  description = "Primary endpoint: {host, port, tls}. The services build REDIS_URL from it."
  value       = { host = local.host, port = 6379, tls = local.tls }
}

output "url" {
  description = "REDIS_URL of the primary."
  value       = "${local.tls ? "rediss" : "redis"}://${local.host}:6379"
  sensitive   = true
}
