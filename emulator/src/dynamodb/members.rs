//! Which request members each DynamoDB operation reads — the emulator's side of the rule
//! "no member of the AWS API model is silently ignored". `emulator/tests/dynamodb/members.rs`
//! compares this table with the members botocore's model lists
//! (`emulator/tests/dynamodb/model_members.txt`) and checks that every member named here is
//! read somewhere in `dynamodb/` (a member is honoured, or refused with AWS's error).
//! Update it in the same commit as a decoder that starts (or stops) reading a member.

/// Operation → the members its decoder reads.
#[allow(dead_code)] // read by the members test as source text
pub const READS: &[(&str, &[&str])] = &[
    (
        "CreateTable",
        &[
            "AttributeDefinitions",
            "TableName",
            "KeySchema",
            "LocalSecondaryIndexes",
            "GlobalSecondaryIndexes",
            "BillingMode",
            "ProvisionedThroughput",
            "StreamSpecification",
            "Tags",
        ],
    ),
    ("DescribeTable", &["TableName"]),
    ("ListTables", &["ExclusiveStartTableName", "Limit"]),
    ("DeleteTable", &["TableName"]),
    (
        "UpdateTable",
        &[
            "AttributeDefinitions",
            "TableName",
            "BillingMode",
            "ProvisionedThroughput",
            "GlobalSecondaryIndexUpdates",
            "StreamSpecification",
        ],
    ),
    (
        "PutItem",
        &[
            "TableName",
            "Item",
            "ReturnValues",
            "ReturnConsumedCapacity",
            "ConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ReturnValuesOnConditionCheckFailure",
        ],
    ),
    (
        "GetItem",
        &[
            "TableName",
            "Key",
            "ConsistentRead",
            "ReturnConsumedCapacity",
            "ProjectionExpression",
            "ExpressionAttributeNames",
        ],
    ),
    (
        "UpdateItem",
        &[
            "TableName",
            "Key",
            "ReturnValues",
            "ReturnConsumedCapacity",
            "UpdateExpression",
            "ConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ReturnValuesOnConditionCheckFailure",
        ],
    ),
    (
        "DeleteItem",
        &[
            "TableName",
            "Key",
            "ReturnValues",
            "ReturnConsumedCapacity",
            "ConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ReturnValuesOnConditionCheckFailure",
        ],
    ),
    (
        "Query",
        &[
            "TableName",
            "IndexName",
            "Select",
            "Limit",
            "ConsistentRead",
            "ScanIndexForward",
            "ExclusiveStartKey",
            "ReturnConsumedCapacity",
            "ProjectionExpression",
            "FilterExpression",
            "KeyConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
        ],
    ),
    (
        "Scan",
        &[
            "TableName",
            "IndexName",
            "Limit",
            "Select",
            "ExclusiveStartKey",
            "ReturnConsumedCapacity",
            "TotalSegments",
            "Segment",
            "ProjectionExpression",
            "FilterExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ConsistentRead",
        ],
    ),
    (
        "TransactWriteItems",
        &[
            "TransactItems",
            "ReturnConsumedCapacity",
            "ClientRequestToken",
        ],
    ),
    (
        "TransactGetItems",
        &["TransactItems", "ReturnConsumedCapacity"],
    ),
    (
        "BatchWriteItem",
        &["RequestItems", "ReturnConsumedCapacity"],
    ),
    ("BatchGetItem", &["RequestItems", "ReturnConsumedCapacity"]),
    (
        "UpdateTimeToLive",
        &["TableName", "TimeToLiveSpecification"],
    ),
    ("DescribeTimeToLive", &["TableName"]),
    ("TagResource", &["ResourceArn", "Tags"]),
    ("UntagResource", &["ResourceArn", "TagKeys"]),
    ("ListTagsOfResource", &["ResourceArn", "NextToken"]),
];
