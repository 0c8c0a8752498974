//! What `explore` prints: a line per variant as it finishes, then the summary — variants run,
//! coverage before and after, the newly covered transitions, those no single fault reaches
//! and why, and every invariant violation with its reproducer; `--json` says the same as one
//! document.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Exploration, VariantResult};
use crate::coverage::Transition;
use crate::suite::Outcome;

/// How many newly covered or unreached transitions the text lists before "… and N more".
const LISTED: usize = 40;

/// One line for a finished variant: `  ok   <what> → <statuses> (+N new)`.
pub fn variant_line(result: &VariantResult) -> String {
    let report = &result.report;
    let label = match report.outcome {
        Outcome::Passed => "ok       ",
        Outcome::Failed => "VIOLATION",
        Outcome::Error => "not run  ",
    };
    let mut line = format!("  {label} {}", result.variant.describe());
    match report.outcome {
        Outcome::Error => {
            let first = report.message.lines().next().unwrap_or_default();
            let _ = write!(line, ": {first}");
        }
        _ => {
            let first = report.text.lines().next().unwrap_or_default();
            let _ = write!(line, " → {first}");
            if result.new_transitions > 0 {
                let _ = write!(line, " (+{} new)", result.new_transitions);
            }
        }
    }
    if report.outcome == Outcome::Failed {
        for violation in report.message.split("; ") {
            let _ = write!(line, "\n      {violation}");
        }
        if let Some(path) = &result.reproducer {
            let _ = write!(line, "\n      reproducer: {}", path.display());
        }
    }
    line.push('\n');
    line
}

/// The summary after the variant lines.
pub fn summary(exploration: &Exploration) -> String {
    let mut text = String::new();
    let count = |outcome| {
        exploration
            .variants
            .iter()
            .filter(|v| v.report.outcome == outcome)
            .count()
    };
    let _ = writeln!(
        text,
        "\nexplore {}: {} variants run in {:.1} s: {} ok, {} violating an invariant, {} not run",
        exploration.base,
        exploration.variants.len() - count(Outcome::Error),
        exploration.wall_time.as_secs_f64(),
        count(Outcome::Passed),
        count(Outcome::Failed),
        count(Outcome::Error),
    );
    write_plan(&mut text, exploration);
    let (before, after) = (
        exploration.baseline_coverage.transition_figure(),
        exploration.total_coverage.transition_figure(),
    );
    let _ = writeln!(
        text,
        "transitions covered: baseline ({} scenario{}) {}/{} ({:.1}%) → with faults {}/{} ({:.1}%)",
        exploration.baseline_names.len(),
        if exploration.baseline_names.len() == 1 {
            ""
        } else {
            "s"
        },
        before.covered,
        before.total,
        before.percent(),
        after.covered,
        after.total,
        after.percent(),
    );
    write_list(
        &mut text,
        &format!(
            "newly covered ({}), no baseline scenario reaches these:",
            exploration.newly_covered.len()
        ),
        exploration
            .newly_covered
            .iter()
            .map(|(t, by)| format!("{t}  (by {})", first_and_more(by))),
    );
    write_list(
        &mut text,
        &format!(
            "not reached by any run ({}), and why:",
            exploration.unreached.len()
        ),
        folded(&exploration.unreached).into_iter(),
    );
    for (name, problem) in &exploration.baseline_problems {
        let first = problem.lines().next().unwrap_or_default();
        let _ = writeln!(text, "note: baseline scenario {name}: {first}");
    }
    let violations: Vec<&VariantResult> = exploration.violations().collect();
    if violations.is_empty() {
        let _ = writeln!(text, "0 invariant violations");
    } else {
        let _ = writeln!(
            text,
            "{} variant(s) violate an invariant:",
            violations.len()
        );
        for result in violations {
            let _ = writeln!(text, "  {}", result.variant.describe());
            for violation in result.report.message.split("; ") {
                let _ = writeln!(text, "    {violation}");
            }
            if let Some(command) = &result.command {
                let _ = writeln!(text, "    reproduce: {command}");
            }
        }
    }
    text
}

fn write_plan(text: &mut String, exploration: &Exploration) {
    let plan = &exploration.plan;
    for skipped in &plan.skipped {
        let _ = writeln!(
            text,
            "not faulted: {}: {}",
            skipped.state_id, skipped.reason
        );
    }
    if !plan.truncated.is_empty() {
        let _ = writeln!(
            text,
            "{} more variants planned but left out by --max-variants",
            plan.truncated.len()
        );
    }
}

