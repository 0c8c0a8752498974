//! Reliability: lambda. AWS's limits (finding 8: 6 MB payloads and responses, 250 MB of
//! unzipped code, reserved environment variables) and clean stops (finding 6: a timeout or a
//! shutdown leaves no process — `setsid` grandchildren included — and no temp dir, and
//! shutdown is bounded whatever is in flight). Each test also checks that the emulator still
//! serves afterwards.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, InvocationType, Runtime};
use orderlab_emulator::Emulator;

use crate::support;

const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

async fn client(emulator: &Emulator) -> Client {
    Client::new(&support::sdk_config(emulator).await)
}

async fn create(
    client: &Client,
    name: &str,
    zip: Vec<u8>,
    timeout: i32,
    env: &[(&str, &str)],
) -> Result<(), aws_sdk_lambda::Error> {
    let mut environment = Environment::builder();
    for (k, v) in env {
        environment = environment.variables(*k, *v);
    }
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(ROLE)
        .timeout(timeout)
        .environment(environment.build())
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await?;
    Ok(())
}

/// The emulator still runs a function.
async fn still_invokes(client: &Client) {
    let name = format!("alive-{}", unique());
    create(client, &name, support::test_lambda_zip(), 3, &[])
        .await
        .expect("CreateFunction");
    let answer = client
        .invoke()
        .function_name(&name)
        .payload(Blob::new(r#"{"ping": 1}"#))
        .send()
        .await
        .expect("Invoke");
    assert_eq!(answer.function_error(), None);
    assert_eq!(
        answer.payload().map(Blob::as_ref),
        Some(&br#"{"ping": 1}"#[..])
    );
}

fn unique() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed) * 1000 + std::process::id() % 1000
}

/// A JSON string of exactly `size` bytes.
fn json_string_of(size: usize) -> Vec<u8> {
    let mut payload = vec![b'a'; size.saturating_sub(2)];
    payload.insert(0, b'"');
    payload.push(b'"');
    payload
}

#[tokio::test]
async fn invoke_payloads_over_6_mb_are_refused_and_6_mb_round_trips() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    create(&client, "echo", support::test_lambda_zip(), 30, &[])
        .await
        .expect("CreateFunction");

    let err = client
        .invoke()
        .function_name("echo")
        .payload(Blob::new(json_string_of(6_291_457)))
        .send()
        .await
        .expect_err("over 6 MB");
    let service = err.into_service_error();
    assert_eq!(service.code(), Some("RequestEntityTooLargeException"));
    assert_eq!(
        service.message(),
        Some(
            "6291457 byte payload is too large for the RequestResponse invocation type \
             (limit 6291456 bytes)"
        )
    );

    // Exactly 6 MB goes in, and the function's 6 MB answer comes back (it used to time out
    // past 2 MB).
    let payload = json_string_of(6_291_456);
    let answer = client
        .invoke()
        .function_name("echo")
        .payload(Blob::new(payload.clone()))
        .send()
        .await
        .expect("Invoke of 6 MB");
    assert_eq!(answer.function_error(), None);
    assert_eq!(
        answer.payload().map(|p| p.as_ref().len()),
        Some(payload.len())
    );
    still_invokes(&client).await;
    emulator.shutdown().await;
}

