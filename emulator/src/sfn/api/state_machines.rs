//! CreateStateMachine, UpdateStateMachine, ValidateStateMachineDefinition,
//! DescribeStateMachine, ListStateMachines, DeleteStateMachine.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    MachineRecord, check_arn, check_name, check_name_length, paginate, state_machine_does_not_exist,
};

/// botocore's `Definition` shape: max 1048576 ("Maximum size of state machine definition:
/// 1 MB", a hard quota).
const MAX_DEFINITION_BYTES: usize = 1_048_576;
use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::StepFunctions;
use crate::sfn::asl::{check_definition, check_express, parse_definition};

impl StepFunctions {
    pub(crate) fn create_state_machine(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let name = members.required_str("name")?;
        let definition_text = members.require(
            "definition",
            members.sensitive_str("definition", MAX_DEFINITION_BYTES)?,
        )?;
        let role_arn = members.required_str("roleArn")?;
        check_name_length(name)?;
        check_name(name)?;
        let machine_type = members
            .enumeration("type", &["STANDARD", "EXPRESS"])?
            .unwrap_or("STANDARD");
        let logging = configuration(&members, "loggingConfiguration", default_logging())?;
        let tracing = configuration(&members, "tracingConfiguration", default_tracing())?;
        let tags = super::tags::read(&members)?;
        refuse_publish(&members)?;
        let definition = parse_definition(definition_text)
            .map_err(|message| AwsError::new(400, "InvalidDefinition", message))?;
        if machine_type == "EXPRESS" {
            check_express(&definition).map_err(invalid_definition)?;
        }
        let arn = self.ctx.arn("states", &format!("stateMachine:{name}"));
        let mut store = self.lock();
        if let Some(existing) = store.machines.get(&arn) {
            if existing.definition_text == definition_text && existing.role_arn == role_arn {
                return Ok(
                    json!({ "stateMachineArn": arn, "creationDate": existing.creation_date }),
                );
            }
            return Err(AwsError::new(
                400,
                "StateMachineAlreadyExists",
                format!("State Machine Already Exists: '{arn}'"),
            ));
        }
        let creation_date = self.ctx.clock.now_epoch_seconds();
        store.machines.insert(
            arn.clone(),
            MachineRecord {
                arn: arn.clone(),
                name: name.to_owned(),
                definition_text: definition_text.to_owned(),
                definition: Arc::new(definition),
                role_arn: role_arn.to_owned(),
                machine_type: machine_type.to_owned(),
                creation_date,
                logging,
                tracing,
                tags,
            },
        );
        Ok(json!({ "stateMachineArn": arn, "creationDate": creation_date }))
    }

    /// Replaces the definition and/or role; running executions keep the definition they began
    /// with, as on AWS.
    pub(crate) fn update_state_machine(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.required_str("stateMachineArn")?;
        check_arn(arn, "stateMachine")?;
        let definition_text = members.sensitive_str("definition", MAX_DEFINITION_BYTES)?;
        let role_arn = members.str("roleArn")?;
        let logging = members.structure("loggingConfiguration")?;
        let tracing = members.structure("tracingConfiguration")?;
        let other_changes = logging.is_some() || tracing.is_some();
        refuse_publish(&members)?;
        let new_logging = logging
            .map(|_| configuration(&members, "loggingConfiguration", default_logging()))
            .transpose()?;
        let new_tracing = tracing
            .map(|_| configuration(&members, "tracingConfiguration", default_tracing()))
            .transpose()?;
        if definition_text.is_none() && role_arn.is_none() && !other_changes {
            return Err(AwsError::new(
                400,
                "MissingRequiredParameter",
                "Either the role ARN, definition, logging configuration, or tracing configuration must be specified",
            ));
        }
        let definition = definition_text
            .map(parse_definition)
            .transpose()
            .map_err(|message| AwsError::new(400, "InvalidDefinition", message))?;
        let mut store = self.lock();
        let machine = store
            .machines
            .get_mut(arn)
            .ok_or_else(|| state_machine_does_not_exist(arn))?;
        if let (Some(text), Some(definition)) = (definition_text, definition) {
            if machine.machine_type == "EXPRESS" {
                check_express(&definition).map_err(invalid_definition)?;
            }
            machine.definition_text = text.to_owned();
            machine.definition = Arc::new(definition);
        }
        if let Some(role_arn) = role_arn {
            machine.role_arn = role_arn.to_owned();
        }
        if let Some(logging) = new_logging {
            machine.logging = logging;
        }
        if let Some(tracing) = new_tracing {
            machine.tracing = tracing;
        }
        Ok(json!({
            "updateDate": self.ctx.clock.now_epoch_seconds(),
            "revisionId": self.ctx.ids.uuid().to_string(),
        }))
    }

