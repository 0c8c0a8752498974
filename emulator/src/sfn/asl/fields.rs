//! Which fields each state type (and a retrier, a catcher, a Map's ItemProcessor) may hold,
//! in each query language, so that no field is accepted and then ignored. AWS refuses a field
//! a state type does not support with `Field 'X' is not supported` at the state, and a field
//! of the other query language with `The QueryLanguage is set to 'JSONata', but field 'X' is
//! only supported for the 'JSONPath' QueryLanguage` (and the converse), both
//! SCHEMA_VALIDATION_FAILED (as measured by the floci emulator's issues #2735 and #2968 with
//! ValidateStateMachineDefinition). The lists follow the Step Functions developer guide's
//! per-state tables; `docs/sfn-fields.md` tells, per field, what the engine does with it.
//!
//! Two fields AWS accepts are refused here, as the emulator cannot do what they ask:
//! a Map's `ResultWriter` (it writes the results to S3, and the emulator runs no S3) and a
//! Task's `Credentials` (a role to assume for the call; the emulator's calls take no role).

use serde_json::{Map, Value};

use super::syntax::pointer;

/// The fields a place allows: in both languages, only in JSONPath, only in JSONata.
struct Allowed {
    both: &'static [&'static str],
    jsonpath: &'static [&'static str],
    jsonata: &'static [&'static str],
}

/// JSONPath's input and output processing, on every state that has it.
const PATH_IO: &[&str] = &["InputPath", "OutputPath"];

fn state_fields(type_name: &str) -> Option<Allowed> {
    let allowed = match type_name {
        "Pass" => Allowed {
            both: &["Next", "End", "Assign"],
            jsonpath: &[
                "InputPath",
                "OutputPath",
                "Parameters",
                "Result",
                "ResultPath",
            ],
            jsonata: &["Output"],
        },
        "Task" => Allowed {
            both: &[
                "Resource",
                "Next",
                "End",
                "Assign",
                "TimeoutSeconds",
                "HeartbeatSeconds",
                "Retry",
                "Catch",
            ],
            jsonpath: &[
                "InputPath",
                "OutputPath",
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "TimeoutSecondsPath",
                "HeartbeatSecondsPath",
            ],
            jsonata: &["Arguments", "Output"],
        },
        "Choice" => Allowed {
            both: &["Choices", "Default", "Assign"],
            jsonpath: PATH_IO,
            jsonata: &["Output"],
        },
        "Wait" => Allowed {
            both: &["Next", "End", "Assign", "Seconds", "Timestamp"],
            jsonpath: &["InputPath", "OutputPath", "SecondsPath", "TimestampPath"],
            jsonata: &["Output"],
        },
        "Succeed" => Allowed {
            both: &[],
            jsonpath: PATH_IO,
            jsonata: &["Output"],
        },
        "Fail" => Allowed {
            both: &["Error", "Cause"],
            jsonpath: &["ErrorPath", "CausePath"],
            jsonata: &[],
        },
        "Parallel" => Allowed {
            both: &["Branches", "Next", "End", "Assign", "Retry", "Catch"],
            jsonpath: &[
                "InputPath",
                "OutputPath",
                "Parameters",
                "ResultSelector",
                "ResultPath",
            ],
            jsonata: &["Arguments", "Output"],
        },
        "Map" => Allowed {
            both: &[
                "ItemProcessor",
                "Iterator",
                "ItemReader",
                "ItemSelector",
                "ItemBatcher",
                "MaxConcurrency",
                "ToleratedFailureCount",
                "ToleratedFailurePercentage",
                "Label",
                "Next",
                "End",
                "Assign",
                "Retry",
                "Catch",
            ],
            jsonpath: &[
                "InputPath",
                "OutputPath",
                "ItemsPath",
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "MaxConcurrencyPath",
                "ToleratedFailureCountPath",
                "ToleratedFailurePercentagePath",
            ],
            jsonata: &["Items", "Output"],
        },
        _ => return None,
    };
    Some(allowed)
}

const RETRIER: Allowed = Allowed {
    both: &[
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
    ],
    jsonpath: &[],
    jsonata: &[],
};

const CATCHER: Allowed = Allowed {
    both: &["ErrorEquals", "Next", "Assign"],
    jsonpath: &["ResultPath"],
    jsonata: &["Output"],
};

/// A Map's ItemProcessor (or Iterator): a machine body and how it runs.
const PROCESSOR: Allowed = Allowed {
    both: &["StartAt", "States", "ProcessorConfig"],
    jsonpath: &[],
    jsonata: &[],
};

/// A Parallel branch: a machine body only (no QueryLanguage of its own, as for a processor).
const BRANCH: Allowed = Allowed {
    both: &["StartAt", "States"],
    jsonpath: &[],
    jsonata: &[],
};

