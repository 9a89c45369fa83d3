terraform {
  # 1.11: ephemeral resources and write-only arguments keep generated secrets out of the state
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.88" # secret_string_wo
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7" # ephemeral "random_password"
    }
  }
}
