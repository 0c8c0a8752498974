//! Recursive-descent parser for every DynamoDB expression kind. Precedence, loosest first:
//! OR, AND, NOT, then comparisons / BETWEEN / IN / functions, with parentheses.

use super::lexer::{Tok, Token, tokenize};
use super::reserved::is_reserved;
use super::{Action, CmpOp, Cond, Elem, Operand, Path, Placeholders, invalid};
use crate::dynamodb::model::AttrValue;
use crate::protocol::AwsError;

const GRAMMAR_WORDS: [&str; 9] = [
    "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE",
];
const CONDITION_FUNCTIONS: [&str; 6] = [
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "size",
];
const UPDATE_FUNCTIONS: [&str; 2] = ["if_not_exists", "list_append"];

/// Parses a condition (`kind` names the request member for error messages).
pub fn condition(source: &str, kind: &str, ph: &mut Placeholders) -> Result<Cond, AwsError> {
    let mut parser = Parser::new(source, kind, ph)?;
    let cond = parser.or()?;
    parser.finish()?;
    super::check::condition(&cond, kind)?;
    Ok(cond)
}

/// Parses an UpdateExpression into its actions, in source order.
pub fn update(source: &str, ph: &mut Placeholders) -> Result<Vec<Action>, AwsError> {
    let mut parser = Parser::new(source, "UpdateExpression", ph)?;
    let mut actions = Vec::new();
    let mut seen = Vec::new();
    while parser.peek().is_some() {
        let clause = parser.clause_keyword()?;
        if seen.contains(&clause) {
            return Err(invalid(
                "UpdateExpression",
                format!("The \"{clause}\" section can only be used once in an update expression;"),
            ));
        }
        seen.push(clause.clone());
        loop {
            actions.push(parser.action(&clause)?);
            if !parser.eat_sym(",") {
                break;
            }
        }
    }
    // Overlapping paths are reported before undefined placeholders.
    parser.expect_end()?;
    super::update::check_overlap(&actions)?;
    parser.finish()?;
    super::check::update_operands(&actions)?;
    Ok(actions)
}

/// Parses a ProjectionExpression: comma-separated paths.
pub fn projection(source: &str, ph: &mut Placeholders) -> Result<Vec<Path>, AwsError> {
    let mut parser = Parser::new(source, "ProjectionExpression", ph)?;
    let mut paths = vec![parser.path()?];
    while parser.eat_sym(",") {
        paths.push(parser.path()?);
    }
    parser.finish()?;
    reject_overlaps(&paths, "ProjectionExpression")?;
    Ok(paths)
}