/// The machine itself.
const MACHINE: Allowed = Allowed {
    both: &[
        "StartAt",
        "States",
        "TimeoutSeconds",
        "Version",
        "QueryLanguage",
    ],
    jsonpath: &[],
    jsonata: &[],
};

/// A Choice rule's own fields; the comparison operators are added in JSONPath, and nested
/// And/Or/Not rules are checked as rules.
const CHOICE_RULE: Allowed = Allowed {
    both: &["Next", "Assign"],
    jsonpath: &["Variable", "And", "Or", "Not"],
    jsonata: &["Condition", "Output"],
};

/// A rule inside And/Or/Not: no `Next` (only a top-level rule has one) nor the other
/// fields of a transition.
const NESTED_RULE: Allowed = Allowed {
    both: &[],
    jsonpath: &["Variable", "And", "Or", "Not"],
    jsonata: &[],
};

const PROCESSOR_CONFIG: Allowed = Allowed {
    both: &["Mode", "ExecutionType"],
    jsonpath: &[],
    jsonata: &[],
};

/// Fields AWS accepts whose work the emulator cannot do, and why.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "ResultWriter",
        "it writes the map run's results to S3, and this emulator runs no S3",
    ),
    (
        "Credentials",
        "it names a role to assume for the call, and this emulator's calls take no role",
    ),
];

/// Pushes a problem for every field of the state `object` (of type `type_name`, at `at`)
/// that its type or query language does not allow, then for those of its retriers,
/// catchers and ItemProcessor.
pub fn check_state(
    object: &Map<String, Value>,
    at: &str,
    type_name: &str,
    jsonata: bool,
    problems: &mut Vec<String>,
) {
    let Some(allowed) = state_fields(type_name) else {
        return;
    };
    for key in object.keys() {
        if let Some((_, why)) = UNSUPPORTED.iter().find(|(field, _)| field == key) {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: Field '{key}' is not supported by this emulator ({why}) at {}",
                pointer(at)
            ));
            continue;
        }
        if !matches!(key.as_str(), "Type" | "Comment" | "QueryLanguage") {
            check_field(key, &allowed, at, jsonata, problems);
        }
    }
    for (list, rules) in [("Retry", &RETRIER), ("Catch", &CATCHER)] {
        let entries = object.get(list).and_then(Value::as_array);
        for (i, entry) in entries.into_iter().flatten().enumerate() {
            if let Some(entry) = entry.as_object() {
                check_object(
                    entry,
                    rules,
                    &format!("{at}/{list}[{i}]"),
                    jsonata,
                    problems,
                );
            }
        }
    }
    let branches = object.get("Branches").and_then(Value::as_array);
    for (i, branch) in branches.into_iter().flatten().enumerate() {
        if let Some(branch) = branch.as_object() {
            check_object(
                branch,
                &BRANCH,
                &format!("{at}/Branches[{i}]"),
                jsonata,
                problems,
            );
        }
    }
    let rules = object.get("Choices").and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        check_rule(rule, &format!("{at}/Choices[{i}]"), jsonata, 0, problems);
    }
    for key in ["ItemProcessor", "Iterator"] {
        let Some(processor) = object.get(key).and_then(Value::as_object) else {
            continue;
        };
        let processor_at = format!("{at}/{key}");
        check_object(processor, &PROCESSOR, &processor_at, jsonata, problems);
        if let Some(config) = processor.get("ProcessorConfig").and_then(Value::as_object) {
            let config_at = format!("{processor_at}/ProcessorConfig");
            check_object(config, &PROCESSOR_CONFIG, &config_at, jsonata, problems);
            check_enum(
                config,
                "Mode",
                &["INLINE", "DISTRIBUTED"],
                &config_at,
                problems,
            );
            check_enum(
                config,
                "ExecutionType",
                &["STANDARD", "EXPRESS"],
                &config_at,
                problems,
            );
        }
    }
}

/// The machine's own fields (at the root).
pub fn check_machine(object: &Map<String, Value>, problems: &mut Vec<String>) {
    for key in object.keys().filter(|key| key.as_str() != "Comment") {
        check_field(key, &MACHINE, "", false, problems);
    }
}

