# Inputs. Only lambda_zip_dir has no default: the directory holding one deployment zip per
# Lambda executable of the orderlab-lambdas package, named <binary>.zip (e.g.
# alex-create-order.zip), each holding the executable as `bootstrap` (README: "Terraform").

variable "endpoint" {
  description = "The emulator's URL (the first line `orderlab emulate` prints)."
  type        = string
  default     = "http://localhost:4566"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "lambda_zip_dir" {
  description = "Directory of <binary>.zip deployment packages (bootstrap inside)."
  type        = string
}

variable "app_dir" {
  description = "The application's app/ directory; null: ../../app from this directory."
  type        = string
  default     = null
}

variable "prefix" {
  description = "Prefix of every resource name (app/README.md's $${Prefix})."
  type        = string
  default     = "alex-"
}

variable "sender_email" {
  type    = string
  default = "orders@alex.example"
}

variable "payment_seed" {
  type    = number
  default = 42
}

variable "payment_approval_rate" {
  type    = string
  default = "0.8"
}
