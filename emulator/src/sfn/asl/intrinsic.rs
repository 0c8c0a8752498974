//! The syntax of intrinsic function calls (`States.Format('{}', $.x)`): string literals,
//! numbers, booleans, null, `$`/`$$` paths and nested calls, parsed into an [`Arg`] tree that
//! CreateStateMachine checks and the interpreter evaluates.
//!
//! Bounded: calls nest at most [`MAX_CALL_NESTING`] deep (the parser recurses once per level).

use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub enum Arg {
    Literal(Value),
    Path(String),
    Call(String, Vec<Arg>),
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    /// How many calls enclose the one being parsed.
    depth: usize,
}

/// The deepest intrinsic calls may nest (`States.Array(States.Array(…))`). AWS documents no
/// limit; this one keeps the recursive parser and evaluator far from the stack's end.
pub const MAX_CALL_NESTING: usize = 64;

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// The text between `start` and the current position.
    fn since(&self, start: usize) -> Option<&str> {
        std::str::from_utf8(self.text.get(start..self.pos)?).ok()
    }

    fn call(&mut self) -> Option<Arg> {
        if self.depth >= MAX_CALL_NESTING {
            return None;
        }
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.')
        {
            self.pos += 1;
        }
        let name = self.since(start)?.to_owned();
        self.skip_spaces();
        if self.peek()? != b'(' {
            return None;
        }
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_spaces();
            if self.peek()? == b')' {
                self.pos += 1;
                return Some(Arg::Call(name, args));
            }
            if !args.is_empty() {
                if self.peek()? != b',' {
                    return None;
                }
                self.pos += 1;
                self.skip_spaces();
            }
            self.depth += 1;
            let arg = self.arg();
            self.depth -= 1;
            args.push(arg?);
        }
    }

    fn arg(&mut self) -> Option<Arg> {
        match self.peek()? {
            b'\'' => self.string(),
            b'$' => {
                let start = self.pos;
                let mut depth = 0i32;
                while let Some(c) = self.peek() {
                    match c {
                        b'[' | b'(' => depth += 1,
                        b']' | b')' if depth > 0 => depth -= 1,
                        b',' | b')' if depth == 0 => break,
                        _ => {}
                    }
                    self.pos += 1;
                }
                Some(Arg::Path(self.since(start)?.trim_end().to_owned()))
            }
            b'S' => self.call(),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c != b',' && c != b')') {
                    self.pos += 1;
                }
                let word = self.since(start)?.trim();
                serde_json::from_str::<Value>(word).ok().map(Arg::Literal)
            }
        }
    }

    fn string(&mut self) -> Option<Arg> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek()? {
                b'\\' => {
                    let next = *self.text.get(self.pos + 1)?;
                    // `\{` and `\}` stay escaped so Format can tell them from placeholders.
                    if next == b'{' || next == b'}' {
                        out.push(b'\\');
                    }
                    out.push(next);
                    self.pos += 2;
                }
                b'\'' => {
                    self.pos += 1;
                    return String::from_utf8(out).ok().map(|s| Arg::Literal(json!(s)));
                }
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

/// Parses an intrinsic call expression (the whole text must be one call); `None` when it is
/// not one.
pub fn parse(expr: &str) -> Option<Arg> {
    let mut parser = Parser {
        text: expr.trim().as_bytes(),
        pos: 0,
        depth: 0,
    };
    let call = parser.call()?;
    (parser.pos == parser.text.len()).then_some(call)
}

/// True when `expr` parses as an intrinsic call (CreateStateMachine's check of `.$` values).
pub fn is_valid(expr: &str) -> bool {
    parse(expr).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded() {
        let nested =
            |depth: usize| format!("{}1{}", "States.Array(".repeat(depth), ")".repeat(depth));
        assert!(is_valid(&nested(MAX_CALL_NESTING)));
        assert!(!is_valid(&nested(MAX_CALL_NESTING + 1)));
        assert!(!is_valid(&nested(50_000)), "no stack overflow either");
    }

    #[test]
    fn a_call_is_the_whole_text() {
        assert!(is_valid("States.Format('{}', $.x)"));
        assert!(!is_valid("States.Format('{}', $.x) trailing"));
        assert!(!is_valid("$.x"));
    }
}
