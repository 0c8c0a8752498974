# app/tables.json: orders (stream NEW_AND_OLD_IMAGES) and inventory. The orders table also has
# TTL on `expires_at`, an attribute the application never writes (so nothing expires): it is
# here so that the Terraform path covers TTL as real stacks do.

resource "aws_dynamodb_table" "orders" {
  name             = "${var.prefix}orders"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "order_id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "order_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  tags = { app = "orderlab" }
}

resource "aws_dynamodb_table" "inventory" {
  name         = "${var.prefix}inventory"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "item_id"

  attribute {
    name = "item_id"
    type = "S"
  }

  tags = { app = "orderlab" }
}
