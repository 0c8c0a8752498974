//! AFL++ target: the harness's scenario loader (`orderlab::scenario::parse`) on one YAML file.
use std::path::Path;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        // A scenario file is read with `read_to_string`: text that is not UTF-8 never gets here.
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = orderlab::scenario::parse(Path::new("scenarios/fuzz.yaml"), "fuzz", text);
        }
    });
}
