//! Function calls, parsed as DynamoDB's grammar has them — a name and one or more operands —
//! and checked afterwards as DynamoDB does (observed with DynamoDB Local): an unknown or
//! misplaced function is refused in source order with the reserved words
//! ([`Parser::note`]); a wrong number of operands, or a value where a document path is needed,
//! in source order with undefined placeholders ([`Parser::defer`]), a call before what its
//! operands hold. A refused call's operands are only scanned, for syntax, without recursion:
//! the expression fails either way.

use std::sync::Arc;

use super::super::lexer::Tok;
use super::super::{Cond, Operand, Path, invalid};
use super::{CONDITION_FUNCTIONS, Parser, Place, UPDATE_FUNCTIONS};
use crate::dynamodb::model::AttrValue;
use crate::protocol::AwsError;

/// What stands for a refused call: never evaluated, since parsing fails.
pub(super) fn refused_operand() -> Operand {
    Operand::Value(Arc::new(AttrValue::Null))
}

/// What stands for a refused function condition.
pub(super) fn refused_condition() -> Cond {
    Cond::Exists(Path(Vec::new()))
}

/// `The function is not allowed to be used this way in an expression; function: <name>`
pub(super) fn misused_function(kind: &str, name: &str) -> AwsError {
    invalid(
        kind,
        format!(
            "The function is not allowed to be used this way in an expression; function: {name}"
        ),
    )
}

fn arity_error(kind: &str, name: &str, count: usize) -> AwsError {
    invalid(
        kind,
        format!(
            "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {count}"
        ),
    )
}

fn path_required(kind: &str, name: &str) -> AwsError {
    invalid(
        kind,
        format!("Operator or function requires a document path; operator or function: {name}"),
    )
}

