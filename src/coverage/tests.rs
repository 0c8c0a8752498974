//! Coverage on small definitions and synthetic histories.

use serde_json::json;

use super::history::{Event, EventKind, kind_of, observe};
use super::model::{Model, StateType, Transition};
use super::report::Coverage;

fn model() -> Model {
    Model::from_definition(&json!({
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [
                    {"ErrorEquals": ["Busy"], "MaxAttempts": 2},
                    {"ErrorEquals": ["Flaky", "Slow"], "MaxAttempts": 1}
                ],
                "Catch": [
                    {"ErrorEquals": ["Bad"], "Next": "Failed"},
                    {"ErrorEquals": ["States.ALL"], "Next": "Cleanup"}
                ],
                "Next": "Ok?"
            },
            "Ok?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Fan"}],
                "Default": "Cleanup"
            },
            "Fan": {
                "Type": "Parallel", "End": true,
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}
                ]
            },
            "Cleanup": {
                "Type": "Map", "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Undo", "States": {
                    "Undo": {"Type": "Task", "Resource": "x", "End": true}
                }},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                "Next": "Failed"
            },
            "Failed": {"Type": "Fail", "Error": "E"}
        }
    }))
    .unwrap()
}

/// Builds a history whose events point back at the one before, as a sequential run does.
#[derive(Default)]
struct History(Vec<Event>);

impl History {
    fn push(&mut self, kind: EventKind) -> i64 {
        let previous = self.0.last().map_or(0, |e| e.id);
        self.push_after(previous, kind)
    }

    fn push_after(&mut self, previous: i64, kind: EventKind) -> i64 {
        let id = self.0.len() as i64 + 1;
        self.0.push(Event { id, previous, kind });
        id
    }

    fn enter(&mut self, name: &str) -> &mut Self {
        self.push(EventKind::StateEntered {
            name: name.into(),
            input: None,
        });
        self
    }

    fn exit(&mut self, name: &str) -> &mut Self {
        self.push(EventKind::StateExited { name: name.into() });
        self
    }

    fn event(&mut self, type_name: &str, error: Option<&str>) -> &mut Self {
        self.push(kind_of(type_name, error.map(str::to_owned)));
        self
    }

    fn task(&mut self, name: &str, failures: &[&str]) -> &mut Self {
        self.enter(name);
        for error in failures {
            self.event("TaskScheduled", None)
                .event("TaskFailed", Some(error));
        }
        self
    }
}

fn next(from: &str, to: &str) -> Transition {
    Transition::Next {
        from: from.into(),
        to: to.into(),
    }
}

#[test]
fn the_model_lists_states_with_their_paths_and_every_transition() {
    let model = model();
    let ids: Vec<&str> = model.states.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "Work",
            "Ok?",
            "Fan",
            "Fan[0]/A",
            "Fan[1]/B",
            "Cleanup",
            "Cleanup/Undo",
            "Failed"
        ]
    );
    assert_eq!(model.state("Cleanup").unwrap().kind, StateType::Map);
    let names: Vec<String> = model.transitions.iter().map(ToString::to_string).collect();
    for expected in [
        "Work → Ok?",
        "Work retry 1 [Busy] attempt 2",
        "Work retry 2 [Slow] attempt 1",
        "Work catch 2 [States.ALL] → Cleanup",
        "Ok? rule 1 → Fan",
        "Ok? default → Cleanup",
        "Fan branch 2",
        "Fan[0]/A end",
        "Fan[1]/B end",
        "Cleanup iteration",
        "Cleanup catch 1 [States.ALL] → Failed",
        "Cleanup/Undo end",
        "Failed end",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected} in {names:#?}"
        );
    }
    // 1 Next + 2+2 retries + 2 catches (Work); rule + default; 2 branches + end (Fan);
    // A end, B end; Next + catch + iteration (Cleanup); Undo end; Failed end.
    assert_eq!(
        model.transitions.len(),
        7 + 2 + 3 + 2 + 3 + 1 + 1,
        "{names:#?}"
    );
}

