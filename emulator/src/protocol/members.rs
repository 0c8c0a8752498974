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
//! ([`Members::within`], [`Members::structures`]).
//!
//! Each protocol words a member of the wrong type its own way ([`Dialect`]): the AWS JSON
//! services (DynamoDB, Step Functions, EventBridge) answer `SerializationException`; Lambda's
//! REST-JSON answers `InvalidRequestContentException` ("Could not parse request body into
//! json: …"); API Gateway answers `BadRequestException: Invalid request input`; the query
//! protocol (SES) has only strings and answers constraint failures as `ValidationError`.
//! `docs/members.md` has the sources.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::error::{AwsError, lower_camel, null_member_message};

/// How a protocol answers a member that is missing, of the wrong type, or out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// AWS JSON 1.0/1.1: `SerializationException` with the parser token
    /// (`NUMBER_VALUE can not be converted to a String`), `ValidationException` otherwise.
    AwsJson,
    /// Lambda's REST-JSON: `InvalidRequestContentException` ("Could not parse request body
    /// into json: …"), `ValidationException` otherwise.
    Lambda,
    /// API Gateway's REST-JSON: `BadRequestException` for both.
    ApiGateway,
    /// The query protocol (SES): every value is a string; `ValidationError` otherwise.
    Query,
}

impl Dialect {
    /// The error for a constraint failure (`Member must not be null`, ranges, lengths, enums).
    fn validation(self, message: String) -> AwsError {
        match self {
            Dialect::AwsJson | Dialect::Lambda => AwsError::validation(message),
            Dialect::ApiGateway => AwsError::new(400, "BadRequestException", message),
            Dialect::Query => AwsError::new(400, "ValidationError", message),
        }
    }

    /// The error for `value` where a member of `shape` was expected.
    fn wrong_type(self, value: &Value, shape: Shape) -> AwsError {
        match self {
            Dialect::AwsJson | Dialect::Query => AwsError::serialization(shape.coral(value)),
            Dialect::Lambda => AwsError::new(
                400,
                "InvalidRequestContentException",
                format!(
                    "Could not parse request body into json: Cannot deserialize value of type \
                     `{}` from {} value (token `JsonToken.{}`)",
                    shape.java(),
                    jackson_kind(value),
                    jackson_token(value)
                ),
            ),
            Dialect::ApiGateway => {
                AwsError::new(400, "BadRequestException", "Invalid request input")
            }
        }
    }
}

/// The shape a member was expected to have.
#[derive(Debug, Clone, Copy)]
enum Shape {
    String,
    Boolean,
    Integer,
    Timestamp,
    List,
    Structure,
}

impl Shape {
    /// The wording of AWS's JSON services (Coral's parser).
    fn coral(self, value: &Value) -> String {
        let scalar =
            |expected: &str| format!("{} can not be converted to {expected}", json_token(value));
        match self {
            Shape::String => scalar("a String"),
            Shape::Boolean => scalar("a Boolean"),
            Shape::Integer => scalar("an Integer"),
            Shape::Timestamp => scalar("a Timestamp"),
            Shape::List => "Unexpected token received from parser".to_owned(),
            Shape::Structure => "Start of structure or map found where not expected.".to_owned(),
        }
    }

    /// The Java type Lambda's deserializer names.
    fn java(self) -> &'static str {
        match self {
            Shape::String => "java.lang.String",
            Shape::Boolean => "java.lang.Boolean",
            Shape::Integer => "java.lang.Integer",
            Shape::Timestamp => "java.util.Date",
            Shape::List => "java.util.ArrayList<java.lang.Object>",
            Shape::Structure => "java.util.LinkedHashMap<java.lang.Object,java.lang.Object>",
        }
    }
}

/// How Jackson names a JSON value's kind in its messages.
fn jackson_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "Floating-point",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// The token name Jackson reports for a value (`VALUE_NUMBER_INT`, `START_OBJECT`, …).
fn jackson_token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// The members of one JSON object in a request.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    object: Option<&'a Map<String, Value>>,
    /// `parent.` path for nested structures, empty at the top level.
    prefix: Cow<'a, str>,
    dialect: Dialect,
}

