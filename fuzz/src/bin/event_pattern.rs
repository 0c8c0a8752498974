//! AFL++ target: `orderlab_emulator::fuzz::event_pattern` (input format in its docs and fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| orderlab_emulator::fuzz::event_pattern(data));
}
