//! The pictures on the application's own state machine and hand-made runs: the layout draws
//! every state and edge, a run's path is highlighted and nothing else, everything a scenario
//! or the application wrote is escaped in the HTML and the Markdown, the Markdown's Mermaid
//! diagram marks covered edges, and the timeline tells a retried failure from a caught one.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::graph::{self, Mark};
use super::timeline;
use crate::coverage::{self, Coverage, Event, EventKind, Model};
use crate::run::{Collected, Email, ExecutionRecord, Moment, OrderOutcome, Submission};
use crate::scenario::Via;
use crate::suite::{Outcome, RunDetails, ScenarioReport};

fn app_model() -> Model {
    coverage::load_model(&Path::new(env!("CARGO_MANIFEST_DIR")).join("app")).unwrap()
}

fn event(id: i64, kind: EventKind) -> Event {
    Event {
        id,
        previous: id - 1,
        kind,
    }
}

fn entered(id: i64, name: &str) -> Event {
    event(
        id,
        EventKind::StateEntered {
            name: name.into(),
            input: None,
        },
    )
}

fn exited(id: i64, name: &str) -> Event {
    event(id, EventKind::StateExited { name: name.into() })
}

/// VerifyStock → StockAvailable? → MarkRejected → Rejected, one failed VerifyStock attempt
/// retried on the way.
fn rejected_history() -> Vec<Event> {
    vec![
        event(1, EventKind::Other),
        entered(2, "VerifyStock"),
        event(3, EventKind::AttemptStarted),
        event(
            4,
            EventKind::Failed {
                error: Some("Lambda.ServiceException".into()),
            },
        ),
        event(5, EventKind::AttemptStarted),
        exited(6, "VerifyStock"),
        entered(7, "StockAvailable?"),
        exited(8, "StockAvailable?"),
        entered(9, "MarkRejected"),
        event(10, EventKind::AttemptStarted),
        exited(11, "MarkRejected"),
        entered(12, "Rejected"),
        exited(13, "Rejected"),
        event(14, EventKind::Other),
    ]
}

fn moments(n: usize) -> Vec<Moment> {
    (0..n)
        .map(|i| Moment {
            seconds: i as f64 * 1.5,
            event_type: format!("Event{i}"),
        })
        .collect()
}

const HOSTILE: &str = "<script>alert('x')</script> | \"quoted\" & `ticks`";

fn report(model: &Model) -> (ScenarioReport, Coverage) {
    let history = rejected_history();
    let execution = ExecutionRecord {
        status: "SUCCEEDED".into(),
        path: vec![
            "VerifyStock".into(),
            "StockAvailable?".into(),
            "MarkRejected".into(),
            "Rejected".into(),
        ],
        output: None,
        error: None,
        cause: None,
        failed_attempts: Vec::new(),
        history_span_seconds: 19.5,
        moments: moments(history.len()),
        history: history.clone(),
    };
    let collected = Collected {
        orders: vec![OrderOutcome {
            submission: Submission {
                order_id: "o-1".into(),
                via: Via::Api,
                http_status: Some(202),
                http_body: None,
            },
            executions: vec![execution],
        }],
        tables: BTreeMap::from([(
            "alex-orders".to_owned(),
            vec![json!({"order_id": "o-1", "status": "REJECTED", "note": HOSTILE})],
        )]),
        tables_before: BTreeMap::new(),
        emails: vec![Email {
            to: "a@example.com".into(),
            subject: HOSTILE.into(),
            body: HOSTILE.into(),
        }],
        raw_requests: Vec::new(),
        executions_started: 1,
    };
    let report = ScenarioReport {
        name: "hostile".into(),
        description: HOSTILE.into(),
        outcome: Outcome::Failed,
        message: HOSTILE.into(),
        text: String::new(),
        wall_time: Duration::from_millis(1),
        phases: Vec::new(),
        histories: vec![("o-1".into(), history)],
        details: Some(Arc::new(RunDetails {
            collected,
            orders_table: "alex-orders".into(),
            inventory_table: "alex-inventory".into(),
            diff: Some(format!("--- old\n+++ new\n-{HOSTILE}\n+safe")),
            problems: vec![HOSTILE.into()],
        })),
    };
    let coverage = coverage::of_reports(model, std::slice::from_ref(&report));
    (report, coverage)
}

