//! What a DynamoDB-stream event source mapping is asked to do, as CreateEventSourceMapping
//! receives it: every member AWS models for such a mapping is read here, validated in AWS's
//! words, and either honoured by the poller (`esm_poller`) or refused — never dropped.
//!
//! Honoured: `BatchSize`, `MaximumBatchingWindowInSeconds`, `ParallelizationFactor`,
//! `MaximumRetryAttempts`, `MaximumRecordAgeInSeconds`, `BisectBatchOnFunctionError`,
//! `FunctionResponseTypes` (`ReportBatchItemFailures`), `FilterCriteria`, `Enabled`,
//! `StartingPosition`. Refused with `InvalidParameterValueException`: members of other source
//! types (queues, Kafka, DocumentDB) and what the emulator cannot honour — an on-failure
//! destination (it runs no SQS, SNS or S3), tumbling windows, customer KMS keys, metrics,
//! provisioned pollers and tags on mappings.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::events::pattern::{self, Pattern};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// Lambda's quota of filters per event source mapping.
pub const MAX_FILTERS: usize = 5;
/// The longest filter pattern botocore's model allows.
pub const MAX_PATTERN_LEN: usize = 4096;

/// One `FilterCriteria.Filters` entry: its text (answered back as given) and its pattern.
#[derive(Debug, Clone)]
pub struct Filter {
    pub text: String,
    pub pattern: Pattern,
}

/// The honoured settings of one mapping.
#[derive(Debug, Clone)]
pub struct MappingConfig {
    pub batch_size: u64,
    pub batching_window_seconds: u64,
    pub parallelization: u64,
    /// -1: retry until the records expire (bounded by the emulator, see `esm.rs`).
    pub maximum_retry_attempts: i64,
    /// -1: records never expire.
    pub maximum_record_age_seconds: i64,
    pub bisect_on_error: bool,
    pub report_item_failures: bool,
    pub filters: Arc<Vec<Filter>>,
}

/// Members AWS accepts only for other kinds of event sources.
const OTHER_SOURCES: &[&str] = &[
    "Topics",
    "Queues",
    "SourceAccessConfigurations",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "AmazonManagedKafkaEventSourceConfig",
    "ScalingConfig",
    "DocumentDBEventSourceConfig",
    "StartingPositionTimestamp",
];

/// Members the emulator cannot honour for a stream mapping.
const NOT_EMULATED: &[(&str, &str)] = &[
    ("KMSKeyArn", "customer managed KMS keys for filter criteria"),
    ("MetricsConfig", "event source mapping metrics"),
    ("ProvisionedPollerConfig", "provisioned pollers"),
];

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(400, "InvalidParameterValueException", message)
}

impl MappingConfig {
    /// Reads and validates the members of a CreateEventSourceMapping request.
    pub fn read(members: &Members<'_>) -> Result<MappingConfig, AwsError> {
        refuse_foreign(members)?;
        let config = MappingConfig {
            batch_size: batch_size(members)?,
            batching_window_seconds: members
                .u64_in("MaximumBatchingWindowInSeconds", 0, 300)?
                .unwrap_or(0),
            parallelization: members.u64_in("ParallelizationFactor", 1, 10)?.unwrap_or(1),
            maximum_retry_attempts: members
                .int_in("MaximumRetryAttempts", -1, 10_000)?
                .unwrap_or(-1),
            maximum_record_age_seconds: record_age(members)?,
            bisect_on_error: members.bool("BisectBatchOnFunctionError")?.unwrap_or(false),
            report_item_failures: response_types(members)?,
            filters: Arc::new(filters(members)?),
        };
        Ok(config)
    }

