# Generated here, written once to Secrets Manager through write-only arguments, and never stored
# in the Terraform state: the ephemeral values exist only while a plan or apply runs.

# ENCRYPTION_KEY: 32 random bytes as 64 hex characters. random_password has no hex mode, so its
# "special" characters are a-f, the only other class allowed, next to the digits.
ephemeral "random_password" "encryption_key" {
  length           = 64
  upper            = false
  lower            = false
  numeric          = true
  special          = true
  override_special = "abcdef"
}

ephemeral "random_password" "admin_token" {
  length  = 48
  special = false
}

# CHECKER_SIGNING_KEY, one per region: a secp256k1 private key, "0x" and 32 random bytes as 64
# hex characters (made as the encryption key; the 0x is added when it is written). A value of
# zero or at least the curve's order would be refused, but 64 random hex digits land there with
# a probability of about 2^-128.
ephemeral "random_password" "checker_signing_key" {
  for_each = toset(var.checker_regions)

  length           = 64
  upper            = false
  lower            = false
  numeric          = true
  special          = true
  override_special = "abcdef"
}

resource "aws_secretsmanager_secret" "encryption_key" {
  name                    = "${var.name}/encryption-key"
  description             = "Lighthouse ENCRYPTION_KEY: seals channel secrets and target configs. Losing it makes them unreadable."
  recovery_window_in_days = var.recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "encryption_key" {
  secret_id        = aws_secretsmanager_secret.encryption_key.id
  secret_string_wo = ephemeral.random_password.encryption_key.result
  # Written when the secret is created and never again: a new key could not open what the old
  # one sealed. Rotating it needs re-encryption, which Lighthouse does not do yet.
  secret_string_wo_version = 1
}

resource "aws_secretsmanager_secret" "admin_token" {
  name                    = "${var.name}/admin-token"
  description             = "Lighthouse ADMIN_TOKEN: guards Bull Board at /admin/queues."
  recovery_window_in_days = var.recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "admin_token" {
  secret_id        = aws_secretsmanager_secret.admin_token.id
  secret_string_wo = ephemeral.random_password.admin_token.result
  # Bump to generate a new token; the api reads it at start, so redeploy the services after.
  secret_string_wo_version = var.admin_token_version
}

resource "aws_secretsmanager_secret" "checker_signing_key" {
  for_each = toset(var.checker_regions)

  name                    = "${var.name}/checker-signing-key/${each.key}"
  description             = "Lighthouse CHECKER_SIGNING_KEY of the checkers of region ${each.key}: signs every batch of results they write. Losing it loses no records (its address stays listed at GET /v1/probes), but never give it to another region's checkers: they refuse to start with it."
  recovery_window_in_days = var.recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "checker_signing_key" {
  for_each = toset(var.checker_regions)

  secret_id        = aws_secretsmanager_secret.checker_signing_key[each.key].id
  secret_string_wo = "0x${ephemeral.random_password.checker_signing_key[each.key].result}"
  # Bump to give every region a new key; the checkers read it at start, so replace the checker
  # hosts after (instance refresh). The old addresses stay listed, so what they signed verifies.
  secret_string_wo_version = var.checker_signing_key_version
}
