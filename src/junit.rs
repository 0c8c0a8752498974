//! JUnit XML (`--junit <file>`): one `<testsuite name="orderlab">` with one `<testcase>` per
//! scenario; a failed snapshot or expectation is a `<failure>`, a scenario that could not run
//! an `<error>`, and the scenario's printed output goes to `<system-out>`.

use std::time::Duration;

use crate::suite::{Outcome, ScenarioReport};

/// The XML document for `reports`.
pub fn render(reports: &[ScenarioReport], wall_time: Duration) -> String {
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"orderlab\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">\n",
        reports.len(),
        count(Outcome::Failed),
        count(Outcome::Error),
        wall_time.as_secs_f64()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"orderlab scenarios\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.3}\">\n",
        reports.len(),
        count(Outcome::Failed),
        count(Outcome::Error),
        wall_time.as_secs_f64()
    ));
    for report in reports {
        xml.push_str(&testcase(report));
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn testcase(report: &ScenarioReport) -> String {
    let mut xml = format!(
        "    <testcase classname=\"orderlab.scenarios\" name=\"{}\" time=\"{:.3}\">\n",
        escape(&report.name),
        report.wall_time.as_secs_f64()
    );
    let element = match report.outcome {
        Outcome::Passed => None,
        Outcome::Failed => Some("failure"),
        Outcome::Error => Some("error"),
    };
    if let Some(element) = element {
        let first_line = report.message.lines().next().unwrap_or_default();
        xml.push_str(&format!(
            "      <{element} message=\"{}\">{}</{element}>\n",
            escape(first_line),
            escape(&report.message)
        ));
    }
    xml.push_str(&format!(
        "      <system-out>{}</system-out>\n    </testcase>\n",
        escape(&strip_ansi(&report.text))
    ));
    xml
}

/// Escapes text for an XML attribute or element; drops characters XML 1.0 forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// Removes ANSI colour sequences (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, outcome: Outcome, message: &str) -> ScenarioReport {
        ScenarioReport {
            name: name.into(),
            description: String::new(),
            outcome,
            message: message.into(),
            text: "\u{1b}[31m-old\u{1b}[0m <x>\n".into(),
            wall_time: Duration::from_millis(1500),
            phases: Vec::new(),
            histories: Vec::new(),
            details: None,
        }
    }

    #[test]
    fn one_testcase_per_scenario_with_failures_and_errors() {
        let xml = render(
            &[
                report("a", Outcome::Passed, ""),
                report("b", Outcome::Failed, "the snapshot differs"),
                report("c", Outcome::Error, "timed out & stuck"),
            ],
            Duration::from_secs(2),
        );
        assert_eq!(xml.matches("<testcase ").count(), 3);
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("name=\"b\" time=\"1.500\""), "{xml}");
        assert!(
            xml.contains("<failure message=\"the snapshot differs\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<error message=\"timed out &amp; stuck\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<system-out>-old &lt;x&gt;\n</system-out>"),
            "{xml}"
        );
    }
}