#[test]
fn retries_are_counted_per_clause_then_the_choice_and_both_branches() {
    let model = model();
    let mut h = History::default();
    h.task("Work", &["Busy", "Flaky", "Busy"])
        .event("TaskScheduled", None)
        .event("TaskSucceeded", None)
        .exit("Work")
        .enter("Ok?")
        .exit("Ok?")
        .enter("Fan")
        .event("ParallelStateStarted", None);
    let started = h.0.last().unwrap().id;
    // The branches interleave: each first state points back at ParallelStateStarted.
    let a = h.push_after(
        started,
        EventKind::StateEntered {
            name: "A".into(),
            input: None,
        },
    );
    let b = h.push_after(
        started,
        EventKind::StateEntered {
            name: "B".into(),
            input: None,
        },
    );
    let a_exit = h.push_after(a, EventKind::StateExited { name: "A".into() });
    h.push_after(b, EventKind::StateExited { name: "B".into() });
    h.push_after(a_exit, kind_of("ParallelStateSucceeded", None));
    h.exit("Fan");
    let seen = observe(&model, &h.0);
    assert!(seen.unmatched.is_empty(), "{:?}", seen.unmatched);
    let retry = |clause, error: &str, attempt| Transition::Retry {
        state: "Work".into(),
        clause,
        error: error.into(),
        attempt,
    };
    let expected = [
        retry(0, "Busy", 1),
        retry(1, "Flaky", 1),
        retry(0, "Busy", 2),
        next("Work", "Ok?"),
        Transition::ChoiceRule {
            state: "Ok?".into(),
            rule: 0,
            to: "Fan".into(),
        },
        Transition::ParallelBranch {
            state: "Fan".into(),
            branch: 0,
        },
        Transition::ParallelBranch {
            state: "Fan".into(),
            branch: 1,
        },
        Transition::End {
            state: "Fan[0]/A".into(),
        },
        Transition::End {
            state: "Fan[1]/B".into(),
        },
        Transition::End {
            state: "Fan".into(),
        },
    ];
    assert_eq!(seen.transitions, expected.into_iter().collect());
    assert_eq!(seen.states.len(), 5, "{:?}", seen.states);
}

#[test]
fn an_error_the_retriers_give_up_on_is_caught_by_the_first_clause_naming_it() {
    let model = model();
    let mut h = History::default();
    h.task("Work", &["Bad"]).exit("Work").enter("Failed");
    let seen = observe(&model, &h.0);
    let caught = Transition::Catch {
        state: "Work".into(),
        clause: 0,
        error: "Bad".into(),
        to: "Failed".into(),
    };
    assert!(seen.transitions.contains(&caught), "{:?}", seen.transitions);
    assert!(seen.transitions.contains(&Transition::End {
        state: "Failed".into()
    }));
    let mut h = History::default();
    h.task("Work", &["Busy", "Busy", "Busy"])
        .exit("Work")
        .enter("Cleanup");
    let seen = observe(&model, &h.0);
    let names: Vec<String> = seen.transitions.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "Work catch 2 [States.ALL] → Cleanup",
            "Work retry 1 [Busy] attempt 1",
            "Work retry 1 [Busy] attempt 2",
        ]
    );
}

#[test]
fn a_failure_inside_a_map_body_is_the_maps_error_and_each_iteration_starts_afresh() {
    let model = model();
    let mut h = History::default();
    h.task("Work", &[])
        .event("TaskScheduled", None)
        .exit("Work")
        .enter("Ok?")
        .exit("Ok?")
        .enter("Cleanup")
        .event("MapStateStarted", None);
    for iteration in 0..2 {
        h.event("MapIterationStarted", None).enter("Undo");
        if iteration == 0 {
            h.exit("Undo").event("MapIterationSucceeded", None);
        } else {
            h.event("TaskScheduled", None)
                .event("TaskFailed", Some("Boom"))
                .event("MapIterationFailed", None)
                .event("MapStateFailed", None);
        }
    }
    h.exit("Cleanup").enter("Failed");
    let seen = observe(&model, &h.0);
    assert!(seen.unmatched.is_empty(), "{:?}", seen.unmatched);
    let names: Vec<String> = seen.transitions.iter().map(ToString::to_string).collect();
    for expected in [
        "Ok? default → Cleanup",
        "Cleanup iteration",
        "Cleanup/Undo end",
        "Cleanup catch 1 [States.ALL] → Failed",
        "Failed end",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected} in {names:?}"
        );
    }
    assert!(!names.contains(&"Cleanup → Failed".to_owned()), "{names:?}");
}

#[test]
fn what_the_definition_does_not_explain_is_reported_not_dropped() {
    let model = model();
    let mut h = History::default();
    h.task("Work", &["Unknown"])
        .event("TaskScheduled", None)
        .exit("Work")
        .enter("Ghost");
    let seen = observe(&model, &h.0);
    let messages: Vec<&String> = seen.unmatched.iter().collect();
    assert_eq!(
        messages,
        [
            "Work retried Unknown but no Retry clause names it",
            "state Ghost is not in the definition"
        ]
    );
}

