//! The one decoder for request members, shared by every service (in the spirit of
//! mini-redis's `Parse`): a request's members read one by one, each with AWS's answer when it
//! is wrong.
//!
//! - absent or `null` → `None`, or for a required member `ValidationException: 1 validation
//!   error detected: Value null at 'member' failed to satisfy constraint: Member must not be
//!   null`;
//! - the wrong JSON type → `SerializationException` in the wording AWS's JSON services share
//!   (`STRING_VALUE can not be converted to an Integer`, `Start of structure or map found where
//!   not expected.`, `Unexpected token received from parser`);
//! - an enum value outside its set, or a number outside its range → AWS's `ValidationException`
//!   constraint message.
//!
//! Member names in messages are spelled as AWS's validation messages spell them: lower camel
//! case, with the path of the enclosing structure when the members are nested
//! ([`Members::nested`]).

#![allow(dead_code)] // transitional: the services move onto it in the next commits

use serde_json::{Map, Value};

use super::error::{AwsError, lower_camel, null_member_message};

/// The members of one JSON object in a request.
#[derive(Clone, Copy)]
pub struct Members<'a> {
    object: Option<&'a Map<String, Value>>,
    /// `parent.` for nested structures, empty at the top level.
    prefix: &'a str,
}

impl<'a> Members<'a> {
    /// The top-level members of a request body. A body that is not an object has no members
    /// (a protocol decoder has already refused bodies that are not JSON objects).
    pub fn of(input: &'a Value) -> Members<'a> {
        Members {
            object: input.as_object(),
            prefix: "",
        }
    }

    /// The members of a nested structure; messages name them `prefix.member`.
    pub fn nested(input: &'a Value, prefix: &'a str) -> Members<'a> {
        Members {
            object: input.as_object(),
            prefix,
        }
    }

    /// The member's name as AWS's messages spell it.
    pub fn path(&self, member: &str) -> String {
        if self.prefix.is_empty() {
            lower_camel(member)
        } else {
            format!("{}.{}", self.prefix, lower_camel(member))
        }
    }

    /// The member's raw value; `null` counts as absent, as in AWS's JSON protocols.
    pub fn value(&self, member: &str) -> Option<&'a Value> {
        self.object?.get(member).filter(|v| !v.is_null())
    }

    /// `ValidationException: … Value null at 'member' … Member must not be null`.
    pub fn missing(&self, member: &str) -> AwsError {
        AwsError::validation(null_member_message(&self.path(member)))
    }

    pub fn str(&self, member: &str) -> Result<Option<&'a str>, AwsError> {
        self.typed(member, Value::as_str, |v| scalar_mismatch(v, "a String"))
    }

    pub fn required_str(&self, member: &str) -> Result<&'a str, AwsError> {
        self.str(member)?.ok_or_else(|| self.missing(member))
    }

    pub fn bool(&self, member: &str) -> Result<Option<bool>, AwsError> {
        self.typed(member, Value::as_bool, |v| scalar_mismatch(v, "a Boolean"))
    }

    /// An integer member (AWS's `Integer`/`Long` shapes).
    pub fn int(&self, member: &str) -> Result<Option<i64>, AwsError> {
        self.typed(member, Value::as_i64, |v| scalar_mismatch(v, "an Integer"))
    }

    /// An integer member within `[min, max]`, with AWS's constraint messages.
    pub fn int_in(&self, member: &str, min: i64, max: i64) -> Result<Option<i64>, AwsError> {
        let Some(number) = self.int(member)? else {
            return Ok(None);
        };
        if number < min {
            return Err(self.constraint(
                member,
                &number.to_string(),
                &format!("Member must have value greater than or equal to {min}"),
            ));
        }
        if number > max {
            return Err(self.constraint(
                member,
                &number.to_string(),
                &format!("Member must have value less than or equal to {max}"),
            ));
        }
        Ok(Some(number))
    }

    pub fn array(&self, member: &str) -> Result<Option<&'a Vec<Value>>, AwsError> {
        self.typed(member, Value::as_array, |_| {
            AwsError::serialization("Unexpected token received from parser")
        })
    }

    pub fn required_array(&self, member: &str) -> Result<&'a Vec<Value>, AwsError> {
        self.array(member)?.ok_or_else(|| self.missing(member))
    }

    pub fn object(&self, member: &str) -> Result<Option<&'a Map<String, Value>>, AwsError> {
        self.typed(member, Value::as_object, |_| {
            AwsError::serialization("Start of structure or map found where not expected.")
        })
    }

    pub fn required_object(&self, member: &str) -> Result<&'a Map<String, Value>, AwsError> {
        self.object(member)?.ok_or_else(|| self.missing(member))
    }

    /// A string member checked against its enum's values.
    pub fn enumeration(&self, member: &str, allowed: &[&str]) -> Result<Option<&'a str>, AwsError> {
        let Some(value) = self.str(member)? else {
            return Ok(None);
        };
        if allowed.contains(&value) {
            return Ok(Some(value));
        }
        Err(self.constraint(
            member,
            value,
            &format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        ))
    }

    /// `1 validation error detected: Value 'VALUE' at 'member' failed to satisfy constraint:
    /// CONSTRAINT`.
    pub fn constraint(&self, member: &str, value: &str, constraint: &str) -> AwsError {
        AwsError::validation(format!(
            "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: \
             {constraint}",
            self.path(member)
        ))
    }

    fn typed<T>(
        &self,
        member: &str,
        read: impl Fn(&'a Value) -> Option<T>,
        mismatch: impl Fn(&Value) -> AwsError,
    ) -> Result<Option<T>, AwsError> {
        match self.value(member) {
            None => Ok(None),
            Some(value) => read(value).map(Some).ok_or_else(|| mismatch(value)),
        }
    }
}

