# The hashicorp/aws provider pointed at `orderlab emulate` (README: "Terraform").
#
# Every service the stack uses has its endpoint set to var.endpoint; credentials are the
# emulator's test pair. The provider still asks STS who it is (GetCallerIdentity), so the
# account in every ARN is the emulator's.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region                      = var.region
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigateway = var.endpoint
    dynamodb   = var.endpoint
    events     = var.endpoint
    iam        = var.endpoint
    lambda     = var.endpoint
    ses        = var.endpoint
    sfn        = var.endpoint
    sts        = var.endpoint
  }
}

data "aws_caller_identity" "current" {}
