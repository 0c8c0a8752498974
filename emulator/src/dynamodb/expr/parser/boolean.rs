//! The boolean layer of conditions — NOT, AND, OR and parentheses — parsed with an explicit
//! stack of open groups instead of recursion, so 4 KB of `(` or `NOT` costs heap, not stack.
//! It builds exactly the tree (and reports exactly the errors, at the same tokens) that
//! recursive descent over `or := and (OR and)*`, `and := not (AND not)*`,
//! `not := NOT not | '(' or ')' | leaf` would.

use super::super::lexer::Tok;
use super::super::{Cond, invalid};
use super::{Leaf, Parser};
use crate::protocol::AwsError;

/// One open group: the whole expression, or a parenthesised part of it.
struct Group {
    /// The token index of the group's `(`; `None` for the whole expression.
    open: Option<usize>,
    /// The OR chain so far.
    or_left: Option<Cond>,
    /// The AND chain so far (within the current OR operand).
    and_left: Option<Cond>,
    /// NOTs waiting for the next operand.
    nots: usize,
    /// The `)` of a group that opened right after this group's `(`: if it is also right
    /// before this group's `)`, the parentheses are redundant.
    first_child_close: Option<usize>,
}

impl Group {
    fn new(open: Option<usize>) -> Group {
        Group {
            open,
            or_left: None,
            and_left: None,
            nots: 0,
            first_child_close: None,
        }
    }

    /// A finished operand: its pending NOTs, then the AND chain.
    fn fold_and(&mut self, mut value: Cond) -> Cond {
        for _ in 0..std::mem::take(&mut self.nots) {
            value = Cond::Not(Box::new(value));
        }
        match self.and_left.take() {
            Some(left) => Cond::And(Box::new(left), Box::new(value)),
            None => value,
        }
    }

    /// A finished AND chain: the OR chain.
    fn fold_or(&mut self, value: Cond) -> Cond {
        match self.or_left.take() {
            Some(left) => Cond::Or(Box::new(left), Box::new(value)),
            None => value,
        }
    }
}

impl Parser<'_> {
    /// The whole condition (the caller checks that the source ends after it).
    pub(super) fn boolean(&mut self) -> Result<Cond, AwsError> {
        let mut groups = vec![Group::new(None)];
        loop {
            let Some(group) = groups.last_mut() else {
                return Err(self.syntax_error());
            };
            if self.eat_word("NOT") {
                self.operators += 1;
                group.nots += 1;
                continue;
            }
            if self.peek() == Some(&Tok::Sym("(")) {
                groups.push(Group::new(Some(self.pos)));
                self.pos += 1;
                continue;
            }
            let leaf = match self.leaf()? {
                Leaf::Cond(cond) => cond,
                Leaf::Operand(operand, clean_before) => {
                    self.close_operand_groups(&mut groups)?;
                    self.leaf_rest(operand, clean_before)?
                }
            };
            if let Err(err) = super::super::check::leaf_condition(&leaf, self.kind) {
                self.defer(err);
            }
            if let Some(done) = self.close_groups(&mut groups, leaf)? {
                return Ok(done);
            }
        }
    }

    /// Closes the groups that only parenthesise an operand (`(c) = :c`, `((c)) = :c`): each
    /// must hold nothing else, and the pair of them is redundant as a pair of groups is.
    fn close_operand_groups(&mut self, groups: &mut Vec<Group>) -> Result<(), AwsError> {
        while self.peek() == Some(&Tok::Sym(")")) {
            let Some(group) = groups.last() else {
                return Err(self.syntax_error());
            };
            let bare = group.nots == 0 && group.and_left.is_none() && group.or_left.is_none();
            let Some(open) = group.open.filter(|_| bare) else {
                return Err(self.syntax_error());
            };
            self.pos += 1;
            self.close_group(groups, open)?;
        }
        Ok(())
    }

    /// Pops the innermost group at its `)` (just eaten), refusing redundant parentheses.
    fn close_group(&mut self, groups: &mut Vec<Group>, open: usize) -> Result<(), AwsError> {
        let close = self.pos - 1;
        if groups
            .last()
            .and_then(|g| g.first_child_close)
            .is_some_and(|child| child + 1 == close)
        {
            return Err(invalid(
                self.kind,
                "The expression has redundant parentheses;",
            ));
        }
        groups.pop();
        if let Some(parent) = groups.last_mut()
            && parent.open.is_some_and(|o| o + 1 == open)
        {
            parent.first_child_close = Some(close);
        }
        Ok(())
    }

    /// Folds a finished operand into the open groups, closing each group whose `)` follows,
    /// until one expects another operand (`None`) or the whole condition is done.
    fn close_groups(
        &mut self,
        groups: &mut Vec<Group>,
        mut value: Cond,
    ) -> Result<Option<Cond>, AwsError> {
        loop {
            let Some(group) = groups.last_mut() else {
                return Err(self.syntax_error());
            };
            value = group.fold_and(value);
            if self.eat_word("AND") {
                self.operators += 1;
                group.and_left = Some(value);
                return Ok(None);
            }
            value = group.fold_or(value);
            if self.eat_word("OR") {
                self.operators += 1;
                group.or_left = Some(value);
                return Ok(None);
            }
            let Some(open) = group.open else {
                return Ok(Some(value));
            };
            self.expect_sym(")")?;
            self.close_group(groups, open)?;
        }
    }
}