    /// The members GetEventSourceMapping answers with for these settings.
    pub fn write(&self, object: &mut Map<String, Value>) {
        let types: Vec<&str> = if self.report_item_failures {
            vec!["ReportBatchItemFailures"]
        } else {
            Vec::new()
        };
        let entries = [
            ("BatchSize", json!(self.batch_size)),
            (
                "MaximumBatchingWindowInSeconds",
                json!(self.batching_window_seconds),
            ),
            ("ParallelizationFactor", json!(self.parallelization)),
            ("MaximumRetryAttempts", json!(self.maximum_retry_attempts)),
            (
                "MaximumRecordAgeInSeconds",
                json!(self.maximum_record_age_seconds),
            ),
            ("BisectBatchOnFunctionError", json!(self.bisect_on_error)),
            ("FunctionResponseTypes", json!(types)),
        ];
        for (name, value) in entries {
            object.insert(name.to_owned(), value);
        }
        if !self.filters.is_empty() {
            let filters: Vec<Value> = self
                .filters
                .iter()
                .map(|f| json!({ "Pattern": f.text }))
                .collect();
            object.insert("FilterCriteria".to_owned(), json!({ "Filters": filters }));
        }
    }
}

fn batch_size(members: &Members<'_>) -> Result<u64, AwsError> {
    let size = members.int("BatchSize")?.unwrap_or(100);
    u64::try_from(size)
        .ok()
        .filter(|size| (1..=10_000).contains(size))
        .ok_or_else(|| {
            invalid(format!(
                "BatchSize {size} is not within the allowed range of 1 to 10000 for DynamoDB \
                 streams"
            ))
        })
}

fn refuse_foreign(members: &Members<'_>) -> Result<(), AwsError> {
    for name in OTHER_SOURCES {
        if members.has(name) {
            return Err(invalid(format!(
                "{name} is not supported for DynamoDB stream event sources."
            )));
        }
    }
    for (name, what) in NOT_EMULATED {
        if members.has(name) {
            return Err(invalid(format!(
                "{name}: {what} are not supported by this emulator"
            )));
        }
    }
    if let Some(tags) = members.object("Tags")?
        && !tags.is_empty()
    {
        return Err(invalid(
            "Tags: tags on event source mappings are not supported by this emulator",
        ));
    }
    if members
        .u64_in("TumblingWindowInSeconds", 0, 900)?
        .unwrap_or(0)
        > 0
    {
        return Err(invalid(
            "TumblingWindowInSeconds: tumbling windows are not supported by this emulator",
        ));
    }
    refuse_destination(members)
}

/// An on-failure destination would need SQS, SNS or S3, which the emulator does not run.
fn refuse_destination(members: &Members<'_>) -> Result<(), AwsError> {
    let Some(config) = members.structure("DestinationConfig")? else {
        return Ok(());
    };
    for part in ["OnFailure", "OnSuccess"] {
        if let Some(target) = config.structure(part)?
            && target.str("Destination")?.is_some()
        {
            return Err(invalid(format!(
                "DestinationConfig.{part}: destinations (SQS, SNS, S3) are not supported by \
                 this emulator"
            )));
        }
    }
    Ok(())
}

/// -1, or 60 to 604,800 seconds (the model allows -1 to 604,800; AWS refuses 0–59).
fn record_age(members: &Members<'_>) -> Result<i64, AwsError> {
    let age = members
        .int_in("MaximumRecordAgeInSeconds", -1, 604_800)?
        .unwrap_or(-1);
    if (0..60).contains(&age) {
        return Err(invalid(format!(
            "MaximumRecordAgeInSeconds {age} is not within the allowed range of 60 to 604800, \
             or -1 for infinite"
        )));
    }
    Ok(age)
}

fn response_types(members: &Members<'_>) -> Result<bool, AwsError> {
    let Some(types) = members.str_list("FunctionResponseTypes")? else {
        return Ok(false);
    };
    if types.len() > 1 {
        return Err(members.constraint(
            "FunctionResponseTypes",
            &format!("{types:?}"),
            "Member must have length less than or equal to 1",
        ));
    }
    match types.first() {
        None => Ok(false),
        Some(&"ReportBatchItemFailures") => Ok(true),
        Some(other) => Err(members.constraint(
            "FunctionResponseTypes",
            &format!("[{other}]"),
            "Member must satisfy constraint: [Member must satisfy enum value set: \
             [ReportBatchItemFailures]]",
        )),
    }
}

