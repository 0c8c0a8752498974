//! Buses, rules and targets: the state EventBridge keeps and the operations that manage it.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::pattern::{Pattern, parse};
use crate::Context;
use crate::protocol::AwsError;
use crate::protocol::members::Members;

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
    /// Resource ARN → tags (see `super::tags`).
    pub tags: IndexMap<String, IndexMap<String, String>>,
}

fn not_found(message: String) -> AwsError {
    AwsError::new(400, "ResourceNotFoundException", message)
}

/// The bus name the member `member` (a name or an ARN; `EventBusName` in most operations)
/// refers to, `default` when absent.
pub fn bus_name(members: &Members, member: &str) -> Result<String, AwsError> {
    let name = members.str(member)?.unwrap_or(DEFAULT_BUS);
    Ok(name
        .rsplit_once("event-bus/")
        .map_or(name, |(_, n)| n)
        .to_owned())
}

impl Registry {
    pub fn new(ctx: &Context) -> Registry {
        let mut buses = IndexMap::new();
        buses.insert(DEFAULT_BUS.to_owned(), new_bus(ctx, DEFAULT_BUS));
        Registry {
            buses,
            tags: IndexMap::new(),
        }
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

    /// The rule the member `member` (`Name` or `Rule`) names on the request's bus.
    fn rule_mut(&mut self, input: &Value, member: &str) -> Result<&mut Rule, AwsError> {
        let members = Members::of(input);
        let name = members.required_str(member)?;
        let bus = bus_name(&members, "EventBusName")?;
        self.bus_mut(&bus)?
            .rules
            .get_mut(name)
            .ok_or_else(|| not_found(format!("Rule {name} does not exist on EventBus {bus}.")))
    }

    fn rule(&self, input: &Value, member: &str) -> Result<&Rule, AwsError> {
        let members = Members::of(input);
        let name = members.required_str(member)?;
        let bus = bus_name(&members, "EventBusName")?;
        self.bus(&bus)?
            .rules
            .get(name)
            .ok_or_else(|| not_found(format!("Rule {name} does not exist on EventBus {bus}.")))
    }

    pub fn create_event_bus(&mut self, ctx: &Context, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let name = members.required_str("Name")?;
        let tags = super::tags::read(&members, "Tags")?;
        if self.buses.contains_key(name) {
            return Err(AwsError::new(
                400,
                "ResourceAlreadyExistsException",
                format!("Event bus {name} already exists."),
            ));
        }
        let bus = new_bus(ctx, name);
        let arn = bus.arn.clone();
        self.add_tags(&arn, tags)?;
        self.buses.insert(name.to_owned(), bus);
        Ok(json!({ "EventBusArn": arn }))
    }

    pub fn describe_event_bus(&self, input: &Value) -> Result<Value, AwsError> {
        let bus = self.bus(&bus_name(&Members::of(input), "Name")?)?;
        Ok(json!({ "Name": bus.name, "Arn": bus.arn }))
    }

    pub fn list_event_buses(&self, input: &Value) -> Result<Value, AwsError> {
        let prefix = Members::of(input).str("NamePrefix")?.unwrap_or_default();
        let buses: Vec<Value> = self
            .buses
            .values()
            .filter(|b| b.name.starts_with(prefix))
            .map(|b| json!({ "Name": b.name, "Arn": b.arn }))
            .collect();
        Ok(json!({ "EventBuses": buses }))
    }

    pub fn delete_event_bus(&mut self, input: &Value) -> Result<Value, AwsError> {
        let name = Members::of(input).required_str("Name")?;
        if name == DEFAULT_BUS {
            return Err(AwsError::validation("Cannot delete event bus default."));
        }
        if let Some(bus) = self.buses.shift_remove(name) {
            self.tags.shift_remove(&bus.arn);
            for rule in bus.rules.values() {
                self.tags.shift_remove(&rule.arn);
            }
        }
        Ok(json!({}))
    }

    pub fn put_rule(&mut self, ctx: &Context, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let name = members.require("Name", members.str_len("Name", 1, 64)?)?;
        if members.str("ScheduleExpression")?.is_some() {
            return Err(AwsError::validation(
                "ScheduleExpression is not supported by this emulator; use EventPattern.",
            ));
        }
        let description = members.str("Description")?;
        let role_arn = members.str("RoleArn")?;
        let tags = super::tags::read(&members, "Tags")?;
        let Some(pattern_text) = members.str_len("EventPattern", 0, MAX_PATTERN_CHARS)? else {
            return Err(AwsError::validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            ));
        };
        let pattern = parse::parse(pattern_text)?;
        let enabled = members.enumeration("State", &["ENABLED", "DISABLED"])? != Some("DISABLED");
        let bus_name = bus_name(&members, "EventBusName")?;
        let arn = rule_arn(ctx, &bus_name, name);
        self.bus(&bus_name)?;
        self.add_tags(&arn, tags)?;
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
                description: description.map(str::to_owned),
                role_arn: role_arn.map(str::to_owned),
                targets,
            },
        );
        Ok(json!({ "RuleArn": arn }))
    }

    pub fn describe_rule(&self, input: &Value) -> Result<Value, AwsError> {
        let rule = self.rule(input, "Name")?;
        let mut out = rule.to_json();
        let account = rule.arn.split(':').nth(4).unwrap_or_default();
        if let Some(object) = out.as_object_mut() {
            object.insert("CreatedBy".into(), json!(account));
        }
        Ok(out)
    }

    pub fn list_rules(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let prefix = members.str("NamePrefix")?.unwrap_or_default();
        let rules: Vec<Value> = self
            .bus(&bus_name(&members, "EventBusName")?)?
            .rules
            .values()
            .filter(|r| r.name.starts_with(prefix))
            .map(Rule::to_json)
            .collect();
        Ok(json!({ "Rules": rules }))
    }

    pub fn delete_rule(&mut self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let name = members.required_str("Name")?;
        let bus = bus_name(&members, "EventBusName")?;
        let rules = &mut self.bus_mut(&bus)?.rules;
        if rules.get(name).is_some_and(|r| !r.targets.is_empty()) {
            return Err(AwsError::validation(
                "Rule can't be deleted since it has targets.",
            ));
        }
        if let Some(rule) = rules.shift_remove(name) {
            self.tags.shift_remove(&rule.arn);
        }
        Ok(json!({}))
    }

    pub fn set_enabled(&mut self, input: &Value, enabled: bool) -> Result<Value, AwsError> {
        self.rule_mut(input, "Name")?.enabled = enabled;
        Ok(json!({}))
    }

    pub fn put_targets(&mut self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let targets = members.required_array("Targets")?;
        let entries = members.structures("Targets")?.unwrap_or_default();
        if entries.is_empty() {
            return Err(AwsError::validation(
                "1 validation error detected: Value '[]' at 'targets' failed to satisfy \
                 constraint: Member must have length greater than or equal to 1",
            ));
        }
        let ids = entries
            .iter()
            .map(validate_target)
            .collect::<Result<Vec<_>, _>>()?;
        let rule = self.rule_mut(input, "Rule")?;
        for (id, target) in ids.into_iter().zip(targets) {
            rule.targets.insert(id, target.clone());
        }
        Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
    }

    pub fn list_targets(&self, input: &Value) -> Result<Value, AwsError> {
        let targets: Vec<&Value> = self.rule(input, "Rule")?.targets.values().collect();
        Ok(json!({ "Targets": targets }))
    }

    pub fn remove_targets(&mut self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let ids = members.require("Ids", members.str_list("Ids")?)?;
        let rule = self.rule_mut(input, "Rule")?;
        for id in ids {
            rule.targets.shift_remove(id);
        }
        Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
    }
}

/// Checks one PutTargets entry's members (types, required `Id` and `Arn`, at most one of
/// the input members, a valid `InputPath`); returns its id.
fn validate_target(target: &Members) -> Result<String, AwsError> {
    let mut id = "";
    for field in ["Id", "Arn"] {
        let value = target.str(field)?.unwrap_or_default();
        if value.is_empty() {
            return Err(target.missing(field));
        }
        if field == "Id" {
            id = value;
        }
    }
    target.str("RoleArn")?;
    let input_path = target.str("InputPath")?;
    let set = [
        target.str("Input")?.is_some(),
        input_path.is_some(),
        target.has("InputTransformer"),
    ];
    if let Some(transformer) = target.structure("InputTransformer")? {
        transformer.required_str("InputTemplate")?;
        transformer.string_map("InputPathsMap")?;
    }
    if set.iter().filter(|set| **set).count() > 1 {
        return Err(AwsError::validation(
            "Only one of Input, InputPath, or InputTransformer must be provided.",
        ));
    }
    if let Some(path) = input_path {
        super::input::select(path, &json!({}))?;
    }
    Ok(id.to_owned())
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
