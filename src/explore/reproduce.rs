//! Variants as scenario files: the base scenario's text with its `description`, `expect` and
//! `faults` blocks replaced — a new description, no exact expectations (a fault changes the
//! outcome; the invariants judge it), the base's faults plus the variant's. The text is what
//! runs (it is parsed into the variant's [`Scenario`]), so the file written for a violation
//! reproduces exactly what explore ran; beside it, the run's snapshot in
//! `<out>/snapshots/`, so `orderlab scenario --scenarios-dir <out> <name>` fails on the
//! invariant alone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::plan::Variant;
use crate::scenario::{self, Fault, FaultResponse, FaultTarget, Scenario};

/// Top-level keys the variant writes itself.
const REPLACED: [&str; 3] = ["description", "expect", "faults"];

/// The variant's scenario text: `base_text` (the base scenario's file) with `variant`'s
/// fault added to `base`'s.
pub fn variant_text(base: &Scenario, base_text: &str, variant: &Variant) -> String {
    let mut text = format!(
        "description: {}\n",
        quoted(&format!(
            "{} with one fault: {}",
            base.name,
            variant.describe()
        ))
    );
    for line in kept_lines(base_text, &REPLACED) {
        text.push_str(line);
        text.push('\n');
    }
    if !text.ends_with("\n\n") {
        text.push('\n');
    }
    text.push_str("faults:\n");
    for fault in base.faults.iter().chain(std::iter::once(&variant.fault())) {
        text.push_str(&fault_yaml(fault));
    }
    text
}

/// The variant's scenario, parsed from its text as `orderlab scenario` will parse the file.
pub fn variant_scenario(name: &str, text: &str, out_dir: &Path) -> anyhow::Result<Scenario> {
    let path = out_dir.join(format!("{name}.yaml"));
    scenario::parse(&path, name, text).map_err(|err| anyhow::anyhow!("{err}"))
}