/// A Choice rule (top-level: with Next) and its nested And/Or/Not rules, bounded by the
/// model's own nesting limit.
fn check_rule(rule: &Value, at: &str, jsonata: bool, depth: usize, problems: &mut Vec<String>) {
    let Some(rule) = rule.as_object() else {
        return;
    };
    if depth >= super::model::MAX_RULE_NESTING {
        return;
    }
    for key in rule.keys().filter(|key| key.as_str() != "Comment") {
        if jsonata || !is_operator(key) {
            let allowed = if depth == 0 {
                &CHOICE_RULE
            } else {
                &NESTED_RULE
            };
            check_field(key, allowed, at, jsonata, problems);
        }
    }
    if !jsonata && rule.keys().filter(|key| is_operator(key)).count() > 1 {
        // Not AWS's recorded words: the model's own for a rule with none.
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: More than one comparison operator found at {}",
            pointer(at)
        ));
    }
    for list in ["And", "Or"] {
        let nested = rule.get(list).and_then(Value::as_array);
        for (i, inner) in nested.into_iter().flatten().enumerate() {
            check_rule(
                inner,
                &format!("{at}/{list}[{i}]"),
                jsonata,
                depth + 1,
                problems,
            );
        }
    }
    if let Some(inner) = rule.get("Not") {
        check_rule(inner, &format!("{at}/Not"), jsonata, depth + 1, problems);
    }
}

/// A comparison operator (or type test) of a JSONPath Choice rule.
fn is_operator(key: &str) -> bool {
    const TESTS: &[&str] = &[
        "IsNull",
        "IsPresent",
        "IsNumeric",
        "IsString",
        "IsBoolean",
        "IsTimestamp",
        "StringMatches",
    ];
    let operators = super::model::OPERATORS;
    TESTS.contains(&key)
        || operators.contains(&key)
        || key
            .strip_suffix("Path")
            .is_some_and(|base| operators.contains(&base))
}

/// A retrier, catcher or processor: its own fields plus `Comment`.
fn check_object(
    object: &Map<String, Value>,
    allowed: &Allowed,
    at: &str,
    jsonata: bool,
    problems: &mut Vec<String>,
) {
    for key in object.keys().filter(|key| key.as_str() != "Comment") {
        check_field(key, allowed, at, jsonata, problems);
    }
}

/// A field whose value must be one of `allowed` (the ItemReader's words for its enums).
fn check_enum(
    object: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    at: &str,
    problems: &mut Vec<String>,
) {
    let Some(value) = object.get(field) else {
        return;
    };
    if !value.as_str().is_some_and(|value| allowed.contains(&value)) {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The value for the field '{field}' must be one of {allowed:?} at {at}/{field}"
        ));
    }
}

fn check_field(key: &str, allowed: &Allowed, at: &str, jsonata: bool, problems: &mut Vec<String>) {
    let (own, other, (language, other_language)) = if jsonata {
        (allowed.jsonata, allowed.jsonpath, ("JSONata", "JSONPath"))
    } else {
        (allowed.jsonpath, allowed.jsonata, ("JSONPath", "JSONata"))
    };
    if allowed.both.contains(&key) || own.contains(&key) {
        return;
    }
    let problem = if other.contains(&key) {
        format!(
            "The QueryLanguage is set to '{language}', but field '{key}' is only supported for the '{other_language}' QueryLanguage"
        )
    } else {
        format!("Field '{key}' is not supported")
    };
    problems.push(format!(
        "SCHEMA_VALIDATION_FAILED: {problem} at {}",
        pointer(at)
    ));
}

#[cfg(test)]
mod tests {
    use super::super::parse_definition;
    use serde_json::{Value, json};

    fn refused(state: Value, jsonata: bool) -> String {
        let mut definition = json!({"StartAt": "S", "States": {"S": state}});
        if jsonata {
            definition["QueryLanguage"] = json!("JSONata");
        }
        parse_definition(&definition.to_string()).expect_err("refused")
    }

    fn one(problem: &str) -> String {
        format!("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {problem}'")
    }

