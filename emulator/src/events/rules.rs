//! Buses, rules and targets: the state EventBridge keeps and the operations that manage it.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::pattern::{Pattern, parse};
use crate::Context;
use crate::protocol::{AwsError, lower_camel, null_member_message};

pub const DEFAULT_BUS: &str = "default";

/// PutRule's `EventPattern` length constraint (the API's maximum; the default quota is 2048).
const MAX_PATTERN_CHARS: usize = 4096;

pub struct Rule {
    pub name: String,
    pub arn: String,
    pub bus: String,
    pub pattern_text: String,
    pub pattern: Pattern,
    pub enabled: bool,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub targets: IndexMap<String, Value>,
}

impl Rule {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "Name": self.name,
            "Arn": self.arn,
            "EventPattern": self.pattern_text,
            "State": if self.enabled { "ENABLED" } else { "DISABLED" },
            "EventBusName": self.bus,
        });
        if let Some(object) = out.as_object_mut() {
            if let Some(description) = &self.description {
                object.insert("Description".into(), json!(description));
            }
            if let Some(role) = &self.role_arn {
                object.insert("RoleArn".into(), json!(role));
            }
        }
        out
    }
}

pub struct EventBus {
    pub name: String,
    pub arn: String,
    pub rules: IndexMap<String, Rule>,
}

/// Every bus of the account and region.
pub struct Registry {
    pub buses: IndexMap<String, EventBus>,
}

fn not_found(message: String) -> AwsError {
    AwsError::new(400, "ResourceNotFoundException", message)
}

fn str_field<'a>(input: &'a Value, field: &str) -> Option<&'a str> {
    input.get(field).and_then(Value::as_str)
}

/// The bus name an `EventBusName` (name or ARN) refers to, `default` when absent.
pub fn bus_name(input: &Value) -> String {
    let name = str_field(input, "EventBusName").unwrap_or(DEFAULT_BUS);
    name.rsplit_once("event-bus/")
        .map_or(name, |(_, n)| n)
        .to_owned()
}

fn required<'a>(input: &'a Value, field: &str) -> Result<&'a str, AwsError> {
    str_field(input, field)
        .ok_or_else(|| AwsError::validation(null_member_message(&lower_camel(field))))
}

impl Registry {
    pub fn new(ctx: &Context) -> Registry {
        let mut buses = IndexMap::new();
        buses.insert(DEFAULT_BUS.to_owned(), new_bus(ctx, DEFAULT_BUS));
        Registry { buses }
    }

    pub fn bus(&self, name: &str) -> Result<&EventBus, AwsError> {
        self.buses
            .get(name)
            .ok_or_else(|| not_found(format!("Event bus {name} does not exist.")))
    }

    fn bus_mut(&mut self, name: &str) -> Result<&mut EventBus, AwsError> {
        self.buses
            .get_mut(name)
            .ok_or_else(|| not_found(format!("Event bus {name} does not exist.")))
    }

    fn rule_mut(&mut self, input: &Value) -> Result<&mut Rule, AwsError> {
        let bus = bus_name(input);
        let name = required(input, "Rule").or_else(|_| required(input, "Name"))?;
        self.bus_mut(&bus)?
            .rules
            .get_mut(name)
            .ok_or_else(|| not_found(format!("Rule {name} does not exist on EventBus {bus}.")))
    }

    fn rule(&self, input: &Value) -> Result<&Rule, AwsError> {
        let bus = bus_name(input);
        let name = required(input, "Rule").or_else(|_| required(input, "Name"))?;
        self.bus(&bus)?
            .rules
            .get(name)
            .ok_or_else(|| not_found(format!("Rule {name} does not exist on EventBus {bus}.")))
    }

    pub fn create_event_bus(&mut self, ctx: &Context, input: &Value) -> Result<Value, AwsError> {
        let name = required(input, "Name")?;
        if self.buses.contains_key(name) {
            return Err(AwsError::new(
                400,
                "ResourceAlreadyExistsException",
                format!("Event bus {name} already exists."),
            ));
        }
        let bus = new_bus(ctx, name);
        let arn = bus.arn.clone();
        self.buses.insert(name.to_owned(), bus);
        Ok(json!({ "EventBusArn": arn }))
    }

    pub fn describe_event_bus(&self, input: &Value) -> Result<Value, AwsError> {
        let bus = self.bus(&bus_name(&rename(input, "Name", "EventBusName")))?;
        Ok(json!({ "Name": bus.name, "Arn": bus.arn }))
    }

    pub fn list_event_buses(&self, input: &Value) -> Value {
        let prefix = str_field(input, "NamePrefix").unwrap_or_default();
        let buses: Vec<Value> = self
            .buses
            .values()
            .filter(|b| b.name.starts_with(prefix))
            .map(|b| json!({ "Name": b.name, "Arn": b.arn }))
            .collect();
        json!({ "EventBuses": buses })
    }

    pub fn delete_event_bus(&mut self, input: &Value) -> Result<Value, AwsError> {
        let name = required(input, "Name")?;
        if name == DEFAULT_BUS {
            return Err(AwsError::validation("Cannot delete event bus default."));
        }
        self.buses.shift_remove(name);
        Ok(json!({}))
    }

