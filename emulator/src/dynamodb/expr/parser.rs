//! Parser for every DynamoDB expression kind, in AWS's order of checks: the 4 KB size, then
//! syntax (a redundant pair of parentheses counts as one, reported where it closes), then — in
//! the order they appear — reserved words used as names and functions that are unknown or do
//! not belong where they stand (a function before its arguments), then an update's repeated
//! clause, then — in the order they appear — undefined placeholders, too-deep document paths,
//! `IN` lists over 100 operands and calls with wrong operands; then each kind's own checks, and
//! the operator count last. An update differs after its repeated clause: too-deep paths,
//! overlapping paths, the first undefined name, then of the actions with an undefined value,
//! a wrong call or a wrong operand type the *last* one.
//! (Observed with DynamoDB Local 3.3.1, e.g. a syntax error at the end of an expression is
//! reported before a reserved word or an unknown function at its start.) A refused function's
//! arguments are still scanned, so a syntax error after it is found first.
//!
//! Precedence, loosest first: OR, AND, NOT, then comparisons / BETWEEN / IN / functions, with
//! parentheses. Nothing recurses as deep as the input nests: the boolean layer ([`boolean`])
//! runs on an explicit stack, and so does the one update function that nests
//! (`if_not_exists`); `list_append`'s arguments are one level deep at most, and a refused
//! call's are only scanned, on a stack ([`calls`], which also checks each call's operands).

mod boolean;
mod calls;

use std::sync::Arc;

use super::lexer::{Tok, Token, tokenize};
use super::limits;
use super::overlap::reject_overlaps;
use super::reserved::is_reserved;
use super::{Action, CmpOp, Cond, Elem, Operand, Path, Placeholders, invalid};
use crate::dynamodb::model::AttrValue;
use crate::protocol::AwsError;
use calls::{misused_function, refused_condition, refused_operand};

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
    let cond = parser.boolean()?;
    parser.end()?;
    parser.take_deferred()?;
    limits::check_operators(parser.operators, kind)?;
    Ok(cond)
}

/// Parses an UpdateExpression into its actions, in source order.
pub fn update(source: &str, ph: &mut Placeholders) -> Result<Vec<Action>, AwsError> {
    let mut parser = Parser::new(source, "UpdateExpression", ph)?;
    let mut actions = Vec::new();
    let mut seen = Vec::new();
    let mut repeated = None;
    let mut last_failed = None;
    while parser.peek().is_some() {
        let clause = parser.clause_keyword()?;
        if seen.contains(&clause) {
            repeated.get_or_insert_with(|| {
                invalid(
                    "UpdateExpression",
                    format!(
                        "The \"{clause}\" section can only be used once in an update expression;"
                    ),
                )
            });
        }
        seen.push(clause);
        loop {
            let action = parser.action(clause)?;
            // Each action's first undefined value, operand count, path or operand type: the
            // last action with one is reported.
            let failed = parser.deferred.take();
            if let Some(err) = failed.or_else(|| super::check::action_operands(&action).err()) {
                last_failed = Some(err);
            }
            actions.push(action);
            if !parser.eat_sym(",") {
                break;
            }
        }
    }
    parser.end()?;
    if let Some(err) = repeated {
        return Err(err);
    }
    // A too-deep path, then overlapping paths, then the first undefined name, then the last
    // failing action.
    if let Some(err) = parser.deep_path.take() {
        return Err(err);
    }
    super::update::check_overlap(&actions)?;
    if let Some(err) = parser.undefined_name.take().or(last_failed) {
        return Err(err);
    }
    limits::check_operators(parser.operators, "UpdateExpression")?;
    Ok(actions)
}