impl<'a> Members<'a> {
    /// The top-level members of an AWS JSON request body. A body that is not an object has no
    /// members (a protocol decoder has already refused bodies that are not JSON objects).
    pub fn of(input: &'a Value) -> Members<'a> {
        Members::with(input, Dialect::AwsJson)
    }

    /// The top-level members of a request body in `dialect`'s protocol.
    pub fn with(input: &'a Value, dialect: Dialect) -> Members<'a> {
        Members {
            object: input.as_object(),
            prefix: Cow::Borrowed(""),
            dialect,
        }
    }

    /// The members of a nested structure found at `path` (as AWS's messages spell it, e.g.
    /// `targets.1.member`), in this request's dialect.
    pub fn within(&self, input: &'a Value, path: impl Into<Cow<'a, str>>) -> Members<'a> {
        Members {
            object: input.as_object(),
            prefix: path.into(),
            dialect: self.dialect,
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

    /// Whether the member is present (and not `null`).
    pub fn has(&self, member: &str) -> bool {
        self.value(member).is_some()
    }

    /// `… Value null at 'member' … Member must not be null`, in this dialect.
    pub fn missing(&self, member: &str) -> AwsError {
        self.dialect
            .validation(null_member_message(&self.path(member)))
    }

    /// A member read with one of the optional readers, required: absent is [`Self::missing`].
    pub fn require<T>(&self, member: &str, read: Option<T>) -> Result<T, AwsError> {
        read.ok_or_else(|| self.missing(member))
    }

    pub fn str(&self, member: &str) -> Result<Option<&'a str>, AwsError> {
        self.typed(member, Value::as_str, Shape::String)
    }

    pub fn required_str(&self, member: &str) -> Result<&'a str, AwsError> {
        self.str(member)?.ok_or_else(|| self.missing(member))
    }

    /// A string member whose length in characters is within `[min, max]`, with AWS's
    /// constraint messages (the value echoed).
    pub fn str_len(
        &self,
        member: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<&'a str>, AwsError> {
        let Some(text) = self.str(member)? else {
            return Ok(None);
        };
        let length = text.chars().count();
        if length < min {
            let bound = format!("Member must have length greater than or equal to {min}");
            return Err(self.constraint(member, text, &bound));
        }
        if length > max {
            let bound = format!("Member must have length less than or equal to {max}");
            return Err(self.constraint(member, text, &bound));
        }
        Ok(Some(text))
    }

    /// A string member of a `sensitive` shape at most `max` bytes of UTF-8: AWS does not echo
    /// the value (`Value at 'member' failed to satisfy constraint: …`).
    pub fn sensitive_str(&self, member: &str, max: usize) -> Result<Option<&'a str>, AwsError> {
        let Some(text) = self.str(member)? else {
            return Ok(None);
        };
        if text.len() <= max {
            return Ok(Some(text));
        }
        Err(self.dialect.validation(format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: Member \
             must have length less than or equal to {max}",
            self.path(member)
        )))
    }

    /// A boolean member; in the query protocol the text `true` or `false`.
    pub fn bool(&self, member: &str) -> Result<Option<bool>, AwsError> {
        let dialect = self.dialect;
        let read = move |value: &Value| {
            value
                .as_bool()
                .or_else(|| match query_text(dialect, value)? {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                })
        };
        self.typed(member, read, Shape::Boolean)
    }

    /// An integer member (AWS's `Integer`/`Long` shapes); in the query protocol its decimal
    /// text.
    pub fn int(&self, member: &str) -> Result<Option<i64>, AwsError> {
        let dialect = self.dialect;
        let read = move |value: &Value| {
            value
                .as_i64()
                .or_else(|| query_text(dialect, value)?.parse().ok())
        };
        self.typed(member, read, Shape::Integer)
    }

    /// A timestamp member: epoch seconds (a number) or text; the value as sent.
    pub fn timestamp(&self, member: &str) -> Result<Option<&'a Value>, AwsError> {
        let is_timestamp =
            |value: &'a Value| (value.is_number() || value.is_string()).then_some(value);
        self.typed(member, is_timestamp, Shape::Timestamp)
    }

    /// An integer member within `[min, max]`, with AWS's constraint messages.
    pub fn int_in(&self, member: &str, min: i64, max: i64) -> Result<Option<i64>, AwsError> {
        let Some(number) = self.int(member)? else {
            return Ok(None);
        };
        if number < min {
            let bound = format!("Member must have value greater than or equal to {min}");
            return Err(self.constraint(member, &number.to_string(), &bound));
        }
        if number > max {
            let bound = format!("Member must have value less than or equal to {max}");
            return Err(self.constraint(member, &number.to_string(), &bound));
        }
        Ok(Some(number))
    }

    /// A non-negative integer member within `[min, max]` (sizes, counts, seconds), with AWS's
    /// constraint messages; a negative value fails the lower bound, echoed as sent.
    pub fn u64_in(&self, member: &str, min: u64, max: u64) -> Result<Option<u64>, AwsError> {
        let Some(value) = self.value(member) else {
            return Ok(None);
        };
        let number = match value.as_u64() {
            Some(number) => number,
            None if value.as_i64().is_some() => {
                let bound = format!("Member must have value greater than or equal to {min}");
                return Err(self.constraint(member, &value.to_string(), &bound));
            }
            None => return Err(self.dialect.wrong_type(value, Shape::Integer)),
        };
        if number < min {
            let bound = format!("Member must have value greater than or equal to {min}");
            return Err(self.constraint(member, &number.to_string(), &bound));
        }
        if number > max {
            let bound = format!("Member must have value less than or equal to {max}");
            return Err(self.constraint(member, &number.to_string(), &bound));
        }
        Ok(Some(number))
    }

    pub fn array(&self, member: &str) -> Result<Option<&'a Vec<Value>>, AwsError> {
        self.typed(member, Value::as_array, Shape::List)
    }

    pub fn required_array(&self, member: &str) -> Result<&'a Vec<Value>, AwsError> {
        self.array(member)?.ok_or_else(|| self.missing(member))
    }

    /// A list of strings; an element of another type is the protocol's wrong-type error.
    pub fn str_list(&self, member: &str) -> Result<Option<Vec<&'a str>>, AwsError> {
        let Some(items) = self.array(member)? else {
            return Ok(None);
        };
        let strings = items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| self.dialect.wrong_type(item, Shape::String))
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(strings))
    }

    /// A list of structures, each as [`Members`] named `member.N.member` (1-based, AWS's
    /// spelling in validation messages).
    pub fn structures(&self, member: &str) -> Result<Option<Vec<Members<'a>>>, AwsError> {
        let Some(items) = self.array(member)? else {
            return Ok(None);
        };
        let path = self.path(member);
        let structures = items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                if !item.is_object() {
                    return Err(self.dialect.wrong_type(item, Shape::Structure));
                }
                let prefix = format!("{path}.{}.member", index.saturating_add(1));
                Ok(self.within(item, prefix))
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(structures))
    }

    pub fn object(&self, member: &str) -> Result<Option<&'a Map<String, Value>>, AwsError> {
        self.typed(member, Value::as_object, Shape::Structure)
    }

    /// A nested structure's members, named `member.child` in messages.
    pub fn structure(&self, member: &str) -> Result<Option<Members<'a>>, AwsError> {
        let Some(value) = self.value(member) else {
            return Ok(None);
        };
        if !value.is_object() {
            return Err(self.dialect.wrong_type(value, Shape::Structure));
        }
        Ok(Some(self.within(value, self.path(member))))
    }

    /// A map of strings to strings, in the order sent; a value of another type is the
    /// protocol's wrong-type error.
    pub fn string_map(&self, member: &str) -> Result<Option<Vec<(&'a str, &'a str)>>, AwsError> {
        let Some(map) = self.object(member)? else {
            return Ok(None);
        };
        let entries = map
            .iter()
            .map(|(key, value)| match value.as_str() {
                Some(text) => Ok((key.as_str(), text)),
                None => Err(self.dialect.wrong_type(value, Shape::String)),
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(entries))
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
        self.dialect.validation(format!(
            "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: \
             {constraint}",
            self.path(member)
        ))
    }

    fn typed<T>(
        &self,
        member: &str,
        read: impl Fn(&'a Value) -> Option<T>,
        shape: Shape,
    ) -> Result<Option<T>, AwsError> {
        match self.value(member) {
            None => Ok(None),
            Some(value) => read(value)
                .map(Some)
                .ok_or_else(|| self.dialect.wrong_type(value, shape)),
        }
    }
}

/// A value's text when the dialect sends every value as text (the query protocol).
fn query_text(dialect: Dialect, value: &Value) -> Option<&str> {
    (dialect == Dialect::Query)
        .then(|| value.as_str())
        .flatten()
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
        let err = Members::of(&input)
            .within(&input, "targets.1.member")
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

    #[test]
    fn u64_ranges_refuse_negatives_and_floats() {
        let input = json!({"Timeout": -1, "Memory": 20000, "Size": 1.5, "Ok": 900});
        let members = Members::of(&input);
        assert_eq!(
            members.u64_in("Timeout", 1, 900).unwrap_err().message,
            "1 validation error detected: Value '-1' at 'timeout' failed to satisfy constraint: \
             Member must have value greater than or equal to 1"
        );
        assert!(
            members
                .u64_in("Memory", 128, 10240)
                .unwrap_err()
                .message
                .ends_with("Member must have value less than or equal to 10240")
        );
        assert_eq!(
            members.u64_in("Size", 1, 10).unwrap_err().code,
            "SerializationException"
        );
        assert_eq!(members.u64_in("Ok", 1, 900), Ok(Some(900)));
        assert_eq!(members.u64_in("Absent", 1, 900), Ok(None));
    }

    #[test]
    fn string_lengths_count_characters_and_sensitive_ones_are_not_echoed() {
        let input = json!({"Name": "ééé", "Empty": "", "Secret": "ééé"});
        let members = Members::of(&input);
        assert_eq!(members.str_len("Name", 1, 3), Ok(Some("ééé")));
        assert_eq!(
            members.str_len("Name", 1, 2).unwrap_err().message,
            "1 validation error detected: Value 'ééé' at 'name' failed to satisfy constraint: \
             Member must have length less than or equal to 2"
        );
        assert!(
            members
                .str_len("Empty", 1, 2)
                .unwrap_err()
                .message
                .ends_with("Member must have length greater than or equal to 1")
        );
        assert_eq!(members.sensitive_str("Secret", 6), Ok(Some("ééé")));
        assert_eq!(
            members.sensitive_str("Secret", 5).unwrap_err().message,
            "1 validation error detected: Value at 'secret' failed to satisfy constraint: \
             Member must have length less than or equal to 5"
        );
    }

    #[test]
    fn maps_and_lists_of_strings_check_every_element() {
        let input = json!({"Vars": {"A": "1", "B": "2"}, "Bad": {"A": 1}, "L": ["x", 2]});
        let members = Members::of(&input);
        assert_eq!(
            members.string_map("Vars"),
            Ok(Some(vec![("A", "1"), ("B", "2")]))
        );
        assert_eq!(
            members.string_map("Bad").unwrap_err().message,
            "NUMBER_VALUE can not be converted to a String"
        );
        assert_eq!(
            members.str_list("L").unwrap_err().message,
            "NUMBER_VALUE can not be converted to a String"
        );
    }

    #[test]
    fn lists_of_structures_name_each_element() {
        let input = json!({"Targets": [{"Id": "a"}, {}], "Flat": ["x"]});
        let members = Members::of(&input);
        let targets = members.structures("Targets").unwrap().unwrap();
        assert_eq!(targets[0].required_str("Id"), Ok("a"));
        assert!(
            targets[1]
                .required_str("Id")
                .unwrap_err()
                .message
                .contains("at 'targets.2.member.id'")
        );
        assert_eq!(
            members.structures("Flat").unwrap_err().code,
            "SerializationException"
        );
        let nested = json!({"Code": {"ZipFile": 5}});
        let err = Members::of(&nested)
            .structure("Code")
            .unwrap()
            .unwrap()
            .str("ZipFile")
            .unwrap_err();
        assert_eq!(err.message, "NUMBER_VALUE can not be converted to a String");
    }

    #[test]
    fn each_dialect_answers_in_its_protocols_shape() {
        let input = json!({"Name": {}, "Limit": 0});
        let lambda = Members::with(&input, Dialect::Lambda);
        let err = lambda.str("Name").unwrap_err();
        assert_eq!(
            (err.status, err.code.as_str()),
            (400, "InvalidRequestContentException")
        );
        assert_eq!(
            err.message,
            "Could not parse request body into json: Cannot deserialize value of type \
             `java.lang.String` from Object value (token `JsonToken.START_OBJECT`)"
        );
        assert_eq!(lambda.missing("Role").code, "ValidationException");
        let gateway = Members::with(&input, Dialect::ApiGateway);
        let err = gateway.str("Name").unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("BadRequestException", "Invalid request input")
        );
        let query = Members::with(&input, Dialect::Query);
        assert_eq!(query.missing("Source").code, "ValidationError");
        assert_eq!(
            query.int_in("Limit", 1, 5).unwrap_err().code,
            "ValidationError"
        );
    }
}