/// A function whose answer is over 6 MB (+100 bytes) fails the invocation as AWS does.
#[tokio::test]
async fn function_responses_over_6_mb_fail_the_invocation() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    create(&client, "proxy", support::test_lambda_zip(), 30, &[])
        .await
        .expect("CreateFunction");
    // The test lambda answers a proxy event with the event quoted as a string: every `\"`
    // doubles, so 3.5 MB of them make a 7 MB answer.
    let mut payload = br#"{"httpMethod":"GET","path":"/x","blob":""#.to_vec();
    payload.extend(std::iter::repeat_n(br#"\""#, 1_750_000).flatten());
    payload.extend_from_slice(br#""}"#);
    let answer = client
        .invoke()
        .function_name("proxy")
        .payload(Blob::new(payload))
        .send()
        .await
        .expect("Invoke");
    assert_eq!(answer.function_error(), Some("Unhandled"));
    let document: serde_json::Value =
        serde_json::from_slice(answer.payload().expect("payload").as_ref()).expect("JSON");
    assert_eq!(document["errorType"], "Function.ResponseSizeTooLarge");
    let message = document["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Response payload size (")
            && message.ends_with(" bytes) exceeded maximum allowed payload size (6291556 bytes)."),
        "{message}"
    );
    still_invokes(&client).await;
    emulator.shutdown().await;
}

/// A small zip that inflates to 1.1 GB is refused before anything is written.
#[tokio::test]
async fn code_over_250_mb_unzipped_is_refused() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    let bomb = zip_bomb(1_100);
    assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
    let err = create(&client, "bomb", bomb, 3, &[])
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert_eq!(
        err.message(),
        Some("Unzipped size must be smaller than 262144000 bytes")
    );
    still_invokes(&client).await;
    emulator.shutdown().await;
}

/// `bootstrap` plus `copies` entries of 1 MiB of zeros each (compressed once, copied raw).
fn zip_bomb(copies: usize) -> Vec<u8> {
    let one = support::zip_with("zeros", &vec![0; 1024 * 1024]);
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(one)).expect("zip");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    writer.start_file("bootstrap", options).expect("entry");
    writer.write_all(b"#!/bin/sh\n").expect("write");
    for index in 0..copies {
        let entry = source.by_index_raw(0).expect("entry");
        writer
            .raw_copy_file_rename(entry, format!("zeros-{index}"))
            .expect("copy");
    }
    writer.finish().expect("finish").into_inner()
}

#[tokio::test]
async fn reserved_environment_variables_are_refused() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    let err = create(
        &client,
        "reserved",
        support::test_lambda_zip(),
        3,
        &[("AWS_LAMBDA_RUNTIME_API", "attacker.example:80")],
    )
    .await
    .expect_err("refused");
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert_eq!(
        err.message(),
        Some(
            "Lambda was unable to configure your environment variables because the environment \
             variables you have provided contains reserved keys that are currently not supported \
             for modification. Reserved keys used in this request: AWS_LAMBDA_RUNTIME_API"
        )
    );
    create(
        &client,
        "plain",
        support::test_lambda_zip(),
        3,
        &[("A", "1")],
    )
    .await
    .expect("CreateFunction");
    let err = client
        .update_function_configuration()
        .function_name("plain")
        .environment(Environment::builder().variables("AWS_REGION", "x").build())
        .send()
        .await
        .expect_err("refused");
    let err = err.into_service_error();
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert!(
        err.message()
            .is_some_and(|m| m.ends_with("Reserved keys used in this request: AWS_REGION")),
        "{err:?}"
    );
    // Found by the soak driver: a 300 KB environment was accepted, and every start of the
    // function then failed with "Argument list too long". AWS allows 4 KB.
    let err = client
        .update_function_configuration()
        .function_name("plain")
        .environment(
            Environment::builder()
                .variables("BIG", "x".repeat(300 * 1024))
                .build(),
        )
        .send()
        .await
        .expect_err("refused");
    let err = err.into_service_error();
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert!(
        err.message()
            .is_some_and(|m| m.contains("exceeded the 4KB limit. String measured: {\"BIG\"")),
        "{err:?}"
    );
    still_invokes(&client).await;
    emulator.shutdown().await;
}

/// A bootstrap that starts a `setsid` child (same parent) and a `setsid -f` child (orphaned
/// at once, so re-parented), reports its task root through a FIFO, then sleeps without ever
/// polling for work: three processes, found by the FIFO path in their environment.
struct Escapee {
    sleeps: [String; 3],
    fifo: PathBuf,
    _dir: tempfile::TempDir,
}

