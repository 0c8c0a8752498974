//! The two DynamoDB tables from `app/tables.json` (CreateTable's JSON shape): create, then
//! DescribeTable until ACTIVE. Yields each table's stream ARN when it has one.

use std::collections::BTreeMap;

use crate::stack::aws_error::AwsResultExt;
use anyhow::bail;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableStatus,
};
use serde::Deserialize;

use super::{Poll, Provisioner};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TableSpec {
    pub table_name: String,
    pub key_schema: Vec<KeySpec>,
    pub attribute_definitions: Vec<AttributeSpec>,
    #[serde(default)]
    pub billing_mode: Option<String>,
    #[serde(default)]
    pub stream_specification: Option<StreamSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KeySpec {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttributeSpec {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StreamSpec {
    pub stream_enabled: bool,
    #[serde(default)]
    pub stream_view_type: Option<String>,
}

/// Table name → latest stream ARN (when the table has a stream).
pub type StreamArns = BTreeMap<String, Option<String>>;

/// Creates every table and waits until each is ACTIVE.
pub async fn create_tables(p: &Provisioner<'_>) -> anyhow::Result<StreamArns> {
    let specs: Vec<TableSpec> = p.read_app_json("tables.json")?;
    let mut streams = StreamArns::new();
    for spec in &specs {
        create_table(p, spec).await?;
    }
    for spec in &specs {
        let stream = wait_active(p, &spec.table_name).await?;
        streams.insert(spec.table_name.clone(), stream);
    }
    Ok(streams)
}

async fn create_table(p: &Provisioner<'_>, spec: &TableSpec) -> anyhow::Result<()> {
    let mut request = p
        .clients
        .dynamodb
        .create_table()
        .table_name(&spec.table_name);
    for key in &spec.key_schema {
        request = request.key_schema(
            KeySchemaElement::builder()
                .attribute_name(&key.attribute_name)
                .key_type(KeyType::from(key.key_type.as_str()))
                .build()?,
        );
    }
    for attribute in &spec.attribute_definitions {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&attribute.attribute_name)
                .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                .build()?,
        );
    }
    if let Some(mode) = &spec.billing_mode {
        request = request.billing_mode(BillingMode::from(mode.as_str()));
    }
    if let Some(stream) = &spec.stream_specification {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(stream.stream_enabled)
                .set_stream_view_type(stream.stream_view_type.as_deref().map(StreamViewType::from))
                .build()?,
        );
    }
    request
        .send()
        .await
        .aws_context(|| format!("CreateTable {}", spec.table_name))?;
    Ok(())
}

async fn wait_active(p: &Provisioner<'_>, table: &str) -> anyhow::Result<Option<String>> {
    let mut poll = Poll::new(p.timeout);
    loop {
        let described = p
            .clients
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .aws_context(|| format!("DescribeTable {table}"))?;
        let description = described.table();
        let status = description.and_then(|t| t.table_status());
        if status == Some(&TableStatus::Active) {
            return Ok(description.and_then(|t| t.latest_stream_arn().map(str::to_owned)));
        }
        if !poll.again().await {
            bail!(
                "table {table} is not ACTIVE after {:?} (status {status:?})",
                p.timeout
            );
        }
    }
}
