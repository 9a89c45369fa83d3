terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.88"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # Keep the state in S3 (versioned bucket, S3-native locking) rather than on a laptop:
  #
  # backend "s3" {
  #   bucket       = "example-terraform-state"
  #   key          = "lighthouse/prod/terraform.tfstate"
  #   region       = "us-east-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}