#[test]
fn a_catch_whose_error_the_history_does_not_name_is_read_from_its_target() {
    let model = model();
    let mut h = History::default();
    // No failure event (a path error, say): Work goes to Failed, which only catch 1 leads to.
    h.task("Work", &[]).exit("Work").enter("Failed");
    let seen = observe(&model, &h.0);
    let names: Vec<String> = seen.transitions.iter().map(ToString::to_string).collect();
    assert!(
        names.contains(&"Work catch 1 [Bad] → Failed".to_owned()),
        "{names:?}"
    );
}

#[test]
fn the_report_counts_folds_retries_and_agrees_with_its_json() {
    let model = model();
    let mut coverage = Coverage::new(&model);
    let mut h = History::default();
    h.task("Work", &["Busy"])
        .event("TaskScheduled", None)
        .exit("Work")
        .enter("Ok?")
        .exit("Ok?")
        .enter("Cleanup");
    coverage.add("s1", "o1", &observe(&model, &h.0));
    coverage.add("s2", "o2", &observe(&model, &h.0));
    let states = coverage.state_figure();
    assert_eq!((states.covered, states.total), (3, 8));
    assert_eq!(states.percent(), 37.5);
    let transitions = coverage.transition_figure();
    assert_eq!((transitions.covered, transitions.total), (3, 19));
    let uncovered = coverage.uncovered_transitions();
    assert!(
        uncovered.contains(&"Work retry 1 [Busy] attempt 2".to_owned()),
        "{uncovered:?}"
    );
    assert!(
        uncovered.contains(&"Work retry 2 [Flaky] attempt 1".to_owned()),
        "{uncovered:?}"
    );
    let summary = coverage.summary();
    assert!(summary.contains("states       3/8 (37.5%)"), "{summary}");
    assert!(summary.contains("transitions  3/19 (15.8%)"), "{summary}");
    assert!(
        summary.contains("uncovered states: Fan, Fan[0]/A"),
        "{summary}"
    );
    let json = coverage.to_json();
    assert_eq!(json["states"]["covered"], 3);
    assert_eq!(json["transitions"]["total"], 19);
    assert_eq!(json["transitions"]["percent"], 15.8);
    assert_eq!(json["executions"], 2);
    let work_next = &json["transitions"]["items"][0];
    assert_eq!(work_next["name"], "Work → Ok?");
    assert_eq!(work_next["kind"], "next");
    assert_eq!(work_next["hits"][1]["scenario"], "s2");
    assert!(
        coverage.shortfall(20.0).is_some(),
        "states pass, transitions do not"
    );
    assert!(coverage.shortfall(15.8).is_some(), "15.79 is below 15.8");
    assert!(coverage.shortfall(15.7).is_none());
    let short = coverage.shortfall(100.0).unwrap();
    assert!(
        short.starts_with("coverage below 100%: states 37.5%, transitions 15.8%"),
        "{short}"
    );
    assert!(short.contains("\n  uncovered state: Failed"), "{short}");
}

#[test]
fn rules_leading_to_the_same_state_are_told_apart_by_evaluating_them() {
    let model = Model::from_definition(&json!({
        "StartAt": "Size?",
        "States": {
            "Size?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Done"},
                    {"Variable": "$.n", "NumericLessThan": 0, "Next": "Done"}
                ],
                "Default": "Done"
            },
            "Done": {"Type": "Succeed"}
        }
    }))
    .unwrap();
    let run = |input: Option<&str>| {
        let mut h = History::default();
        h.push(EventKind::StateEntered {
            name: "Size?".into(),
            input: input.map(str::to_owned),
        });
        h.exit("Size?").enter("Done");
        observe(&model, &h.0)
    };
    let names = |input| -> Vec<String> {
        run(input)
            .transitions
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert!(names(Some(r#"{"n": -3}"#)).contains(&"Size? rule 2 → Done".to_owned()));
    assert!(names(Some(r#"{"n": 5}"#)).contains(&"Size? default → Done".to_owned()));
    let unknown = run(None);
    assert_eq!(
        unknown.unmatched.iter().next().map(String::as_str),
        Some("Size? → Done: 3 rules lead there and the history does not say which matched")
    );
}