impl Parser<'_> {
    /// A condition function's call (one of [`CONDITION_FUNCTIONS`] but `size`).
    pub(super) fn function_condition(&mut self, name: &str) -> Result<Cond, AwsError> {
        let clean = self.deferred.is_none();
        self.pos += 2;
        self.operators += 1;
        let mut args = vec![self.operand(false)?];
        while self.eat_sym(",") {
            args.push(self.operand(false)?);
        }
        self.expect_sym(")")?;
        self.condition_call(name, args).or_else(|err| {
            if clean {
                self.deferred = Some(err);
            }
            Ok(refused_condition())
        })
    }

    fn condition_call(&self, name: &str, args: Vec<Operand>) -> Result<Cond, AwsError> {
        let count = args.len();
        let wanted = match name {
            "attribute_exists" | "attribute_not_exists" => 1,
            _ => 2,
        };
        let mut args = args.into_iter();
        let (Some(first), second, None) = (args.next(), args.next(), args.next()) else {
            return Err(arity_error(self.kind, name, count));
        };
        if count != wanted {
            return Err(arity_error(self.kind, name, count));
        }
        let path = |operand: Operand| match operand {
            Operand::Path(path) => Ok(path),
            _ => Err(path_required(self.kind, name)),
        };
        Ok(match (name, second) {
            ("attribute_exists", _) => Cond::Exists(path(first)?),
            ("attribute_not_exists", _) => Cond::NotExists(path(first)?),
            ("attribute_type", Some(kind)) => Cond::AttrType(path(first)?, kind),
            ("begins_with", Some(prefix)) => Cond::BeginsWith(first, prefix),
            (_, Some(member)) => Cond::Contains(first, member),
            (_, None) => return Err(arity_error(self.kind, name, count)),
        })
    }

    /// Rejects unknown functions and functions used where they are not allowed.
    pub(super) fn check_function(&self, name: &str, allowed: &[&str]) -> Result<(), AwsError> {
        if allowed.contains(&name) {
            return Ok(());
        }
        let known = CONDITION_FUNCTIONS.contains(&name) || UPDATE_FUNCTIONS.contains(&name);
        let in_update = self.kind == "UpdateExpression";
        let message = if !known {
            format!("Invalid function name; function: {name}")
        } else if in_update && !UPDATE_FUNCTIONS.contains(&name) {
            format!("The function is not allowed in an update expression; function: {name}")
        } else if !in_update && UPDATE_FUNCTIONS.contains(&name) {
            format!("The function is not allowed in a condition expression; function: {name}")
        } else {
            return Err(misused_function(self.kind, name));
        };
        Err(invalid(self.kind, message))
    }

    /// A refused function's call (at its name), its error noted.
    pub(super) fn refused_call(&mut self, err: AwsError) -> Result<Operand, AwsError> {
        self.note(err);
        self.pos += 2;
        self.skip_operand(vec![true])?;
        Ok(refused_operand())
    }

    /// Scans an operand — a path, a value, a parenthesised operand or a call of operands —
    /// inside the calls and parentheses already open (`true` for a call's, which takes `,`),
    /// and past their `)`.
    fn skip_operand(&mut self, mut open: Vec<bool>) -> Result<(), AwsError> {
        loop {
            loop {
                match (self.peek(), self.peek_at(1)) {
                    (Some(Tok::Sym("(")), _) => {
                        self.pos += 1;
                        open.push(false);
                    }
                    (Some(Tok::Word(_)), Some(Tok::Sym("("))) => {
                        self.pos += 2;
                        open.push(true);
                    }
                    (Some(Tok::Value(_)), _) => {
                        self.pos += 1;
                        break;
                    }
                    _ => {
                        self.path()?;
                        break;
                    }
                }
            }
            loop {
                let Some(&call) = open.last() else {
                    return Ok(());
                };
                if call && self.eat_sym(",") {
                    break;
                }
                self.expect_sym(")")?;
                open.pop();
            }
        }
    }

    /// `list_append`'s operands, after `list_append(`, and its `)`.
    pub(super) fn list_append(&mut self) -> Result<Operand, AwsError> {
        let clean = self.deferred.is_none();
        let mut args = vec![self.simple_operand(Place::Nested)?];
        while self.eat_sym(",") {
            args.push(self.simple_operand(Place::Nested)?);
        }
        self.expect_sym(")")?;
        let count = args.len();
        let mut args = args.into_iter();
        match (args.next(), args.next(), args.next()) {
            (Some(first), Some(second), None) => {
                Ok(Operand::ListAppend(Box::new(first), Box::new(second)))
            }
            _ => {
                if clean {
                    self.deferred = Some(arity_error(self.kind, "list_append", count));
                }
                Ok(refused_operand())
            }
        }
    }

    /// `if_not_exists`'s first operand (after `if_not_exists(`) and its `,`: the path, or
    /// `None` when the call ends there (one operand: refused, its `)` eaten). A value or a
    /// call there is refused for not being a path.
    pub(super) fn if_not_exists_path(&mut self) -> Result<Option<Path>, AwsError> {
        let clean = self.deferred.is_none();
        let path = match (self.peek(), self.peek_at(1)) {
            (Some(Tok::Value(_)), _) => {
                self.pos += 1;
                None
            }
            (Some(Tok::Word(_)), Some(Tok::Sym("("))) => {
                self.pos += 2;
                self.skip_operand(vec![true])?;
                None
            }
            _ => Some(self.path()?),
        };
        if self.eat_sym(",") {
            if path.is_none() && clean {
                self.deferred = Some(path_required(self.kind, "if_not_exists"));
            }
            return Ok(Some(path.unwrap_or_else(|| Path(Vec::new()))));
        }
        self.expect_sym(")")?;
        if clean {
            self.deferred = Some(arity_error(self.kind, "if_not_exists", 1));
        }
        Ok(None)
    }

    /// The `)` of a call whose `count` operands were parsed, after scanning any extra ones
    /// (refused, deferred): whether there were none.
    pub(super) fn close_call(&mut self, name: &str, count: usize) -> Result<bool, AwsError> {
        let mut extra = 0;
        while self.eat_sym(",") {
            self.skip_operand(Vec::new())?;
            extra += 1;
        }
        self.expect_sym(")")?;
        if extra > 0 {
            self.defer(arity_error(self.kind, name, count + extra));
        }
        Ok(extra == 0)
    }
}
