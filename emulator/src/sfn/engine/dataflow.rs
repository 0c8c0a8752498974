//! Variables and the JSONata data flow of a state: building `$states`, evaluating `Assign`
//! (JSONPath `.$` templates or JSONata) against the values the state had on entry, and the
//! JSONata `Arguments`/`Output` fields. Assignments take effect once the state completes.

use serde_json::{Map, Value, json};

use super::context::strip_variables;
use super::jsonata::{self, Scope};
use super::{Engine, Failure, StateRun, paths};

/// What `$states` holds beyond `input` and `context`.
#[derive(Default, Clone, Copy)]
pub struct Extra<'a> {
    pub result: Option<&'a Value>,
    pub error_output: Option<&'a Value>,
}

impl StateRun<'_> {
    /// True when this state uses JSONata.
    pub fn jsonata(&self) -> bool {
        self.jsonata
    }

    /// `$states` for a JSONata expression of this state.
    pub fn states(&self, engine: &Engine, extra: Extra<'_>) -> Value {
        self.states_with_context(strip_variables(self.context(&engine.info, None)), extra)
    }

    pub fn states_with_context(&self, context: Value, extra: Extra<'_>) -> Value {
        let mut states = json!({ "input": self.input, "context": context });
        if let Some(object) = states.as_object_mut() {
            if let Some(result) = extra.result {
                object.insert("result".into(), result.clone());
            }
            if let Some(error_output) = extra.error_output {
                object.insert("errorOutput".into(), error_output.clone());
            }
        }
        states
    }

    /// Evaluates a JSONata template of this state.
    pub fn jsonata_template(
        &self,
        engine: &Engine,
        value: &Value,
        field: &str,
        extra: Extra<'_>,
    ) -> Result<Value, Failure> {
        let scope = Scope {
            states: self.states(engine, extra),
            vars: &self.vars,
        };
        jsonata::template(value, field, &scope).map_err(|e| self.fail(e))
    }

    /// Evaluates `Assign` (if any) and keeps the values to set when the state completes.
    /// JSONPath templates read `$` from `jsonpath_input`; JSONata sees `$states` with `extra`.
    pub fn assign(
        &self,
        engine: &Engine,
        template: Option<&Value>,
        jsonpath_input: &Value,
        extra: Extra<'_>,
    ) -> Result<(), Failure> {
        let Some(template) = template else {
            return Ok(());
        };
        let values = if self.jsonata {
            self.jsonata_template(engine, template, "Assign", extra)?
        } else {
            let context = self.context(&engine.info, None);
            paths::apply_template(template, jsonpath_input, &context).map_err(|e| self.fail(e))?
        };
        if let Value::Object(values) = values {
            let mut assigned = self.assigned.lock().unwrap_or_else(|e| e.into_inner());
            assigned.get_or_insert_with(Map::new).extend(values);
        }
        Ok(())
    }

    /// The JSONata output: `Output` evaluated, else `default`.
    pub fn jsonata_output(
        &self,
        engine: &Engine,
        output: Option<&Value>,
        default: Value,
        extra: Extra<'_>,
    ) -> Result<Value, Failure> {
        match output {
            Some(template) => self.jsonata_template(engine, template, "Output", extra),
            None => Ok(default),
        }
    }

    /// Takes the variables this state assigned.
    pub fn take_assigned(&self) -> Option<Map<String, Value>> {
        self.assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}
