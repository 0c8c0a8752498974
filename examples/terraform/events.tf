# app/rule.json: OrderCreated events on the default bus start the state machine with $.detail.

resource "aws_cloudwatch_event_rule" "order_created" {
  name           = local.rule.Name
  event_bus_name = local.rule.EventBusName
  description    = local.rule.Description
  event_pattern  = jsonencode(local.rule.EventPattern)

  tags = { app = "orderlab" }
}

resource "aws_cloudwatch_event_target" "order_processing" {
  rule           = aws_cloudwatch_event_rule.order_created.name
  event_bus_name = local.rule.EventBusName
  target_id      = local.rule.Targets[0].Id
  arn            = aws_sfn_state_machine.order_processing.arn
  role_arn       = aws_iam_role.events.arn
  input_path     = local.rule.Targets[0].InputPath
}