/// Parses a ProjectionExpression: comma-separated paths.
pub fn projection(source: &str, ph: &mut Placeholders) -> Result<Vec<Path>, AwsError> {
    let mut parser = Parser::new(source, "ProjectionExpression", ph)?;
    let mut paths = vec![parser.path()?];
    while parser.eat_sym(",") {
        paths.push(parser.path()?);
    }
    parser.end()?;
    parser.take_deferred()?;
    let refs: Vec<&Path> = paths.iter().collect();
    reject_overlaps(&refs, "ProjectionExpression")?;
    Ok(paths)
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    kind: &'a str,
    ph: &'a mut Placeholders,
    /// The first reserved word used as a name or misplaced function: reported once the syntax
    /// is known good.
    reserved: Option<AwsError>,
    /// The first undefined placeholder, too-deep path (conditions, projections), `IN` with
    /// too many operands, call with a wrong number of operands or value where a call needs a
    /// path: reported after the syntax and reserved words.
    deferred: Option<AwsError>,
    /// An update's first too-deep path: reported before overlapping paths.
    deep_path: Option<AwsError>,
    /// An update's first undefined name: reported before its actions' failures.
    undefined_name: Option<AwsError>,
    /// Operators and functions so far.
    operators: usize,
}

/// What [`Parser::leaf`] found.
enum Leaf {
    Cond(Cond),
    /// An operand right before `)`, and whether no error was deferred before it.
    Operand(Operand, bool),
}