fn write_list(text: &mut String, heading: &str, lines: impl Iterator<Item = String>) {
    let lines: Vec<String> = lines.collect();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(text, "{heading}");
    for line in lines.iter().take(LISTED) {
        let _ = writeln!(text, "  {line}");
    }
    if lines.len() > LISTED {
        let _ = writeln!(
            text,
            "  … and {} more (--json lists all)",
            lines.len() - LISTED
        );
    }
}

/// `transition: why` lines, consecutive retry attempts of one clause and error with the same
/// reason folded into one (`attempts 1–3`).
pub fn folded(items: &[(Transition, String)]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut run: Option<(String, u32, u32, String)> = None;
    let flush = |run: &mut Option<(String, u32, u32, String)>, lines: &mut Vec<String>| {
        if let Some((head, first, last, why)) = run.take() {
            let attempts = if first == last {
                format!("attempt {first}")
            } else {
                format!("attempts {first}–{last}")
            };
            lines.push(format!("{head} {attempts}: {why}"));
        }
    };
    for (transition, why) in items {
        if let Transition::Retry {
            state,
            clause,
            error,
            attempt,
        } = transition
        {
            let head = format!("{state} retry {} [{error}]", clause + 1);
            match &mut run {
                Some((h, _, last, w)) if *h == head && *w == *why && *last + 1 == *attempt => {
                    *last = *attempt;
                }
                _ => {
                    flush(&mut run, &mut lines);
                    run = Some((head, *attempt, *attempt, why.clone()));
                }
            }
            continue;
        }
        flush(&mut run, &mut lines);
        lines.push(format!("{transition}: {why}"));
    }
    flush(&mut run, &mut lines);
    lines
}

/// `a`, `a and 2 more`.
fn first_and_more(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}

/// `--json`.
pub fn json(exploration: &Exploration) -> Value {
    let figure = |c: &crate::coverage::Coverage| {
        let f = c.transition_figure();
        json!({"covered": f.covered, "total": f.total, "percent": f.percent()})
    };
    let variants: Vec<Value> = exploration
        .variants
        .iter()
        .map(|v| {
            json!({
                "name": v.report.name,
                "state": v.variant.state_id,
                "error": v.variant.error,
                "attempt": v.variant.attempt,
                "retry_budget": v.variant.budget,
                "outcome": outcome_word(v.report.outcome),
                "statuses": v.report.text.lines().next().unwrap_or_default(),
                "message": v.report.message,
                "violations": v.report.details.as_ref().map(|d| d.problems.clone()).unwrap_or_default(),
                "new_transitions": v.new_transitions,
                "reproducer": v.reproducer.as_ref().map(|p| p.display().to_string()),
                "reproduce_command": v.command,
                "wall_time_ms": v.report.wall_time.as_millis() as u64,
            })
        })
        .collect();
    json!({
        "base": exploration.base,
        "exit_code": exploration.exit_code(),
        "wall_time_ms": exploration.wall_time.as_millis() as u64,
        "baseline": {
            "scenarios": exploration.baseline_names,
            "transitions": figure(&exploration.baseline_coverage),
            "not_passed": exploration.baseline_problems.iter().map(|(name, message)| json!({"scenario": name, "message": message})).collect::<Vec<_>>(),
        },
        "with_faults": {"transitions": figure(&exploration.total_coverage)},
        "variants": variants,
        "left_out_by_max_variants": exploration.plan.truncated.len(),
        "not_faulted": exploration.plan.skipped.iter().map(|s| json!({"state": s.state_id, "reason": s.reason})).collect::<Vec<_>>(),
        "newly_covered": exploration.newly_covered.iter().map(|(t, by)| json!({"transition": t.to_string(), "by": by})).collect::<Vec<_>>(),
        "unreached_folded": folded(&exploration.unreached),
        "unreached": exploration.unreached.iter().map(|(t, why)| json!({"transition": t.to_string(), "why": why})).collect::<Vec<_>>(),
    })
}

/// A run's outcome in `--json`: `ok`, `violation` or `not_run` (could not run, or not started).
pub fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "ok",
        Outcome::Failed => "violation",
        Outcome::Error => "not_run",
    }
}