/// AWS refuses two paths where one is the other or lies inside it.
pub fn reject_overlaps(paths: &[Path], kind: &str) -> Result<(), AwsError> {
    for (i, first) in paths.iter().enumerate() {
        for second in &paths[i + 1..] {
            let shorter = first.0.len().min(second.0.len());
            if first.0[..shorter] == second.0[..shorter] {
                return Err(invalid(
                    kind,
                    format!(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {first}, path two: {second}"
                    ),
                ));
            }
        }
    }
    Ok(())
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    kind: &'a str,
    ph: &'a mut Placeholders,
    /// The first undefined placeholder: AWS reports syntax errors before it.
    deferred: Option<AwsError>,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str, kind: &'a str, ph: &'a mut Placeholders) -> Result<Self, AwsError> {
        let tokens = tokenize(source);
        if tokens.is_empty() {
            return Err(invalid(kind, "The expression can not be empty;"));
        }
        Ok(Parser {
            source,
            tokens,
            pos: 0,
            kind,
            ph,
            deferred: None,
        })
    }

    fn defer(&mut self, detail: String) {
        if self.deferred.is_none() {
            self.deferred = Some(invalid(self.kind, detail));
        }
    }

    /// The end of the source, then any deferred placeholder error.
    fn finish(&mut self) -> Result<(), AwsError> {
        self.expect_end()?;
        match self.deferred.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Whether the group opened at `open` (and just closed) holds nothing but another group.
    fn wraps_group(&self, open: usize) -> bool {
        let close = self.pos - 1;
        let Some(Tok::Sym("(")) = self.tokens.get(open + 1).map(|t| &t.tok) else {
            return false;
        };
        let mut depth = 0usize;
        for (index, token) in self.tokens.iter().enumerate().skip(open + 1) {
            match token.tok {
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    depth -= 1;
                    if depth == 0 {
                        return index + 1 == close;
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, offset: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + offset).map(|t| &t.tok)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.peek_word(word);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        let found = matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), AwsError> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    fn expect_end(&self) -> Result<(), AwsError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax_error()),
        }
    }

    /// `Syntax error; token: "x", near: "a x b"` at the current token.
    fn syntax_error(&self) -> AwsError {
        let (token, near) = match self.tokens.get(self.pos) {
            Some(current) => {
                let from = self
                    .pos
                    .checked_sub(1)
                    .map_or(current.start, |p| self.tokens[p].start);
                let to = self.tokens.get(self.pos + 1).map_or(current.end, |t| t.end);
                (
                    &self.source[current.start..current.end],
                    &self.source[from..to],
                )
            }
            None => {
                let last = self.tokens.last().map_or(0, |t| t.start);
                ("<EOF>", &self.source[last..])
            }
        };
        invalid(
            self.kind,
            format!(
                "Syntax error; token: \"{token}\", near: \"{}\"",
                near.trim()
            ),
        )
    }

    fn or(&mut self) -> Result<Cond, AwsError> {
        let mut left = self.and()?;
        while self.eat_word("OR") {
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, AwsError> {
        let mut left = self.not()?;
        while self.eat_word("AND") {
            left = Cond::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Cond, AwsError> {
        if self.eat_word("NOT") {
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, AwsError> {
        let open = self.pos;
        if self.eat_sym("(") {
            let inner = self.or()?;
            self.expect_sym(")")?;
            if self.wraps_group(open) {
                return Err(invalid(
                    self.kind,
                    "The expression has redundant parentheses;",
                ));
            }
            return Ok(inner);
        }
        if let (Some(Tok::Word(name)), Some(Tok::Sym("("))) = (self.peek(), self.peek_at(1))
            && name != "size"
        {
            let name = name.clone();
            return self.function_condition(&name);
        }
        let left = self.operand(false)?;
        if self.eat_word("BETWEEN") {
            let low = self.operand(false)?;
            if !self.eat_word("AND") {
                return Err(self.syntax_error());
            }
            let high = self.operand(false)?;
            return Ok(Cond::Between(left, low, high));
        }
        if self.eat_word("IN") {
            self.expect_sym("(")?;
            let mut options = vec![self.operand(false)?];
            while self.eat_sym(",") {
                options.push(self.operand(false)?);
            }
            self.expect_sym(")")?;
            return Ok(Cond::In(left, options));
        }
        let op = self.comparator()?;
        let right = self.operand(false)?;
        Ok(Cond::Compare(left, op, right))
    }

    fn comparator(&mut self) -> Result<CmpOp, AwsError> {
        let op = match self.peek() {
            Some(Tok::Sym("=")) => CmpOp::Eq,
            Some(Tok::Sym("<>")) => CmpOp::Ne,
            Some(Tok::Sym("<")) => CmpOp::Lt,
            Some(Tok::Sym("<=")) => CmpOp::Le,
            Some(Tok::Sym(">")) => CmpOp::Gt,
            Some(Tok::Sym(">=")) => CmpOp::Ge,
            _ => return Err(self.syntax_error()),
        };
        self.pos += 1;
        Ok(op)
    }

    fn function_condition(&mut self, name: &str) -> Result<Cond, AwsError> {
        self.check_function(name, &CONDITION_FUNCTIONS)?;
        self.pos += 2;
        let cond = match name {
            "attribute_exists" => Cond::Exists(self.path()?),
            "attribute_not_exists" => Cond::NotExists(self.path()?),
            "attribute_type" => {
                let path = self.path()?;
                self.expect_sym(",")?;
                Cond::AttrType(path, self.operand(false)?)
            }
            _ => {
                let left = self.operand(false)?;
                self.expect_sym(",")?;
                let right = self.operand(false)?;
                if name == "begins_with" {
                    Cond::BeginsWith(left, right)
                } else {
                    Cond::Contains(left, right)
                }
            }
        };
        self.expect_sym(")")?;
        Ok(cond)
    }

    /// Rejects unknown functions and functions used where they are not allowed.
    fn check_function(&self, name: &str, allowed: &[&str]) -> Result<(), AwsError> {
        if allowed.contains(&name) {
            return Ok(());
        }
        let known = CONDITION_FUNCTIONS.contains(&name) || UPDATE_FUNCTIONS.contains(&name);
        if !known {
            return Err(invalid(
                self.kind,
                format!("Invalid function name; function: {name}"),
            ));
        }
        if self.kind == "UpdateExpression" {
            return Err(invalid(
                self.kind,
                format!("The function is not allowed in an update expression; function: {name}"),
            ));
        }
        Err(invalid(
            self.kind,
            format!(
                "The function is not allowed to be used this way in an expression; function: {name}"
            ),
        ))
    }

    /// An operand; in update expressions also `if_not_exists`, `list_append` and `+`/`-`.
    fn operand(&mut self, in_update: bool) -> Result<Operand, AwsError> {
        let left = self.simple_operand(in_update)?;
        if in_update {
            for (sym, plus) in [("+", true), ("-", false)] {
                if self.eat_sym(sym) {
                    let right = self.simple_operand(in_update)?;
                    return Ok(Operand::Arith(Box::new(left), plus, Box::new(right)));
                }
            }
        }
        Ok(left)
    }

    fn simple_operand(&mut self, in_update: bool) -> Result<Operand, AwsError> {
        match self.peek().cloned() {
            Some(Tok::Value(placeholder)) => {
                self.pos += 1;
                let value = self.ph.value(&placeholder).unwrap_or_else(|| {
                    self.defer(format!("An expression attribute value used in expression is not defined; attribute value: {placeholder}"));
                    AttrValue::Null
                });
                Ok(Operand::Value(value))
            }
            Some(Tok::Word(name)) if self.peek_at(1) == Some(&Tok::Sym("(")) => {
                let allowed: &[&str] = if in_update {
                    &UPDATE_FUNCTIONS
                } else {
                    &["size"]
                };
                self.check_function(&name, allowed)?;
                self.pos += 2;
                let operand = self.function_operand(&name)?;
                self.expect_sym(")")?;
                Ok(operand)
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    fn function_operand(&mut self, name: &str) -> Result<Operand, AwsError> {
        match name {
            "size" => Ok(Operand::Size(self.path()?)),
            "if_not_exists" => {
                let path = self.path()?;
                self.expect_sym(",")?;
                Ok(Operand::IfNotExists(path, Box::new(self.operand(true)?)))
            }
            _ => {
                let first = self.operand(true)?;
                self.expect_sym(",")?;
                let second = self.operand(true)?;
                Ok(Operand::ListAppend(Box::new(first), Box::new(second)))
            }
        }
    }

    /// `name ( '.' name | '[' int ']' )*`
    pub fn path(&mut self) -> Result<Path, AwsError> {
        let mut elems = vec![Elem::Attr(self.path_name()?)];
        loop {
            if self.eat_sym(".") {
                elems.push(Elem::Attr(self.path_name()?));
            } else if self.eat_sym("[") {
                let index = match self.peek() {
                    Some(Tok::Int(digits)) => digits.parse::<usize>().ok(),
                    _ => None,
                };
                let index = index.ok_or_else(|| self.syntax_error())?;
                self.pos += 1;
                self.expect_sym("]")?;
                elems.push(Elem::Index(index));
            } else {
                return Ok(Path(elems));
            }
        }
    }

    fn path_name(&mut self) -> Result<String, AwsError> {
        let name = match self.peek().cloned() {
            Some(Tok::Name(placeholder)) => self.ph.name(&placeholder).unwrap_or_else(|| {
                self.defer(format!("An expression attribute name used in the document path is not defined; attribute name: {placeholder}"));
                placeholder.clone()
            }),
            Some(Tok::Word(word)) => {
                let is_grammar = GRAMMAR_WORDS.iter().any(|g| g.eq_ignore_ascii_case(&word));
                if is_grammar || word.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(self.syntax_error());
                }
                if is_reserved(&word) {
                    return Err(invalid(
                        self.kind,
                        format!("Attribute name is a reserved keyword; reserved keyword: {word}"),
                    ));
                }
                word
            }
            _ => return Err(self.syntax_error()),
        };
        self.pos += 1;
        Ok(name)
    }

    fn clause_keyword(&mut self) -> Result<String, AwsError> {
        for clause in ["SET", "REMOVE", "ADD", "DELETE"] {
            if self.eat_word(clause) {
                return Ok(clause.to_owned());
            }
        }
        Err(self.syntax_error())
    }

    fn action(&mut self, clause: &str) -> Result<Action, AwsError> {
        let path = self.path()?;
        Ok(match clause {
            "SET" => {
                self.expect_sym("=")?;
                Action::Set(path, self.operand(true)?)
            }
            "REMOVE" => Action::Remove(path),
            "ADD" => Action::Add(path, self.value_operand()?),
            _ => Action::Delete(path, self.value_operand()?),
        })
    }

    /// ADD and DELETE take a value placeholder.
    fn value_operand(&mut self) -> Result<Operand, AwsError> {
        match self.peek() {
            Some(Tok::Value(_)) => self.simple_operand(false),
            _ => Err(self.syntax_error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::model::AttrValue;
    use serde_json::json;

    fn placeholders() -> Placeholders {
        Placeholders::from_input(&json!({
            "ExpressionAttributeNames": {"#s": "status", "#n": "name"},
            "ExpressionAttributeValues": {":v": {"N": "1"}, ":w": {"S": "x"}, ":s": {"SS": ["x"]}}
        }))
        .unwrap()
    }

    fn cond(text: &str) -> Result<Cond, AwsError> {
        condition(text, "ConditionExpression", &mut placeholders())
    }

    fn path(text: &str) -> Path {
        let mut ph = placeholders();
        Parser::new(text, "ProjectionExpression", &mut ph)
            .unwrap()
            .path()
            .unwrap()
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let parsed = cond("a = :v OR b = :v AND c = :v").unwrap();
        let Cond::Or(_, right) = parsed else {
            panic!("expected OR at the top: {parsed:?}")
        };
        assert!(matches!(*right, Cond::And(_, _)));
        let parsed = cond("(a = :v OR b = :v) AND NOT c = :v").unwrap();
        let Cond::And(left, right) = parsed else {
            panic!("expected AND at the top")
        };
        assert!(matches!(*left, Cond::Or(_, _)));
        assert!(matches!(*right, Cond::Not(_)));
    }

    #[test]
    fn nested_paths_and_placeholders() {
        assert_eq!(
            path("a.#s[2].c"),
            Path(vec![
                Elem::Attr("a".into()),
                Elem::Attr("status".into()),
                Elem::Index(2),
                Elem::Attr("c".into())
            ])
        );
    }

    #[test]
    fn functions_between_and_in() {
        assert!(matches!(
            cond("begins_with(#n, :w)").unwrap(),
            Cond::BeginsWith(_, Operand::Value(AttrValue::S(_)))
        ));
        assert!(matches!(
            cond("a BETWEEN :v AND :v").unwrap(),
            Cond::Between(..)
        ));
        assert!(matches!(cond("a IN (:v, :w)").unwrap(), Cond::In(_, v) if v.len() == 2));
        assert!(matches!(
            cond("size(a) > :v").unwrap(),
            Cond::Compare(Operand::Size(_), CmpOp::Gt, _)
        ));
    }

    #[test]
    fn errors_read_like_aws() {
        let msg = |text: &str| cond(text).unwrap_err().message;
        assert_eq!(
            msg("a = :nope"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"
        );
        assert_eq!(
            msg("#x = :v"),
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
        );
        assert_eq!(
            msg("status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
        );
        assert_eq!(
            msg("a x :v"),
            "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"a x :v\""
        );
        assert_eq!(
            msg("a ="),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""
        );
        assert_eq!(
            msg("foo(a)"),
            "Invalid ConditionExpression: Invalid function name; function: foo"
        );
        assert_eq!(
            msg(""),
            "Invalid ConditionExpression: The expression can not be empty;"
        );
    }

    #[test]
    fn update_clauses() {
        let actions = update(
            "SET a = a + :v, b = list_append(b, :w), c = if_not_exists(c, :v) REMOVE d ADD e :v DELETE f :s",
            &mut placeholders(),
        )
        .unwrap();
        assert_eq!(actions.len(), 6);
        assert!(matches!(
            &actions[0],
            Action::Set(_, Operand::Arith(_, true, _))
        ));
        assert!(matches!(&actions[3], Action::Remove(_)));
        assert!(matches!(&actions[5], Action::Delete(_, _)));
        let err = update("SET a = :v SET b = :v", &mut placeholders()).unwrap_err();
        assert!(
            err.message.contains("can only be used once"),
            "{}",
            err.message
        );
        let err = update("SET a = :v x", &mut placeholders()).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid UpdateExpression: Syntax error; token: \"x\", near: \":v x\""
        );
    }

    #[test]
    fn unused_placeholders_are_reported() {
        let mut ph = placeholders();
        condition("#s = :v", "ConditionExpression", &mut ph).unwrap();
        let err = ph.check_all_used(true).unwrap_err();
        assert_eq!(
            err.message,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}"
        );
    }
}