    pub fn put_rule(&mut self, ctx: &Context, input: &Value) -> Result<Value, AwsError> {
        let name = required(input, "Name")?;
        if str_field(input, "ScheduleExpression").is_some() {
            return Err(AwsError::validation(
                "ScheduleExpression is not supported by this emulator; use EventPattern.",
            ));
        }
        let Some(pattern_text) = str_field(input, "EventPattern") else {
            return Err(AwsError::validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            ));
        };
        if pattern_text.chars().count() > MAX_PATTERN_CHARS {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{pattern_text}' at 'eventPattern' failed to \
                 satisfy constraint: Member must have length less than or equal to \
                 {MAX_PATTERN_CHARS}"
            )));
        }
        let pattern = parse::parse(pattern_text)?;
        let enabled = match str_field(input, "State").unwrap_or("ENABLED") {
            "ENABLED" => true,
            "DISABLED" => false,
            other => {
                return Err(AwsError::validation(format!(
                    "1 validation error detected: Value '{other}' at 'state' failed to satisfy \
                     constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
                )));
            }
        };
        let bus_name = bus_name(input);
        let arn = rule_arn(ctx, &bus_name, name);
        let bus = self.bus_mut(&bus_name)?;
        let targets = bus
            .rules
            .shift_remove(name)
            .map(|r| r.targets)
            .unwrap_or_default();
        bus.rules.insert(
            name.to_owned(),
            Rule {
                name: name.to_owned(),
                arn: arn.clone(),
                bus: bus_name,
                pattern_text: pattern_text.to_owned(),
                pattern,
                enabled,
                description: str_field(input, "Description").map(str::to_owned),
                role_arn: str_field(input, "RoleArn").map(str::to_owned),
                targets,
            },
        );
        Ok(json!({ "RuleArn": arn }))
    }

    pub fn describe_rule(&self, input: &Value) -> Result<Value, AwsError> {
        let mut out = self.rule(input)?.to_json();
        if let Some(object) = out.as_object_mut() {
            object.insert("CreatedBy".into(), json!(self.account_of(input)));
        }
        Ok(out)
    }

    fn account_of(&self, input: &Value) -> String {
        self.bus(&bus_name(input))
            .ok()
            .and_then(|b| b.arn.split(':').nth(4).map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn list_rules(&self, input: &Value) -> Result<Value, AwsError> {
        let prefix = str_field(input, "NamePrefix").unwrap_or_default();
        let rules: Vec<Value> = self
            .bus(&bus_name(input))?
            .rules
            .values()
            .filter(|r| r.name.starts_with(prefix))
            .map(Rule::to_json)
            .collect();
        Ok(json!({ "Rules": rules }))
    }

    pub fn delete_rule(&mut self, input: &Value) -> Result<Value, AwsError> {
        let bus = bus_name(input);
        let name = required(input, "Name")?;
        let rules = &mut self.bus_mut(&bus)?.rules;
        if rules.get(name).is_some_and(|r| !r.targets.is_empty()) {
            return Err(AwsError::validation(
                "Rule can't be deleted since it has targets.",
            ));
        }
        rules.shift_remove(name);
        Ok(json!({}))
    }

    pub fn set_enabled(&mut self, input: &Value, enabled: bool) -> Result<Value, AwsError> {
        self.rule_mut(&rename(input, "Name", "Rule"))?.enabled = enabled;
        Ok(json!({}))
    }

    pub fn put_targets(&mut self, input: &Value) -> Result<Value, AwsError> {
        let targets = input["Targets"].as_array().cloned().unwrap_or_default();
        if targets.is_empty() {
            return Err(AwsError::validation(
                "1 validation error detected: Value '[]' at 'targets' failed to satisfy \
                 constraint: Member must have length greater than or equal to 1",
            ));
        }
        for target in &targets {
            validate_target(target)?;
        }
        let rule = self.rule_mut(input)?;
        for target in targets {
            let id = target
                .get("Id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            rule.targets.insert(id, target);
        }
        Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
    }

    pub fn list_targets(&self, input: &Value) -> Result<Value, AwsError> {
        let targets: Vec<&Value> = self.rule(input)?.targets.values().collect();
        Ok(json!({ "Targets": targets }))
    }

    pub fn remove_targets(&mut self, input: &Value) -> Result<Value, AwsError> {
        let ids: Vec<String> = input["Ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let rule = self.rule_mut(input)?;
        for id in ids {
            rule.targets.shift_remove(&id);
        }
        Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
    }
}

fn validate_target(target: &Value) -> Result<(), AwsError> {
    for field in ["Id", "Arn"] {
        if target[field].as_str().is_none_or(str::is_empty) {
            return Err(AwsError::validation(null_member_message(&format!(
                "targets.1.member.{}",
                lower_camel(field)
            ))));
        }
    }
    let set = ["Input", "InputPath", "InputTransformer"]
        .iter()
        .filter(|f| !target[**f].is_null())
        .count();
    if set > 1 {
        return Err(AwsError::validation(
            "Only one of Input, InputPath, or InputTransformer must be provided.",
        ));
    }
    if let Some(path) = target["InputPath"].as_str() {
        super::input::select(path, &json!({}))?;
    }
    Ok(())
}

/// A copy of `input` where `from` is also available as `to`.
fn rename(input: &Value, from: &str, to: &str) -> Value {
    let mut out = input.clone();
    if out.get(to).is_none()
        && let Some(value) = input.get(from)
        && let Some(object) = out.as_object_mut()
    {
        object.insert(to.to_owned(), value.clone());
    }
    out
}

fn new_bus(ctx: &Context, name: &str) -> EventBus {
    EventBus {
        name: name.to_owned(),
        arn: ctx.arn("events", &format!("event-bus/{name}")),
        rules: IndexMap::new(),
    }
}

fn rule_arn(ctx: &Context, bus: &str, name: &str) -> String {
    if bus == DEFAULT_BUS {
        ctx.arn("events", &format!("rule/{name}"))
    } else {
        ctx.arn("events", &format!("rule/{bus}/{name}"))
    }
}
