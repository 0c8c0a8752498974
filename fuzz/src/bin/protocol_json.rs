//! AFL++ target: `orderlab_emulator::fuzz::protocol_json` (input format in its docs and fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| orderlab_emulator::fuzz::protocol_json(data));
}
