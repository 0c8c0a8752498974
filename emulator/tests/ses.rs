//! SES v1 through aws-sdk-ses: identities, SendEmail, MessageRejected, and the outbox.

mod support;

use aws_sdk_ses::Client;
use aws_sdk_ses::types::{Body, Content, Destination, Message};
use serde_json::Value;

fn message(subject: &str, text: &str) -> Message {
    Message::builder()
        .subject(Content::builder().data(subject).build().unwrap())
        .body(
            Body::builder()
                .text(Content::builder().data(text).build().unwrap())
                .build(),
        )
        .build()
}

#[tokio::test]
async fn verified_senders_send_into_the_outbox() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    client
        .verify_email_identity()
        .email_address("orders@alex.example")
        .send()
        .await
        .unwrap();
    let listed = client.list_identities().send().await.unwrap();
    assert_eq!(listed.identities(), ["orders@alex.example"]);
    let attrs = client
        .get_identity_verification_attributes()
        .identities("orders@alex.example")
        .send()
        .await
        .unwrap();
    let status = attrs.verification_attributes()["orders@alex.example"].verification_status();
    assert_eq!(status.as_str(), "Success");

    let sent = client
        .send_email()
        .source("orders@alex.example")
        .destination(
            Destination::builder()
                .to_addresses("ann@example.com")
                .build(),
        )
        .message(message("Order o1 confirmed", "Total 10.00"))
        .send()
        .await
        .unwrap();
    assert!(!sent.message_id().is_empty());

    let outbox: Value = reqwest::get(format!("{}/_aws/ses", emulator.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = outbox["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["Id"], sent.message_id());
    assert_eq!(m["Source"], "orders@alex.example");
    assert_eq!(m["Destination"]["ToAddresses"][0], "ann@example.com");
    assert_eq!(m["Subject"], "Order o1 confirmed");
    assert_eq!(m["Body"]["text_part"], "Total 10.00");
    assert_eq!(m["Region"], "us-east-1");
    emulator.shutdown().await;
}

#[tokio::test]
async fn unverified_senders_are_rejected_and_domains_cover_addresses() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let err = client
        .send_email()
        .source("x@nowhere.example")
        .destination(Destination::builder().to_addresses("a@b.example").build())
        .message(message("s", "t"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_message_rejected(), "{err:?}");
    assert_eq!(
        err.meta().message(),
        Some(
            "Email address is not verified. The following identities failed the check in \
             region US-EAST-1: x@nowhere.example"
        )
    );
    client
        .verify_domain_identity()
        .domain("nowhere.example")
        .send()
        .await
        .unwrap();
    client
        .send_email()
        .source("x@nowhere.example")
        .destination(Destination::builder().to_addresses("a@b.example").build())
        .message(message("s", "t"))
        .send()
        .await
        .unwrap();
    emulator.shutdown().await;
}