    /// ValidateStateMachineDefinition: the same checks as CreateStateMachine, as diagnostics.
    pub(crate) fn validate_state_machine_definition(
        &self,
        input: &Value,
    ) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let definition_text = members.require(
            "definition",
            members.sensitive_str("definition", MAX_DEFINITION_BYTES)?,
        )?;
        let (_, problems) = check_definition(definition_text);
        let diagnostics: Vec<Value> = problems.iter().map(|p| diagnostic(p)).collect();
        let result = if diagnostics.is_empty() { "OK" } else { "FAIL" };
        Ok(json!({ "result": result, "diagnostics": diagnostics, "truncated": false }))
    }

    pub(crate) fn describe_state_machine(&self, input: &Value) -> Result<Value, AwsError> {
        let arn = Members::of(input).required_str("stateMachineArn")?;
        check_arn(arn, "stateMachine")?;
        let store = self.lock();
        let machine = store
            .machines
            .get(arn)
            .ok_or_else(|| state_machine_does_not_exist(arn))?;
        Ok(json!({
            "stateMachineArn": machine.arn,
            "name": machine.name,
            "status": "ACTIVE",
            "definition": machine.definition_text,
            "roleArn": machine.role_arn,
            "type": machine.machine_type,
            "creationDate": machine.creation_date,
            "loggingConfiguration": machine.logging,
            "tracingConfiguration": machine.tracing,
        }))
    }

    pub(crate) fn list_state_machines(&self, input: &Value) -> Result<Value, AwsError> {
        let summaries: Vec<Value> = self
            .lock()
            .machines
            .values()
            .map(|m| {
                json!({
                    "stateMachineArn": m.arn,
                    "name": m.name,
                    "type": m.machine_type,
                    "creationDate": m.creation_date,
                })
            })
            .collect();
        let (page, next) = paginate(input, &summaries)?;
        let mut output = json!({ "stateMachines": page });
        if let (Some(token), Some(object)) = (next, output.as_object_mut()) {
            object.insert("nextToken".into(), json!(token));
        }
        Ok(output)
    }

    pub(crate) fn delete_state_machine(&self, input: &Value) -> Result<Value, AwsError> {
        let arn = Members::of(input).required_str("stateMachineArn")?;
        check_arn(arn, "stateMachine")?;
        self.lock().machines.shift_remove(arn);
        Ok(json!({}))
    }
}

fn default_logging() -> Value {
    json!({ "level": "OFF", "includeExecutionData": false })
}

fn default_tracing() -> Value {
    json!({ "enabled": false })
}

/// A logging or tracing configuration member: validated (`level` ALL/ERROR/FATAL/OFF,
/// booleans) and kept as sent, or the default.
fn configuration(members: &Members, member: &str, default: Value) -> Result<Value, AwsError> {
    let Some(config) = members.structure(member)? else {
        return Ok(default);
    };
    config.enumeration("level", &["ALL", "ERROR", "FATAL", "OFF"])?;
    config.bool("includeExecutionData")?;
    config.bool("enabled")?;
    Ok(members.value(member).cloned().unwrap_or(default))
}

/// `publish: true` (and `versionDescription`) ask for a version, which the emulator does not
/// keep, and a customer managed KMS key is not available: refused. `encryptionConfiguration`
/// of type `AWS_OWNED_KEY` is what every state machine has.
fn refuse_publish(members: &Members) -> Result<(), AwsError> {
    if let Some(encryption) = members.structure("encryptionConfiguration")? {
        let kind =
            encryption.enumeration("type", &["AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"])?;
        if kind == Some("CUSTOMER_MANAGED_KMS_KEY") {
            return Err(AwsError::validation(
                "encryptionConfiguration: customer managed KMS keys are not supported by this \
                 emulator",
            ));
        }
    }
    if members.bool("publish")? == Some(true) || members.has("versionDescription") {
        return Err(AwsError::validation(
            "publish: state machine versions are not supported by this emulator",
        ));
    }
    Ok(())
}

/// `CODE: message at /pointer` as a ValidateStateMachineDefinition diagnostic.
fn diagnostic(problem: &str) -> Value {
    let (code, rest) = problem
        .split_once(": ")
        .unwrap_or(("SCHEMA_VALIDATION_FAILED", problem));
    let (message, location) = match rest.rsplit_once(" at /") {
        Some((message, location)) => (message, Some(format!("/{location}"))),
        None => (rest, None),
    };
    let mut diagnostic = json!({ "severity": "ERROR", "code": code, "message": message });
    if let (Some(location), Some(object)) = (location, diagnostic.as_object_mut()) {
        object.insert("location".into(), json!(location));
    }
    diagnostic
}

fn invalid_definition(message: String) -> AwsError {
    AwsError::new(400, "InvalidDefinition", message)
}