/// `text` with its top-level `seed` replaced by `seed`.
pub fn with_seed(text: &str, seed: u64) -> String {
    let mut out = format!("seed: {seed}\n");
    for line in kept_lines(text, &["seed"]) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `text` with its top-level `schedule_seed` set to `seed` (the scheduler's seed alone).
pub fn with_schedule_seed(text: &str, seed: u64) -> String {
    let mut out = format!("schedule_seed: {seed}\n");
    for line in kept_lines(text, &["schedule_seed"]) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The lines of `text` outside the `replaced` top-level blocks (a block runs from its key at
/// column 0 to the next line that starts at column 0 with anything but a comment), and
/// without a leading document marker.
fn kept_lines<'a>(text: &'a str, replaced: &[&str]) -> Vec<&'a str> {
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        // A sequence may sit at column 0 under its key (`faults:` then `- state: …`).
        let entry = line == "-" || line.starts_with("- ");
        let top_level = !entry
            && line
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != '#');
        if top_level {
            let key = line.split(':').next().unwrap_or_default().trim();
            skipping = replaced.contains(&key);
            if line.trim_end() == "---" {
                continue;
            }
        }
        if !skipping {
            kept.push(line);
        }
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    kept
}

/// A double-quoted YAML scalar (JSON's escapes are YAML's).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// One `faults:` entry.
fn fault_yaml(fault: &Fault) -> String {
    let mut out = String::new();
    let _ = match &fault.target {
        FaultTarget::Function(name) => writeln!(out, "  - function: {}", quoted(name)),
        FaultTarget::State(name) => writeln!(out, "  - state: {}", quoted(name)),
    };
    let invocations = match fault.invocations.as_str() {
        "*" => "all",
        key => key,
    };
    let _ = writeln!(out, "    invocations: {}", quoted(invocations));
    let _ = match &fault.response {
        FaultResponse::Throw { error, cause } => writeln!(
            out,
            "    throw: {{error: {}, cause: {}}}",
            quoted(error),
            quoted(cause)
        ),
        FaultResponse::Timeout => writeln!(out, "    timeout: true"),
        FaultResponse::Return(value) => writeln!(out, "    return: {value}"),
    };
    out
}

/// Writes the reproducer: `<out>/<name>.yaml` headed by comments saying what was found, and
/// the run's snapshot in `<out>/snapshots/<name>.snap`. Returns the YAML's path.
pub fn write(
    out_dir: &Path,
    name: &str,
    text: &str,
    header: &[String],
    snapshot: &str,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut file = String::new();
    for line in header {
        for part in line.lines() {
            let _ = writeln!(file, "# {part}");
        }
    }
    file.push_str(text);
    let path = out_dir.join(format!("{name}.yaml"));
    std::fs::write(&path, file).with_context(|| format!("cannot write {}", path.display()))?;
    let snapshots = crate::paths::snapshots_dir(out_dir);
    crate::snapshot::check(&snapshots, name, snapshot, true)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "---\ndescription: >\n  two lines\n  of description\nseed: 7\n\
        inventory:\n  - {item_id: a, name: A, price: \"1.00\", stock: 3}\n\
        orders:\n  - customer: {name: N, email: n@example.com}\n    items:\n      - {item_id: a, quantity: 1}\n    payment_token: tok_approve\n\
        faults:\n- function: alex-payment\n  invocations: \"0\"\n  throw: {error: PaymentGatewayUnavailable}\n\
        expect:\n  statuses:\n    COMPLETED: 1\n# a trailing comment\n\
        invariants:\n  skip: {no-order-pending: \"why\"}\n";

    #[test]
    fn the_variant_text_keeps_the_base_and_adds_the_fault() {
        let base = scenario::parse(Path::new("base.yaml"), "base", BASE).unwrap();
        let variant = Variant {
            state_id: "Pay".into(),
            state: "Pay".into(),
            error: "Oops \"quoted\"".into(),
            attempt: 1,
            budget: 2,
        };
        let text = variant_text(&base, BASE, &variant);
        let parsed = variant_scenario("v", &text, Path::new("/tmp")).unwrap();
        assert_eq!(parsed.seed, 7);
        assert_eq!(parsed.inventory, base.inventory);
        assert_eq!(parsed.orders.len(), 1);
        assert_eq!(parsed.faults.len(), 2, "{text}");
        assert_eq!(parsed.faults[0], base.faults[0]);
        assert_eq!(parsed.faults[1], variant.fault());
        assert!(parsed.expected_statuses.is_none(), "{text}");
        assert_eq!(parsed.skipped_invariants, base.skipped_invariants);
        assert!(
            parsed
                .description
                .contains("base with one fault: Pay throws Oops \"quoted\" at attempts 0–1"),
            "{}",
            parsed.description
        );
        assert!(!text.contains("two lines"), "{text}");
        let reseeded = with_seed(BASE, 99);
        let parsed = scenario::parse(Path::new("b.yaml"), "b", &reseeded).unwrap();
        assert_eq!(parsed.seed, 99, "{reseeded}");
        assert_eq!(parsed.faults, base.faults);
    }

    #[test]
    fn timeouts_and_returns_round_trip() {
        let base = scenario::parse(Path::new("b.yaml"), "b", "description: d\nseed: 1\n").unwrap();
        let mut with_return = base.clone();
        with_return.faults.push(Fault {
            target: FaultTarget::State("S".into()),
            invocations: "*".into(),
            response: FaultResponse::Return(serde_json::json!({"a": [1, "x: y"]})),
        });
        let variant = Variant {
            state_id: "S".into(),
            state: "S".into(),
            error: "States.Timeout".into(),
            attempt: 0,
            budget: 0,
        };
        let text = variant_text(&with_return, "description: d\nseed: 1\n", &variant);
        let parsed = variant_scenario("v", &text, Path::new("/tmp")).unwrap();
        assert_eq!(parsed.faults[0], with_return.faults[0], "{text}");
        assert_eq!(parsed.faults[1].response, FaultResponse::Timeout);
    }
}