/// The token name AWS's JSON parser reports for a value (`STRING_VALUE`, `START_OBJECT`, …).
pub fn json_token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

fn scalar_mismatch(value: &Value, expected: &str) -> AwsError {
    AwsError::serialization(format!(
        "{} can not be converted to {expected}",
        json_token(value)
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn absent_and_null_are_none_and_required_names_the_member() {
        let input = json!({"TableName": null});
        let members = Members::of(&input);
        assert_eq!(members.str("TableName"), Ok(None));
        let err = members.required_str("TableName").unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.contains("Value null at 'tableName'"), "{err}");
    }

    #[test]
    fn a_wrong_type_is_a_serialization_exception_with_the_parser_token() {
        let input = json!({"Limit": "5", "Name": 5, "Items": {}, "Map": []});
        let members = Members::of(&input);
        let err = members.int("Limit").unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            (
                "SerializationException",
                "STRING_VALUE can not be converted to an Integer"
            )
        );
        assert_eq!(
            members.str("Name").unwrap_err().message,
            "NUMBER_VALUE can not be converted to a String"
        );
        assert_eq!(
            members.array("Items").unwrap_err().message,
            "Unexpected token received from parser"
        );
        assert_eq!(
            members.object("Map").unwrap_err().message,
            "Start of structure or map found where not expected."
        );
    }

    #[test]
    fn nested_members_are_named_with_their_path() {
        let input = json!({});
        let err = Members::nested(&input, "targets.1.member")
            .required_str("Id")
            .unwrap_err();
        assert!(err.message.contains("at 'targets.1.member.id'"), "{err}");
    }

    #[test]
    fn ranges_and_enums_answer_the_constraint_message() {
        let input = json!({"Limit": 0, "Select": "SOME"});
        let members = Members::of(&input);
        assert_eq!(
            members.int_in("Limit", 1, 100).unwrap_err().message,
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: \
             Member must have value greater than or equal to 1"
        );
        assert!(
            members
                .enumeration("Select", &["ALL_ATTRIBUTES", "COUNT"])
                .unwrap_err()
                .message
                .ends_with("Member must satisfy enum value set: [ALL_ATTRIBUTES, COUNT]")
        );
    }
}