#[test]
fn the_layout_draws_every_state_and_edge() {
    let model = app_model();
    let drawing = graph::draw(&model).unwrap();
    assert!(drawing.width > 100.0 && drawing.height > 100.0);
    for state in &model.states {
        let key = graph::state_key(&state.id);
        let boxed = drawing
            .shapes
            .iter()
            .any(|s| s.key == key && matches!(s.mark, Mark::Rect { .. }));
        assert!(boxed, "{key} has no box");
    }
    for transition in &model.transitions {
        let key = graph::edge_key(transition);
        let drawn = drawing
            .shapes
            .iter()
            .any(|s| s.key == key && matches!(s.mark, Mark::Path { .. }));
        assert!(drawn, "{key} has no edge");
    }
}

#[test]
fn a_path_highlights_what_the_execution_did_and_nothing_else() {
    let model = app_model();
    let keys = graph::keys_of(&model, &coverage::observe(&model, &rejected_history()));
    for key in [
        "start",
        "edge:start",
        "end",
        "state:VerifyStock",
        "state:Rejected",
        "edge:next:VerifyStock:StockAvailable?",
        "edge:retry:VerifyStock:0",
        "edge:next:MarkRejected:Rejected",
        "edge:end:Rejected",
    ] {
        assert!(keys.contains(key), "{key} missing from {keys:?}");
    }
    assert!(!keys.contains("state:CalculatePrice"), "{keys:?}");
    assert!(
        !keys.iter().any(|k| k.starts_with("edge:catch")),
        "{keys:?}"
    );
}

