# What a client of the deployed stack needs. The invoke URL is the emulator's form
# (<endpoint>/restapis/<id>/<stage>/_user_request_/<path>), not AWS's execute-api host.

output "orders_url" {
  value = "${var.endpoint}/restapis/${aws_api_gateway_rest_api.orders.id}/${aws_api_gateway_stage.prod.stage_name}/_user_request_${local.api.Routes[0].Path}"
}

output "state_machine_arn" {
  value = aws_sfn_state_machine.order_processing.arn
}

output "orders_table" {
  value = aws_dynamodb_table.orders.name
}

output "inventory_table" {
  value = aws_dynamodb_table.inventory.name
}

output "account_id" {
  value = local.account_id
}
