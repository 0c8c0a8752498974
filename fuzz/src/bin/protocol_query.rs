//! AFL++ target: `orderlab_emulator::fuzz::protocol_query` (input format in its docs and fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| orderlab_emulator::fuzz::protocol_query(data));
}