/// Where an operand stands, which decides the functions it may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In a condition: `size` only.
    Condition,
    /// An update action's whole value: `if_not_exists` and `list_append`.
    Value,
    /// A function's argument or a side of `+`/`-`: `if_not_exists` only.
    Nested,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str, kind: &'a str, ph: &'a mut Placeholders) -> Result<Self, AwsError> {
        limits::check_size(source, kind)?;
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
            reserved: None,
            deferred: None,
            deep_path: None,
            undefined_name: None,
            operators: 0,
        })
    }

    /// A reserved word or a refused function, kept if it is the first.
    fn note(&mut self, err: AwsError) {
        if self.reserved.is_none() {
            self.reserved = Some(err);
        }
    }

    fn defer(&mut self, err: AwsError) {
        if self.deferred.is_none() {
            self.deferred = Some(err);
        }
    }

    /// The end of the source, then the first reserved word.
    fn end(&mut self) -> Result<(), AwsError> {
        self.expect_end()?;
        match self.reserved.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn take_deferred(&mut self) -> Result<(), AwsError> {
        match self.deferred.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
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

    /// The source between two byte offsets (token boundaries, so always char boundaries).
    fn text(&self, from: usize, to: usize) -> &'a str {
        self.source.get(from..to).unwrap_or_default()
    }

    /// `Syntax error; token: "x", near: "a x b"` at the current token.
    fn syntax_error(&self) -> AwsError {
        let (token, near) = match self.tokens.get(self.pos) {
            Some(current) => {
                let from = self
                    .pos
                    .checked_sub(1)
                    .and_then(|p| self.tokens.get(p))
                    .map_or(current.start, |t| t.start);
                let to = self.tokens.get(self.pos + 1).map_or(current.end, |t| t.end);
                (self.text(current.start, current.end), self.text(from, to))
            }
            None => {
                let last = self.tokens.last().map_or(0, |t| t.start);
                ("<EOF>", self.text(last, self.source.len()))
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

    /// A condition without NOT/AND/OR or an opening parenthesis: a comparison, BETWEEN, IN
    /// or a function — or, right before a `)`, an operand the boolean layer parenthesised
    /// (`(c) = :c`), whose comparison [`Parser::leaf_rest`] finishes after the `)`.
    fn leaf(&mut self) -> Result<Leaf, AwsError> {
        let call = match (self.peek(), self.peek_at(1)) {
            (Some(Tok::Word(name)), Some(Tok::Sym("("))) => Some(name.clone()),
            _ => None,
        };
        let clean_before = self.deferred.is_none();
        let walk_clean = self.reserved.is_none();
        if let Some(name) = call.as_deref()
            && CONDITION_FUNCTIONS.contains(&name)
            && name != "size"
        {
            let cond = self.function_condition(name)?;
            if !self.at_comparison() {
                return Ok(Leaf::Cond(cond));
            }
            // A condition function as an operand (`attribute_exists(a) = :v`).
            if walk_clean {
                self.reserved = Some(misused_function(self.kind, name));
            }
            return self
                .leaf_rest(refused_operand(), clean_before)
                .map(Leaf::Cond);
        }
        let left = self.operand(false)?;
        if self.peek() == Some(&Tok::Sym(")")) {
            return Ok(Leaf::Operand(left, clean_before));
        }
        if call.is_some() && !self.at_comparison() {
            // A function standing as a whole condition: `size` is refused, an unknown or
            // update function was (see `bare_operand`). The tree is never used: parsing fails.
            if call.as_deref() == Some("size") && walk_clean {
                self.reserved = Some(misused_function(self.kind, "size"));
            }
            return Ok(Leaf::Cond(refused_condition()));
        }
        self.leaf_rest(left, clean_before).map(Leaf::Cond)
    }

    /// Whether a comparator, `BETWEEN` or `IN` follows.
    fn at_comparison(&self) -> bool {
        match self.peek() {
            Some(Tok::Sym(s)) => ["=", "<>", "<", "<=", ">", ">="].contains(s),
            Some(Tok::Word(w)) => w.eq_ignore_ascii_case("BETWEEN") || w.eq_ignore_ascii_case("IN"),
            _ => false,
        }
    }

    /// A comparison, BETWEEN or IN after its first operand.
    fn leaf_rest(&mut self, left: Operand, clean_before: bool) -> Result<Cond, AwsError> {
        if self.eat_word("BETWEEN") {
            self.operators += 1;
            let low = self.operand(false)?;
            if !self.eat_word("AND") {
                return Err(self.syntax_error());
            }
            let high = self.operand(false)?;
            return Ok(Cond::Between(left, low, high));
        }
        if self.eat_word("IN") {
            self.operators += 1;
            self.expect_sym("(")?;
            let mut options = vec![self.operand(false)?];
            while self.eat_sym(",") {
                options.push(self.operand(false)?);
            }
            self.expect_sym(")")?;
            // The IN is checked before its operands' placeholders.
            if let Some(err) = limits::in_operands_error(options.len(), self.kind)
                && clean_before
            {
                self.deferred = Some(err);
            }
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
        self.operators += 1;
        Ok(op)
    }

    /// An operand; in update expressions also `if_not_exists`, `list_append` and `+`/`-`.
    fn operand(&mut self, in_update: bool) -> Result<Operand, AwsError> {
        if !in_update {
            return self.simple_operand(Place::Condition);
        }
        let walk_clean = self.reserved.is_none();
        let list_append = self.peek_word("list_append") && self.peek_at(1) == Some(&Tok::Sym("("));
        let left = self.simple_operand(Place::Value)?;
        for (sym, plus) in [("+", true), ("-", false)] {
            if self.eat_sym(sym) {
                self.operators += 1;
                // A list_append beside `+`/`-` is refused before what its arguments hold.
                if list_append && walk_clean {
                    self.reserved = Some(misused_function(self.kind, "list_append"));
                }
                let right = self.simple_operand(Place::Nested)?;
                return Ok(Operand::Arith(Box::new(left), plus, Box::new(right)));
            }
        }
        Ok(left)
    }

    /// A value, a path or a function call; in a condition also in parentheses (`(:v)`).
    fn simple_operand(&mut self, place: Place) -> Result<Operand, AwsError> {
        let mut opened = 0usize;
        while place == Place::Condition && self.eat_sym("(") {
            opened += 1;
        }
        let operand = self.bare_operand(place)?;
        for _ in 0..opened {
            self.expect_sym(")")?;
        }
        Ok(operand)
    }

    /// A value, a path or a function call. Function arguments are simple operands
    /// (`if_not_exists(a, :v + :w)` is a syntax error); `list_append` may only be an action's
    /// whole value, so the functions that nest are `if_not_exists` and `size`, whose chains
    /// are parsed in a loop: however deep they go, they cost no call stack.
    fn bare_operand(&mut self, place: Place) -> Result<Operand, AwsError> {
        let mut place = place;
        let mut enclosing: Vec<Path> = Vec::new();
        let innermost = loop {
            match self.peek().cloned() {
                Some(Tok::Value(placeholder)) => {
                    self.pos += 1;
                    break Operand::Value(self.value(&placeholder));
                }
                Some(Tok::Word(name)) if self.peek_at(1) == Some(&Tok::Sym("(")) => {
                    let allowed: &[&str] = match place {
                        Place::Condition => &["size"],
                        Place::Value | Place::Nested => &UPDATE_FUNCTIONS,
                    };
                    let refused = match self.check_function(&name, allowed) {
                        Err(err) => Some(err),
                        Ok(()) if name == "list_append" && place == Place::Nested => {
                            Some(misused_function(self.kind, "list_append"))
                        }
                        Ok(()) => None,
                    };
                    if let Some(err) = refused {
                        break self.refused_call(err)?;
                    }
                    self.pos += 2;
                    self.operators += 1;
                    match name.as_str() {
                        "if_not_exists" => match self.if_not_exists_path()? {
                            Some(path) => {
                                enclosing.push(path);
                                place = Place::Nested;
                            }
                            None => break refused_operand(),
                        },
                        "size" => break self.size_argument()?,
                        _ => break self.list_append()?,
                    }
                }
                _ => break Operand::Path(self.path()?),
            }
        };
        let mut operand = innermost;
        for path in enclosing.into_iter().rev() {
            operand = if self.close_call("if_not_exists", 2)? {
                Operand::IfNotExists(path, Box::new(operand))
            } else {
                refused_operand()
            };
        }
        Ok(operand)
    }

    /// A placeholder's value (an undefined one is reported later, in AWS's order).
    fn value(&mut self, placeholder: &str) -> Arc<AttrValue> {
        self.ph.value(placeholder).unwrap_or_else(|| {
            self.defer(invalid(self.kind, format!("An expression attribute value used in expression is not defined; attribute value: {placeholder}")));
            Arc::new(AttrValue::Null)
        })
    }

    /// What follows `size(`: a path, a value or more `size(`, then the closing parentheses.
    fn size_argument(&mut self) -> Result<Operand, AwsError> {
        let mut depth = 1usize;
        while matches!(self.peek(), Some(Tok::Word(w)) if w == "size")
            && self.peek_at(1) == Some(&Tok::Sym("("))
        {
            self.pos += 2;
            self.operators += 1;
            depth += 1;
        }
        let inner = match (self.peek().cloned(), self.peek_at(1)) {
            (Some(Tok::Value(placeholder)), _) => {
                self.pos += 1;
                Operand::Value(self.value(&placeholder))
            }
            (Some(Tok::Word(name)), Some(Tok::Sym("("))) => {
                // Not `size` (eaten above): refused.
                let err = self.check_function(&name, &[]).err();
                self.refused_call(err.unwrap_or_else(|| misused_function(self.kind, &name)))?
            }
            _ => Operand::Path(self.path()?),
        };
        let whole = self.close_call("size", 1)?;
        for _ in 1..depth {
            self.expect_sym(")")?;
        }
        if !whole {
            return Ok(refused_operand());
        }
        let size = Operand::Size(Box::new(inner));
        Ok(if depth > 1 {
            Operand::Size(Box::new(size))
        } else {
            size
        })
    }

    /// `name ( '.' name | '[' int ']' )*`
    fn path(&mut self) -> Result<Path, AwsError> {
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
                break;
            }
        }
        if let Some(err) = limits::path_levels_error(elems.len(), self.kind) {
            if self.kind == "UpdateExpression" {
                self.deep_path.get_or_insert(err);
            } else {
                self.defer(err);
            }
        }
        Ok(Path(elems))
    }

    fn path_name(&mut self) -> Result<String, AwsError> {
        let name = match self.peek().cloned() {
            Some(Tok::Name(placeholder)) => self.ph.name(&placeholder).unwrap_or_else(|| {
                let err = invalid(self.kind, format!("An expression attribute name used in the document path is not defined; attribute name: {placeholder}"));
                if self.kind == "UpdateExpression" {
                    self.undefined_name.get_or_insert(err);
                } else {
                    self.defer(err);
                }
                placeholder.clone()
            }),
            Some(Tok::Word(word)) => {
                let is_grammar = GRAMMAR_WORDS.iter().any(|g| g.eq_ignore_ascii_case(&word));
                if is_grammar || word.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(self.syntax_error());
                }
                // `size` is a function only before `(`; elsewhere it names an attribute.
                if is_reserved(&word) && !word.eq_ignore_ascii_case("size") {
                    self.note(invalid(
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

    fn clause_keyword(&mut self) -> Result<&'static str, AwsError> {
        for clause in ["SET", "REMOVE", "ADD", "DELETE"] {
            if self.eat_word(clause) {
                return Ok(clause);
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
            Some(Tok::Value(_)) => self.simple_operand(Place::Condition),
            _ => Err(self.syntax_error()),
        }
    }
}

#[cfg(test)]
mod tests;