    #[test]
    fn unknown_and_misplaced_fields_are_refused_at_the_state() {
        let cases = [
            (
                json!({"Type": "Pass", "Foo": 1, "End": true}),
                false,
                "Field 'Foo' is not supported at /States/S",
            ),
            (
                json!({"Type": "Pass", "TimeoutSeconds": 5, "End": true}),
                false,
                "Field 'TimeoutSeconds' is not supported at /States/S",
            ),
            (
                json!({"Type": "Pass", "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}),
                false,
                "Field 'Retry' is not supported at /States/S",
            ),
            (
                json!({"Type": "Succeed", "ResultPath": "$.x"}),
                false,
                "Field 'ResultPath' is not supported at /States/S",
            ),
            (
                json!({"Type": "Pass", "Output": {}, "End": true}),
                false,
                "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/S",
            ),
            (
                json!({"Type": "Pass", "ResultPath": "$.x", "End": true}),
                true,
                "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage at /States/S",
            ),
            (
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S", "Bogus": 1}]}),
                false,
                "Field 'Bogus' is not supported at /States/S/Catch[0]",
            ),
            (
                json!({"Type": "Choice", "Default": "S", "Choices": [{"Not": {"Variable": "$.x",
                    "IsPresent": true, "Typo": 1}, "Next": "S"}]}),
                false,
                "Field 'Typo' is not supported at /States/S/Choices[0]/Not",
            ),
            (
                json!({"Type": "Choice", "Default": "S", "Choices": [{"And": [{"Variable": "$.x",
                    "IsPresent": true, "Next": "S"}], "Next": "S"}]}),
                false,
                "Field 'Next' is not supported at /States/S/Choices[0]/And[0]",
            ),
            (
                json!({"Type": "Choice", "Default": "S", "Choices": [{"Variable": "$.x",
                    "NumericEquals": 1, "NumericLessThan": 5, "Next": "S"}]}),
                false,
                "More than one comparison operator found at /States/S/Choices[0]",
            ),
            (
                json!({"Type": "Parallel", "End": true, "Branches": [{"QueryLanguage": "JSONPath",
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}]}),
                false,
                "Field 'QueryLanguage' is not supported at /States/S/Branches[0]",
            ),
        ];
        for (state, jsonata, problem) in cases {
            assert_eq!(refused(state.clone(), jsonata), one(problem), "{state}");
        }
    }

    /// The audit: every field a list allows is read somewhere in the language model (its
    /// name appears in an `asl/` source other than this one), but for the few AWS accepts
    /// that change nothing the emulator shows.
    #[test]
    fn every_allowed_field_is_read_by_the_model() {
        const INERT: &[&str] = &[
            "Label",         // names the map run's ARN; the emulator serves no map runs
            "Version",       // informational ("1.0")
            "ExecutionType", // children run alike; checked as an enum here
        ];
        let sources = [
            include_str!("model.rs"),
            include_str!("bounds.rs"),
            include_str!("item_reader.rs"),
            include_str!("item_batcher.rs"),
            include_str!("jsonata_check.rs"),
        ]
        .concat();
        let types = [
            "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
        ];
        let lists = types.iter().filter_map(|t| super::state_fields(t)).chain([
            super::RETRIER,
            super::CATCHER,
            super::PROCESSOR,
            super::PROCESSOR_CONFIG,
            super::BRANCH,
            super::MACHINE,
            super::CHOICE_RULE,
        ]);
        let mut unread = Vec::new();
        for allowed in lists {
            for field in [allowed.both, allowed.jsonpath, allowed.jsonata].concat() {
                let read = [format!("\"{field}"), format!("/{field}")]
                    .iter()
                    .any(|quoted| sources.contains(quoted.as_str()));
                if !INERT.contains(&field) && !read {
                    unread.push(field);
                }
            }
        }
        assert!(unread.is_empty(), "allowed but never read: {unread:?}");
    }

    #[test]
    fn a_processor_mode_outside_its_enum_is_refused() {
        let err = refused(
            json!({"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "distributed"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
            false,
        );
        assert_eq!(
            err,
            one(
                "The value for the field 'Mode' must be one of [\"INLINE\", \"DISTRIBUTED\"] at /States/S/ItemProcessor/ProcessorConfig/Mode"
            )
        );
    }

    #[test]
    fn fields_the_emulator_cannot_honour_are_refused_by_name() {
        let err = refused(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                "Credentials": {"RoleArn": "arn:aws:iam::000000000000:role/r"}}),
            false,
        );
        assert!(
            err.contains("Field 'Credentials' is not supported by this emulator"),
            "{err}"
        );
    }

    #[test]
    fn every_documented_field_is_accepted() {
        let definition = json!({"Comment": "c", "Version": "1.0", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Comment": "c", "InputPath": "$", "OutputPath": "$",
                "Parameters": {}, "ResultPath": "$.r", "Assign": {}, "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {}, "Label": "l",
                "MaxConcurrencyPath": "$.n", "ResultSelector": {}, "ResultPath": "$.m",
                "Retry": [{"ErrorEquals": ["States.ALL"], "Comment": "c", "MaxDelaySeconds": 5,
                    "JitterStrategy": "FULL"}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "F"}],
                "ItemProcessor": {"Comment": "c", "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}},
                "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "S"}],
                "Default": "F", "InputPath": "$"},
            "S": {"Type": "Succeed", "OutputPath": "$"},
            "F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}});
        parse_definition(&definition.to_string()).expect("accepted");
        let err = parse_definition(
            &json!({"StartAt": "P", "Tail": 1,
            "States": {"P": {"Type": "Pass", "End": true}}})
            .to_string(),
        )
        .expect_err("refused");
        assert_eq!(err, one("Field 'Tail' is not supported at /"));
    }
}
