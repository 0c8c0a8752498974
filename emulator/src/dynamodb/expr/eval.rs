//! Evaluating conditions and operands against an item, and applying projections.
//!
//! Conditions reach here only after the parser's operator limit, so a tree is at most 301
//! levels deep and the recursion is bounded. Operands borrow from the item and the request
//! rather than copying attribute values for every comparison of a Scan.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::{CmpOp, Cond, Elem, Operand, Path, invalid};
use crate::dynamodb::model::{AttrValue, Item, Number};
use crate::protocol::AwsError;

/// The value at `path`, if the item has one.
pub fn resolve<'a>(item: &'a Item, path: &Path) -> Option<&'a AttrValue> {
    let mut elems = path.0.iter();
    let mut current = match elems.next()? {
        Elem::Attr(name) => item.get(name)?,
        Elem::Index(_) => return None,
    };
    for elem in elems {
        current = match (elem, current) {
            (Elem::Attr(name), AttrValue::M(map)) => map.get(name)?,
            (Elem::Index(i), AttrValue::L(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The value of a condition operand (`None` when it names a missing attribute).
pub fn operand<'a>(
    item: &'a Item,
    op: &'a Operand,
    kind: &str,
) -> Result<Option<Cow<'a, AttrValue>>, AwsError> {
    Ok(match op {
        Operand::Path(path) => resolve(item, path).map(Cow::Borrowed),
        Operand::Value(value) => Some(Cow::Borrowed(value.as_ref())),
        Operand::Size(inner) => operand(item, inner, kind)?
            .and_then(|value| size_of(&value))
            .map(Cow::Owned),
        _ => return Err(invalid(kind, "Syntax error; token: \"(\", near: \"\"")),
    })
}

/// `size`: characters of a string (UTF-16 code units, as DynamoDB counts them: `abÿ` is 3,
/// `a😀` 3), bytes of a binary, elements of a set, list or map.
fn size_of(value: &AttrValue) -> Option<AttrValue> {
    let size = match value {
        AttrValue::S(s) => s.encode_utf16().count(),
        AttrValue::B(b) => b.len(),
        AttrValue::M(m) => m.len(),
        AttrValue::L(l) => l.len(),
        AttrValue::SS(s) => s.len(),
        AttrValue::NS(s) => s.len(),
        AttrValue::BS(s) => s.len(),
        _ => return None,
    };
    Some(AttrValue::N(Number::from_count(size)))
}

/// Whether `cond` holds for `item`.
/// NOT, AND and OR are walked with an explicit stack (short-circuiting as `&&` and `||` do),
/// so how deeply they nest costs no call stack.
pub fn condition(item: &Item, cond: &Cond, kind: &str) -> Result<bool, AwsError> {
    /// What to do with a finished operand's value.
    enum Then<'a> {
        Negate,
        /// The left side of an AND: if true, the right side decides.
        And(&'a Cond),
        /// The left side of an OR: if false, the right side decides.
        Or(&'a Cond),
    }
    let mut pending: Vec<Then<'_>> = Vec::new();
    let mut current = cond;
    loop {
        let mut value = loop {
            match current {
                Cond::Not(a) => {
                    pending.push(Then::Negate);
                    current = a;
                }
                Cond::And(a, b) => {
                    pending.push(Then::And(b));
                    current = a;
                }
                Cond::Or(a, b) => {
                    pending.push(Then::Or(b));
                    current = a;
                }
                leaf => break leaf_condition(item, leaf, kind)?,
            }
        };
        loop {
            match pending.pop() {
                None => return Ok(value),
                Some(Then::Negate) => value = !value,
                Some(Then::And(right)) if value => {
                    current = right;
                    break;
                }
                Some(Then::Or(right)) if !value => {
                    current = right;
                    break;
                }
                Some(Then::And(_) | Then::Or(_)) => {}
            }
        }
    }
}

/// A condition without NOT, AND or OR.
fn leaf_condition(item: &Item, cond: &Cond, kind: &str) -> Result<bool, AwsError> {
    Ok(match cond {
        Cond::And(..) | Cond::Or(..) | Cond::Not(..) => condition(item, cond, kind)?,
        Cond::Exists(path) => resolve(item, path).is_some(),
        Cond::NotExists(path) => resolve(item, path).is_none(),
        Cond::Compare(a, op, b) => {
            check_comparable(a, op.symbol(), kind)?;
            check_comparable(b, op.symbol(), kind)?;
            let left = operand(item, a, kind)?;
            let right = operand(item, b, kind)?;
            compare(left.as_deref(), *op, right.as_deref())
        }
        Cond::Between(value, low, high) => {
            let value = operand(item, value, kind)?;
            let low = operand(item, low, kind)?;
            let high = operand(item, high, kind)?;
            let (value, low, high) = (value.as_deref(), low.as_deref(), high.as_deref());
            check_bounds(low, high, kind)?;
            compare(value, CmpOp::Ge, low) && compare(value, CmpOp::Le, high)
        }
        Cond::In(value, options) => {
            let value = operand(item, value, kind)?;
            let mut found = false;
            for option in options {
                let option = operand(item, option, kind)?;
                found |= value.is_some() && option.as_deref() == value.as_deref();
            }
            found
        }
        Cond::AttrType(path, type_name) => attribute_type(item, path, type_name, kind)?,
        Cond::BeginsWith(a, b) => {
            let (a, b) = (operand(item, a, kind)?, operand(item, b, kind)?);
            match (a.as_deref(), b.as_deref()) {
                (Some(AttrValue::S(s)), Some(AttrValue::S(prefix))) => {
                    s.starts_with(prefix.as_str())
                }
                (Some(AttrValue::B(s)), Some(AttrValue::B(prefix))) => s.starts_with(prefix),
                (_, Some(other)) if !matches!(other, AttrValue::S(_) | AttrValue::B(_)) => {
                    return Err(operand_type_error("begins_with", other, kind));
                }
                _ => false,
            }
        }
        Cond::Contains(a, b) => {
            let (Some(haystack), Some(needle)) = (operand(item, a, kind)?, operand(item, b, kind)?)
            else {
                return Ok(false);
            };
            contains(&haystack, &needle)
        }
    })
}

pub(crate) fn check_comparable(op: &Operand, symbol: &str, kind: &str) -> Result<(), AwsError> {
    if let Operand::Value(value) = op
        && let value = value.as_ref()
        && symbol != "="
        && symbol != "<>"
        && !matches!(value, AttrValue::S(_) | AttrValue::N(_) | AttrValue::B(_))
    {
        return Err(operand_type_error(symbol, value, kind));
    }
    Ok(())
}

pub(crate) fn check_bounds(
    low: Option<&AttrValue>,
    high: Option<&AttrValue>,
    kind: &str,
) -> Result<(), AwsError> {
    if let (Some(l), Some(h)) = (low, high)
        && order(l, h) == Some(Ordering::Greater)
    {
        return Err(invalid(
            kind,
            format!(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                brief(l),
                brief(h)
            ),
        ));
    }
    Ok(())
}

/// `{N:5}` style rendering used in some AWS messages.
pub(crate) fn brief(value: &AttrValue) -> String {
    let json = value.to_json();
    let inner = json
        .as_object()
        .and_then(|o| o.values().next())
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_default();
    format!("{{{}:{inner}}}", value.type_name())
}

pub(crate) fn operand_type_error(function: &str, value: &AttrValue, kind: &str) -> AwsError {
    invalid(
        kind,
        format!(
            "Incorrect operand type for operator or function; operator or function: {function}, operand type: {}",
            value.type_name()
        ),
    )
}

/// Ordering of two scalars of the same type (S, N or B); `None` otherwise.
pub fn order(a: &AttrValue, b: &AttrValue) -> Option<Ordering> {
    match (a, b) {
        (AttrValue::S(x), AttrValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttrValue::N(x), AttrValue::N(y)) => Some(x.cmp(y)),
        (AttrValue::B(x), AttrValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn compare(a: Option<&AttrValue>, op: CmpOp, b: Option<&AttrValue>) -> bool {
    match op {
        CmpOp::Eq => a.is_some() && a == b,
        CmpOp::Ne => a != b || a.is_none(),
        _ => {
            let (Some(a), Some(b)) = (a, b) else {
                return false;
            };
            let Some(ordering) = order(a, b) else {
                return false;
            };
            match op {
                CmpOp::Lt => ordering == Ordering::Less,
                CmpOp::Le => ordering != Ordering::Greater,
                CmpOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }
        }
    }
}

pub(crate) const TYPE_NAMES: [&str; 10] =
    ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

fn attribute_type(
    item: &Item,
    path: &Path,
    type_name: &Operand,
    kind: &str,
) -> Result<bool, AwsError> {
    let wanted = operand(item, type_name, kind)?;
    let wanted = match wanted.as_deref() {
        Some(AttrValue::S(s)) => s,
        Some(other) => return Err(operand_type_error("attribute_type", other, kind)),
        None => return Ok(false),
    };
    if !TYPE_NAMES.contains(&wanted.as_str()) {
        return Err(invalid(
            kind,
            format!(
                "Invalid attribute type name found; type: {wanted}, valid types: {{N,BS,L,B,NULL,M,S,SS,NS,BOOL}}"
            ),
        ));
    }
    Ok(resolve(item, path).is_some_and(|v| v.type_name() == wanted))
}

fn contains(haystack: &AttrValue, needle: &AttrValue) -> bool {
    match (haystack, needle) {
        (AttrValue::S(s), AttrValue::S(n)) => s.contains(n.as_str()),
        (AttrValue::B(s), AttrValue::B(n)) => contains_bytes(s, n),
        (AttrValue::SS(set), AttrValue::S(n)) => set.contains(n),
        (AttrValue::NS(set), AttrValue::N(n)) => set.contains(n),
        (AttrValue::BS(set), AttrValue::B(n)) => set.contains(n),
        (AttrValue::L(list), n) => list.contains(n),
        _ => false,
    }
}

/// Whether `needle` occurs in `haystack`, in time linear in both (Knuth–Morris–Pratt): a
/// 400 KB attribute searched for a 200 KB needle must not cost their product.
fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    // failure[i]: the length of the longest proper border of needle[..=i].
    let mut failure = vec![0usize; needle.len()];
    let mut border = 0;
    for (i, &byte) in needle.iter().enumerate().skip(1) {
        while border > 0 && needle.get(border) != Some(&byte) {
            border = failure.get(border - 1).copied().unwrap_or(0);
        }
        if needle.get(border) == Some(&byte) {
            border += 1;
        }
        if let Some(slot) = failure.get_mut(i) {
            *slot = border;
        }
    }
    let mut matched = 0;
    for &byte in haystack {
        while matched > 0 && needle.get(matched) != Some(&byte) {
            matched = failure.get(matched - 1).copied().unwrap_or(0);
        }
        if needle.get(matched) == Some(&byte) {
            matched += 1;
        }
        if matched == needle.len() {
            return true;
        }
    }
    false
}

/// The item reduced to the projected paths.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    // List elements come out in index order, whatever the order of the paths.
    let mut sorted: Vec<&Path> = paths.iter().collect();
    sorted.sort();
    let mut result = Item::new();
    for path in sorted {
        if let Some(value) = resolve(item, path) {
            insert_projected(&mut result, &path.0, value.clone());
        }
    }
    result
}

fn insert_projected(target: &mut Item, elems: &[Elem], value: AttrValue) {
    let Some((Elem::Attr(name), rest)) = elems.split_first() else {
        return;
    };
    if rest.is_empty() {
        target.insert(name.clone(), value);
        return;
    }
    let container = target
        .entry(name.clone())
        .or_insert_with(|| empty_container(rest));
    insert_in_value(container, rest, value);
}

/// The container a path continues into: a map for a name, a list for an index.
fn empty_container(rest: &[Elem]) -> AttrValue {
    match rest.first() {
        Some(Elem::Index(_)) => AttrValue::L(Vec::new()),
        _ => AttrValue::M(Item::new()),
    }
}

fn insert_in_value(container: &mut AttrValue, elems: &[Elem], value: AttrValue) {
    match (container, elems.first()) {
        (AttrValue::M(map), Some(Elem::Attr(_))) => insert_projected(map, elems, value),
        (AttrValue::L(list), Some(Elem::Index(_))) => {
            let rest = elems.get(1..).unwrap_or_default();
            if rest.is_empty() {
                list.push(value);
                return;
            }
            let mut child = empty_container(rest);
            insert_in_value(&mut child, rest, value);
            list.push(child);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_contains_is_a_substring_search() {
        assert!(contains_bytes(b"abcabd", b"abd"));
        assert!(contains_bytes(b"aaab", b"aab"));
        assert!(contains_bytes(b"abc", b""));
        assert!(!contains_bytes(b"abcab", b"abd"));
        assert!(!contains_bytes(b"ab", b"abc"));
        // Linear: a worst case for the naive search answers at once.
        let haystack = vec![b'a'; 400 * 1024];
        let mut needle = vec![b'a'; 200 * 1024];
        needle.push(b'b');
        assert!(!contains_bytes(&haystack, &needle));
    }
}
