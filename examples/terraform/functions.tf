# The six functions of app/functions.json, each from <lambda_zip_dir>/<Binary>.zip, and the
# stream → order-events mapping of app/event-sources.json.

resource "aws_lambda_function" "app" {
  for_each = local.functions

  function_name    = each.key
  description      = each.value.Description
  role             = aws_iam_role.lambda.arn
  runtime          = each.value.Runtime
  handler          = each.value.Handler
  memory_size      = each.value.MemorySize
  timeout          = each.value.Timeout
  filename         = "${var.lambda_zip_dir}/${each.value.Binary}.zip"
  source_code_hash = filebase64sha256("${var.lambda_zip_dir}/${each.value.Binary}.zip")

  environment {
    variables = each.value.Environment.Variables
  }

  tags = { app = "orderlab" }
}

resource "aws_lambda_event_source_mapping" "orders_stream" {
  for_each = { for s in local.event_sources : s.FunctionName => s }

  function_name     = aws_lambda_function.app[each.key].arn
  event_source_arn  = aws_dynamodb_table.orders.stream_arn
  starting_position = each.value.StartingPosition
  batch_size        = each.value.BatchSize
}
