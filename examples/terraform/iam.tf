# The three roles app/ names (lambda-role, states-role, events-role) with their policies. The
# emulator stores and returns them; it does not enforce them.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${var.prefix}lambda-role"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = { app = "orderlab" }
}

resource "aws_iam_role_policy_attachment" "lambda_logs" {
  role       = aws_iam_role.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "lambda_data" {
  name = "data"
  role = aws_iam_role.lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["dynamodb:*"]
        Resource = [aws_dynamodb_table.orders.arn, aws_dynamodb_table.inventory.arn, "${aws_dynamodb_table.orders.arn}/stream/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["events:PutEvents", "ses:SendEmail"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role" "states" {
  name = "${var.prefix}states-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "states.amazonaws.com" }
    }]
  })
}

resource "aws_iam_policy" "states" {
  name        = "${var.prefix}states-policy"
  description = "Invoke the order functions and update the tables"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [for f in aws_lambda_function.app : f.arn]
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:UpdateItem", "dynamodb:GetItem"]
        Resource = [aws_dynamodb_table.orders.arn, aws_dynamodb_table.inventory.arn]
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "states" {
  role       = aws_iam_role.states.name
  policy_arn = aws_iam_policy.states.arn
}

resource "aws_iam_role" "events" {
  name = "${var.prefix}events-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "events.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "events" {
  name = "start-execution"
  role = aws_iam_role.events.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "states:StartExecution"
      Resource = aws_sfn_state_machine.order_processing.arn
    }]
  })
}
