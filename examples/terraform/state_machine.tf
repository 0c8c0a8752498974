# app/state-machine.json with the definition app/state-machine.asl.json, its ${…ARN} and table
# placeholders filled in.

resource "aws_sfn_state_machine" "order_processing" {
  name     = local.state_machine_nm
  type     = local.state_machine.Type
  role_arn = aws_iam_role.states.arn
  definition = templatefile(
    "${local.app_dir}/${local.state_machine.DefinitionFile}",
    merge(local.base_vars, local.function_arn_vars),
  )

  tags = { app = "orderlab" }
}
