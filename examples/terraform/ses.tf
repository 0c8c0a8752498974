# The sender identity complete-order mails from (the emulator verifies it at once).

resource "aws_ses_email_identity" "sender" {
  email = var.sender_email
}
