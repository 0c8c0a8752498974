//! Tokens of DynamoDB's expression languages, each with its byte span in the source so that
//! syntax errors can quote the text near them the way AWS does.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A bare word: attribute name, keyword or function name.
    Word(String),
    /// `#name`
    Name(String),
    /// `:value`
    Value(String),
    /// A list index inside `[` `]`.
    Int(String),
    /// `=`, `<>`, `<`, `<=`, `>`, `>=`, `(`, `)`, `,`, `.`, `[`, `]`, `+`, `-`
    Sym(&'static str),
    /// A character no token starts with.
    Bad(char),
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

const SYMBOLS: [&str; 14] = [
    "<>", "<=", ">=", "=", "<", ">", "(", ")", ",", ".", "[", "]", "+", "-",
];

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `source` into tokens, in one pass. Never fails: unknown characters become
/// [`Tok::Bad`].
pub fn tokenize(source: &str) -> Vec<Token> {
    // Token boundaries are char boundaries, so these slices always exist.
    let text = |start: usize, end: usize| source.get(start..end).unwrap_or_default().to_owned();
    let mut tokens = Vec::new();
    let mut rest = source.char_indices().peekable();
    while let Some(&(start, c)) = rest.peek() {
        if c.is_whitespace() {
            rest.next();
            continue;
        }
        let take_word = |rest: &mut std::iter::Peekable<std::str::CharIndices>| {
            let mut end = start + c.len_utf8();
            rest.next();
            while let Some(&(i, ch)) = rest.peek() {
                if !is_word_char(ch) {
                    break;
                }
                end = i + ch.len_utf8();
                rest.next();
            }
            end
        };
        let (tok, end) = if c == '#' || c == ':' {
            let end = take_word(&mut rest);
            let text = text(start, end);
            (
                if c == '#' {
                    Tok::Name(text)
                } else {
                    Tok::Value(text)
                },
                end,
            )
        } else if c.is_ascii_digit() {
            let end = take_word(&mut rest);
            (Tok::Int(text(start, end)), end)
        } else if is_word_char(c) {
            let end = take_word(&mut rest);
            (Tok::Word(text(start, end)), end)
        } else if let Some(sym) = SYMBOLS
            .iter()
            .find(|s| source.get(start..).is_some_and(|r| r.starts_with(**s)))
        {
            for _ in 0..sym.len() {
                rest.next();
            }
            (Tok::Sym(sym), start + sym.len())
        } else {
            rest.next();
            (Tok::Bad(c), start + c.len_utf8())
        };
        tokens.push(Token { tok, start, end });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_placeholders_and_symbols() {
        let toks: Vec<Tok> = tokenize("#a.b[2] <= :v AND size(x)<>:y")
            .into_iter()
            .map(|t| t.tok)
            .collect();
        assert_eq!(
            toks,
            vec![
                Tok::Name("#a".into()),
                Tok::Sym("."),
                Tok::Word("b".into()),
                Tok::Sym("["),
                Tok::Int("2".into()),
                Tok::Sym("]"),
                Tok::Sym("<="),
                Tok::Value(":v".into()),
                Tok::Word("AND".into()),
                Tok::Word("size".into()),
                Tok::Sym("("),
                Tok::Word("x".into()),
                Tok::Sym(")"),
                Tok::Sym("<>"),
                Tok::Value(":y".into()),
            ]
        );
    }
}