fn filters(members: &Members<'_>) -> Result<Vec<Filter>, AwsError> {
    let Some(criteria) = members.structure("FilterCriteria")? else {
        return Ok(Vec::new());
    };
    let Some(entries) = criteria.structures("Filters")? else {
        return Ok(Vec::new());
    };
    if entries.len() > MAX_FILTERS {
        return Err(invalid(format!(
            "The number of filters ({}) exceeds the limit of {MAX_FILTERS}.",
            entries.len()
        )));
    }
    entries
        .iter()
        .filter_map(|entry| entry.str_len("Pattern", 0, MAX_PATTERN_LEN).transpose())
        .map(|text| {
            let text = text?;
            let pattern = pattern::parse::parse(text)
                .map_err(|_| invalid("Invalid filter pattern definition."))?;
            Ok(Filter {
                text: text.to_owned(),
                pattern,
            })
        })
        .collect()
}

impl Filter {
    /// Whether `record` (as the function would receive it) passes this filter.
    pub fn admits(&self, record: &Value) -> bool {
        self.pattern.matches(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::members::Dialect;

    fn read(input: Value) -> Result<MappingConfig, AwsError> {
        MappingConfig::read(&Members::with(&input, Dialect::Lambda))
    }

    #[test]
    fn defaults_are_aws_defaults() {
        let config = read(json!({})).unwrap();
        assert_eq!(config.batch_size, 100);
        assert_eq!(config.parallelization, 1);
        assert_eq!(config.maximum_record_age_seconds, -1);
        let mut object = Map::new();
        config.write(&mut object);
        assert_eq!(object["FunctionResponseTypes"], json!([]));
        assert!(!object.contains_key("FilterCriteria"));
    }

    #[test]
    fn out_of_range_members_are_refused_in_aws_words() {
        let error = read(json!({"ParallelizationFactor": 11})).unwrap_err();
        assert_eq!(error.code, "ValidationException");
        assert!(
            error.message.contains("parallelizationFactor"),
            "{}",
            error.message
        );
        let error = read(json!({"MaximumRecordAgeInSeconds": 30})).unwrap_err();
        assert_eq!(error.code, "InvalidParameterValueException");
        let error = read(json!({"FunctionResponseTypes": ["Nope"]})).unwrap_err();
        assert_eq!(error.code, "ValidationException");
    }

    #[test]
    fn members_it_cannot_honour_are_refused_not_dropped() {
        for input in [
            json!({"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}}}),
            json!({"TumblingWindowInSeconds": 60}),
            json!({"Queues": ["q"]}),
            json!({"Tags": {"a": "b"}}),
            json!({"MetricsConfig": {"Metrics": ["EventCount"]}}),
        ] {
            let error = read(input.clone()).unwrap_err();
            assert_eq!(error.code, "InvalidParameterValueException", "{input}");
        }
        assert!(
            read(json!({"DestinationConfig": {"OnFailure": {}}, "TumblingWindowInSeconds": 0}))
                .is_ok()
        );
    }

    #[test]
    fn filters_are_parsed_bounded_and_written_back() {
        let error =
            read(json!({"FilterCriteria": {"Filters": [{"Pattern": "{\"a\": 1}"}]}})).unwrap_err();
        assert_eq!(error.message, "Invalid filter pattern definition.");
        let six: Vec<Value> = (0..6)
            .map(|_| json!({"Pattern": "{\"eventName\": [\"INSERT\"]}"}))
            .collect();
        assert!(read(json!({"FilterCriteria": {"Filters": six}})).is_err());
        let config = read(
            json!({"FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": [\"INSERT\"]}"}]}}),
        )
        .unwrap();
        assert!(config.filters[0].admits(&json!({"eventName": "INSERT"})));
        assert!(!config.filters[0].admits(&json!({"eventName": "REMOVE"})));
        let mut object = Map::new();
        config.write(&mut object);
        assert_eq!(
            object["FilterCriteria"]["Filters"][0]["Pattern"],
            "{\"eventName\": [\"INSERT\"]}"
        );
    }
}
