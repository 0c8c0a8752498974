//! orderlab harness