#[test]
fn the_html_escapes_everything_and_shows_the_run() {
    let model = app_model();
    let (report, coverage) = report(&model);
    let context = super::Context {
        model: &model,
        coverage: &coverage,
        clock: "virtual",
    };
    let html = super::render_html(context, &[report]).unwrap();
    assert!(!html.contains("<script>"), "unescaped script");
    assert!(
        html.contains("&lt;script&gt;alert("),
        "escaped text missing"
    );
    assert_eq!(
        html.matches(r#"data-picture="path""#).count(),
        1,
        "one path, one picture"
    );
    assert!(html.contains(r#"class="node taken" data-key="state:MarkRejected""#));
    assert!(html.contains(r#"class="node dim" data-key="state:CompleteOrder""#));
    assert!(html.contains(r#"class="node covered" data-key="state:VerifyStock""#));
    assert!(html.contains(r#"class="node uncovered" data-key="state:CompleteOrder""#));
    assert!(
        html.contains("VerifyStock retry 1 [Lambda.ServiceException] attempt 1"),
        "the retry is listed"
    );
    assert!(
        html.contains(r#"<tr class="retried">"#),
        "the retried attempt is marked"
    );
    assert!(html.contains("Tables after the run") && html.contains("Snapshot diff"));
    assert!(
        html.contains(r#"<span class="del">-&lt;script&gt;"#),
        "the diff line is classed and escaped"
    );
}

#[test]
fn the_markdown_escapes_cells_and_marks_covered_edges_in_mermaid() {
    let model = app_model();
    let (report, coverage) = report(&model);
    let md = super::render_summary(&model, &coverage, &[report]).unwrap();
    assert!(md.contains("| hostile | ❌ failed | &lt;script&gt;alert('x')&lt;/script&gt; \\| \"quoted\" &amp; &#96;ticks&#96; |"), "{md}");
    assert!(md.contains("```mermaid\nflowchart TD\n"), "{md}");
    assert!(md.contains(r#"["VerifyStock"]:::covered"#), "{md}");
    assert!(md.contains(r#"["CompleteOrder"]:::uncovered"#), "{md}");
    let lines: Vec<&str> = md.lines().collect();
    let edges: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("-->") || l.contains("-.->"))
        .collect();
    let solid = edges.iter().filter(|l| l.contains("-->")).count();
    assert!(solid >= 5 && solid < edges.len(), "{md}");
    let styled = lines
        .iter()
        .find(|l| l.trim_start().starts_with("linkStyle "))
        .expect("covered edges styled");
    assert_eq!(
        styled.split(' ').nth(3).unwrap().split(',').count(),
        solid,
        "{styled}"
    );
    assert_eq!(
        super::summary::mermaid("a \"b\" <c> #d"),
        "a #quot;b#quot; #lt;c#gt; #35;d"
    );
}

#[test]
fn the_timeline_tells_retried_from_caught_failures() {
    let mut history = rejected_history();
    let rows = timeline::rows(&history, &moments(history.len()));
    assert_eq!(rows[3].class, "retried");
    assert_eq!(rows[3].detail, "Lambda.ServiceException — retried");
    assert_eq!(rows[3].state, "VerifyStock");
    assert_eq!(rows[3].time, "+4.500 s");
    assert_eq!(rows[1].class, "entered");
    // No further attempt: the execution went on elsewhere, so the error was caught.
    history.remove(4);
    let rows = timeline::rows(&history, &moments(history.len()));
    assert_eq!(rows[3].class, "caught");
    history.truncate(4);
    let rows = timeline::rows(&history, &moments(history.len()));
    assert_eq!(rows[3].class, "failed");
    let (segments, ticks) = timeline::strip(&rejected_history(), &moments(14));
    assert_eq!(segments.len(), 4);
    assert_eq!(ticks.len(), 1);
    assert!(
        segments
            .iter()
            .all(|s| s.x >= 0.0 && s.x + s.w <= timeline::STRIP_WIDTH + 2.0)
    );
}

#[test]
fn the_timeline_reads_interleaved_iterations_along_their_chains() {
    let at = |id: i64, previous: i64, kind: EventKind| Event { id, previous, kind };
    let enter = |name: &str| EventKind::StateEntered {
        name: name.into(),
        input: None,
    };
    let exit = |name: &str| EventKind::StateExited { name: name.into() };
    // Two iterations (3 and 4): Lookup fails and is retried while Pause ends and Done runs.
    let history = vec![
        at(1, 0, enter("Each")),
        at(2, 1, EventKind::ContainerStarted),
        at(3, 2, EventKind::IterationStarted),
        at(4, 2, EventKind::IterationStarted),
        at(5, 3, enter("Lookup")),
        at(6, 5, EventKind::AttemptStarted),
        at(7, 4, enter("Pause")),
        at(
            8,
            6,
            EventKind::Failed {
                error: Some("States.Timeout".into()),
            },
        ),
        at(9, 7, exit("Pause")),
        at(10, 9, enter("Done")),
        at(11, 8, EventKind::AttemptStarted),
        at(12, 10, exit("Done")),
        at(13, 11, exit("Lookup")),
    ];
    let rows = timeline::rows(&history, &moments(history.len()));
    assert_eq!(rows[7].state, "Lookup");
    assert_eq!(
        rows[7].class, "retried",
        "Pause ending is another iteration's"
    );
    assert_eq!(rows[10].state, "Lookup");
    assert_eq!(rows[9].state, "Done");
    let (segments, _) = timeline::strip(&history, &moments(history.len()));
    let titles: Vec<&str> = segments.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Pause: +9.000 s to +12.000 s",
            "Done: +13.500 s to +16.500 s",
            "Lookup: +6.000 s to +18.000 s"
        ]
    );
}