impl Escapee {
    fn new() -> Escapee {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("ready");
        let path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo(3) with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0, "mkfifo");
        let n = unique();
        let sleeps = [0, 1, 2].map(|k| format!("{}.{n:06}", 900 + k));
        Escapee {
            sleeps,
            fifo,
            _dir: dir,
        }
    }

    /// The zip, unique to this test (identical zips share one unpacked directory).
    fn zip(&self) -> Vec<u8> {
        let script = format!(
            "#!/bin/sh\n\
             # {}\n\
             setsid sleep \"$SLEEP_A\" &\n\
             setsid -f sleep \"$SLEEP_B\"\n\
             echo \"$LAMBDA_TASK_ROOT\" > \"$READY_FIFO\"\n\
             exec sleep \"$SLEEP_C\"\n",
            self.fifo.display()
        );
        support::zip_with("bootstrap", script.as_bytes())
    }

    async fn create(&self, client: &Client, name: &str, timeout: i32) {
        let fifo = self.fifo.to_string_lossy().into_owned();
        let env = [
            ("SLEEP_A", self.sleeps[0].as_str()),
            ("SLEEP_B", self.sleeps[1].as_str()),
            ("SLEEP_C", self.sleeps[2].as_str()),
            ("READY_FIFO", fifo.as_str()),
        ];
        create(client, name, self.zip(), timeout, &env)
            .await
            .expect("CreateFunction");
    }

    /// Waits (bounded) until the bootstrap has started its children; returns its task root.
    async fn ready(&self) -> PathBuf {
        let fifo = self.fifo.clone();
        let read = tokio::task::spawn_blocking(move || std::fs::read_to_string(fifo));
        let text = tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .expect("the bootstrap reports in time")
            .expect("join")
            .expect("read the FIFO");
        PathBuf::from(text.trim())
    }

    /// Waits (bounded) until the three `sleep`s run: the bootstrap reports in before its own
    /// `exec`, and a forked child may still be between `fork` and `exec` when it does.
    async fn settled(&self) -> Vec<(u32, String)> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = self.survivors();
            let running = |sleep: &String| {
                now.iter()
                    .any(|(_, cmd)| cmd.trim_end() == format!("sleep {sleep}"))
            };
            if self.sleeps.iter().all(running) || Instant::now() > deadline {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// This test's live processes (whatever they run now): those whose environment names its
    /// FIFO, which every process the bootstrap starts inherits.
    fn survivors(&self) -> Vec<(u32, String)> {
        let marker = format!("READY_FIFO={}", self.fifo.display());
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
                continue;
            };
            if environ
                .split(|b| *b == 0)
                .any(|var| var == marker.as_bytes())
            {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                found.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
            }
        }
        found
    }
}

/// Finding 6: a `setsid` grandchild outlived a function's timeout.
#[tokio::test]
async fn a_timed_out_function_leaves_no_process_behind() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    let escapee = Escapee::new();
    escapee.create(&client, "escapee", 1).await;
    let invoke = client.invoke().function_name("escapee").send();
    let (answer, task_root) = tokio::join!(invoke, escapee.ready());
    let answer = answer.expect("Invoke");
    assert_eq!(answer.function_error(), Some("Unhandled"));
    let document =
        String::from_utf8_lossy(answer.payload().expect("payload").as_ref()).into_owned();
    assert!(
        document.contains("Task timed out after 1.00 seconds"),
        "{document}"
    );
    assert_eq!(escapee.survivors(), Vec::new());
    assert!(task_root.is_dir(), "the function's code is still deployed");
    still_invokes(&client).await;
    emulator.shutdown().await;
    assert!(!task_root.exists(), "{} left behind", task_root.display());
}

/// Finding 6: shutdown waited for a 900 s invocation and left its processes and temp dirs.
#[tokio::test]
async fn shutdown_is_bounded_and_leaves_no_process_or_temp_dir() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    let escapee = Escapee::new();
    escapee.create(&client, "long", 900).await;
    let in_flight = tokio::spawn({
        let client = client.clone();
        async move { client.invoke().function_name("long").send().await }
    });
    let task_root = escapee.ready().await;
    let before = escapee.settled().await;
    assert_eq!(before.len(), 3, "{before:?}");
    let started = Instant::now();
    emulator.shutdown().await;
    let took = started.elapsed();
    eprintln!("shutdown with a 900 s invocation in flight took {took:?}");
    assert!(took < Duration::from_secs(4), "shutdown took {took:?}");
    assert_eq!(escapee.survivors(), Vec::new());
    assert!(!task_root.exists(), "{} left behind", task_root.display());
    let finished = tokio::time::timeout(Duration::from_secs(10), in_flight).await;
    assert!(finished.is_ok(), "the in-flight invocation never ended");
}

