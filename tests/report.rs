//! `--report` and `--summary` on two scenarios, the HTML opened in real headless Chromium (the
//! OS package): the DOM it builds holds the overview graph coloured by coverage and, for
//! happy-path, a picture whose highlighted states and edges are the happy path; a probe the
//! test adds to its own copy of the page (the report itself has no script) reads what the
//! browser laid out — every highlighted shape has a size and the highlight's stroke colour.
//! Skips, saying why, when no Chromium is installed (`.ci/run` installs it). The browser runs
//! in its own process group with a fresh profile in a temp dir and is killed within
//! [`BROWSER_BOUND`] whatever happens.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");
const BROWSER_BOUND: Duration = Duration::from_secs(60);

/// The happy path's states, in order.
const HAPPY_PATH: [&str; 6] = [
    "VerifyStock",
    "StockAvailable?",
    "CalculatePrice",
    "ProcessPayment",
    "PaymentApproved?",
    "CompleteOrder",
];

fn run_report(dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .current_dir(PROJECT)
        .args(["scenario", "happy-path", "payment-declined", "--report"])
        .arg(dir.join("report"))
        .arg("--summary")
        .arg(dir.join("summary.md"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout.contains("report written to"), "{stdout}");
    stdout
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .into_iter()
                .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
                .map(move |dir| dir.join(name))
        })
        .find(|path| path.is_file())
}

/// Appended to a copy of the report: for each highlighted shape of happy-path's picture, its
/// key, the width of the box the browser laid out and its computed stroke.
const PROBE: &str = r#"<pre id="probe"></pre><script>
const lines = [];
for (const el of document.querySelectorAll('svg[data-picture="path"] .taken')) {
  if (!el.closest('section').id.endsWith('happy-path')) continue;
  const box = el.getBBox();
  lines.push([el.dataset.key, el.tagName, Math.round(box.width), getComputedStyle(el).stroke].join(' | '));
}
document.getElementById('probe').textContent = lines.join('\n');
</script>"#;

/// `chromium --dump-dom file`, bounded: the browser's process group is killed after
/// [`BROWSER_BOUND`] and, in any case, once it is done.
fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let group = child.id() as i32;
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > BROWSER_BOUND {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The browser's helpers share its process group: none outlives the test.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.wait();
    let dom = reader.join().unwrap();
    assert!(
        status.is_some(),
        "Chromium did not finish within {BROWSER_BOUND:?}"
    );
    dom
}

#[test]
fn the_report_renders_the_graph_and_the_happy_path_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    run_report(dir.path());
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("| happy-path | ✅ passed |"), "{summary}");
    assert!(summary.contains("```mermaid\nflowchart TD\n"), "{summary}");
    assert!(summary.contains("linkStyle "), "{summary}");
    let html = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    assert!(!html.contains("<script"), "the report runs no script");
    let fetches = [
        "src=\"",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
        "<img",
    ];
    assert!(
        !fetches.iter().any(|f| html.contains(f)),
        "the report fetches nothing"
    );
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped the browser check: no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)"
        );
        return;
    };
    let page = dir.path().join("report/probe.html");
    std::fs::write(&page, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let dom = dump_dom(&browser, &page);
    assert!(
        dom.contains(r#"id="overview" data-picture="coverage""#),
        "no overview graph in the DOM"
    );
    assert!(
        dom.contains(r#"class="node covered" data-key="state:VerifyStock""#),
        "VerifyStock is not drawn as covered"
    );
    assert!(
        dom.contains(r#"class="node uncovered""#),
        "nothing is drawn as uncovered"
    );
    let probe = dom
        .split(r#"<pre id="probe">"#)
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .expect("the probe ran");
    let taken: Vec<&str> = probe.lines().collect();
    for state in HAPPY_PATH {
        let line = taken
            .iter()
            .find(|l| l.starts_with(&format!("state:{state} | rect")))
            .unwrap_or_else(|| panic!("{state} is not highlighted: {probe}"));
        assert!(line.ends_with("| rgb(230, 81, 0)"), "{line}");
        let width: f64 = line.split(" | ").nth(2).unwrap().parse().unwrap();
        assert!(width > 20.0, "{line}");
    }
    let edges = taken.iter().filter(|l| l.contains("| path |")).count();
    assert!(
        edges >= HAPPY_PATH.len(),
        "{edges} highlighted edges: {probe}"
    );
    assert!(
        !taken.iter().any(|l| l.starts_with("state:MarkRejected")),
        "a state off the happy path is highlighted: {probe}"
    );
}
