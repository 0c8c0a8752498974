# The application's own files in app/ are the single source: functions, rule pattern and state
# machine definition are read from there with their ${Name} placeholders filled in by
# templatefile (the same names the harness substitutes, app/README.md).

locals {
  app_dir    = coalesce(var.app_dir, "${path.module}/../../app")
  account_id = data.aws_caller_identity.current.account_id

  base_vars = {
    Prefix              = var.prefix
    AccountId           = local.account_id
    Region              = var.region
    SenderEmail         = var.sender_email
    PaymentSeed         = tostring(var.payment_seed)
    PaymentApprovalRate = var.payment_approval_rate
    OrdersTable         = "${var.prefix}orders"
    InventoryTable      = "${var.prefix}inventory"
  }

  # FunctionName → the functions.json entry.
  functions = {
    for f in jsondecode(templatefile("${local.app_dir}/functions.json", local.base_vars)) :
    f.FunctionName => f
  }

  # ${StockVerifyFunctionArn} and the like: the binary's name without alex-, in PascalCase.
  function_arn_vars = {
    for name, f in local.functions :
    "${join("", [for part in split("-", trimprefix(f.Binary, "alex-")) : title(part)])}FunctionArn"
    => aws_lambda_function.app[name].arn
  }

  rule             = jsondecode(templatefile("${local.app_dir}/rule.json", merge(local.base_vars, { StateMachineArn = "" })))
  state_machine    = jsondecode(file("${local.app_dir}/state-machine.json"))
  api              = jsondecode(templatefile("${local.app_dir}/api.json", local.base_vars))
  event_sources    = jsondecode(templatefile("${local.app_dir}/event-sources.json", local.base_vars))
  create_order     = "${var.prefix}create-order"
  state_machine_nm = replace(local.state_machine.Name, "$${Prefix}", var.prefix)
}