/// Dropping the emulator without `shutdown` kills the processes too.
#[tokio::test]
async fn dropping_the_emulator_kills_its_processes() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    let escapee = Escapee::new();
    escapee.create(&client, "dropped", 900).await;
    let _in_flight = tokio::spawn({
        let client = client.clone();
        async move { client.invoke().function_name("dropped").send().await }
    });
    let task_root = escapee.ready().await;
    assert_eq!(escapee.settled().await.len(), 3);
    drop(emulator);
    assert_eq!(escapee.survivors(), Vec::new());
    assert!(!task_root.exists(), "{} left behind", task_root.display());
}

/// `GET /_orderlab/usage`'s Lambda part: the asynchronous queue's fill.
async fn lambda_usage(emulator: &Emulator) -> serde_json::Value {
    let answer = reqwest::get(format!("{}/_orderlab/usage", emulator.endpoint()))
        .await
        .expect("usage answers");
    assert_eq!(answer.status(), 200);
    let usage: serde_json::Value = answer.json().await.expect("usage is JSON");
    usage["lambda"].clone()
}

/// The soak's memory (issue #10): asynchronous invocations were bounded at 1,000 events per
/// function, so functions receiving 1 MB events could hold gigabytes. They are bounded in bytes
/// across all functions now (what arrives beyond is discarded, still answered 202 as AWS
/// does), and a deleted function's queued invocations give their room back at once.
#[tokio::test]
async fn queued_asynchronous_invocations_are_bounded_in_bytes_and_go_with_their_function() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    // A bootstrap that never asks for work: each invocation holds an instance until the
    // function's 30 s timeout, so nothing leaves the queue while the test fills it.
    let zip = support::zip_with("bootstrap", b"#!/bin/sh\nexec sleep 60\n");
    for name in ["queue-a", "queue-b"] {
        create(&client, name, zip.clone(), 30, &[])
            .await
            .expect("CreateFunction");
    }
    let payload = json_string_of(1_048_576);
    for i in 0..160 {
        let answer = client
            .invoke()
            .function_name(if i % 2 == 0 { "queue-a" } else { "queue-b" })
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload.clone()))
            .send()
            .await
            .expect("an Event invocation is accepted");
        assert_eq!(answer.status_code(), 202);
    }
    let usage = lambda_usage(&emulator).await;
    let limit = 128 << 20;
    assert_eq!(usage["queuedBytesLimit"], limit, "{usage}");
    assert_eq!(usage["queuedBytes"], limit, "{usage}");
    assert_eq!(usage["queuedEvents"], 128, "{usage}");
    assert_eq!(usage["discardedEvents"], 32, "{usage}");

    for name in ["queue-a", "queue-b"] {
        client
            .delete_function()
            .function_name(name)
            .send()
            .await
            .expect("DeleteFunction");
    }
    // What waited for an instance is gone at once; at most the 10 running per function stay
    // until their timeout (AWS lets in-flight invocations finish).
    let deadline = Instant::now() + Duration::from_secs(10);
    let usage = loop {
        let usage = lambda_usage(&emulator).await;
        if usage["queuedEvents"].as_u64().is_some_and(|n| n <= 20) || Instant::now() > deadline {
            break usage;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        usage["queuedEvents"].as_u64().is_some_and(|n| n <= 20),
        "{usage}"
    );
    assert!(
        usage["queuedBytes"].as_u64().is_some_and(|n| n <= 20 << 20),
        "{usage}"
    );
    still_invokes(&client).await;
    emulator.shutdown().await;
}
