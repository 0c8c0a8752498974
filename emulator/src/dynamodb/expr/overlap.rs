//! Overlapping document paths (one equal to another, or inside it), which UpdateExpression
//! and ProjectionExpression refuse — found in O(n log n), not by comparing every pair.
//!
//! The pair reported is the one an all-pairs scan in request order finds first: the earliest
//! path that overlaps any other, and the earliest path it overlaps. (DynamoDB Local names an
//! erratic pair; the differential test tolerates the choice.)

use super::{Path, invalid};
use crate::protocol::AwsError;

fn is_prefix(shorter: &Path, longer: &Path) -> bool {
    longer.0.starts_with(&shorter.0)
}

fn overlap(a: &Path, b: &Path) -> bool {
    is_prefix(a, b) || is_prefix(b, a)
}

/// The first overlapping pair, in request order.
pub fn first_overlap<'a>(paths: &[&'a Path]) -> Option<(&'a Path, &'a Path)> {
    // In sorted order every path's extensions follow it directly, so a stack of the paths
    // that are prefixes of the current one finds every path that overlaps another.
    let mut order: Vec<(usize, &Path)> = paths.iter().copied().enumerate().collect();
    order.sort_by(|(i, a), (j, b)| a.cmp(b).then(i.cmp(j)));
    let mut involved = vec![false; paths.len()];
    let mut prefixes: Vec<(usize, &Path)> = Vec::new();
    for &(index, path) in &order {
        while prefixes
            .last()
            .is_some_and(|(_, top)| !is_prefix(top, path))
        {
            prefixes.pop();
        }
        if let Some(&(top, _)) = prefixes.last() {
            for i in [top, index] {
                if let Some(flag) = involved.get_mut(i) {
                    *flag = true;
                }
            }
        }
        prefixes.push((index, path));
    }
    // Every path overlapping the earliest involved one comes after it in request order.
    let first = involved.iter().position(|&flag| flag)?;
    let one = *paths.get(first)?;
    let two = paths
        .iter()
        .enumerate()
        .find(|&(i, other)| i != first && overlap(one, other))
        .map(|(_, other)| *other)?;
    Some((one, two))
}

/// AWS refuses two paths where one is the other or lies inside it.
pub fn reject_overlaps(paths: &[&Path], kind: &str) -> Result<(), AwsError> {
    match first_overlap(paths) {
        None => Ok(()),
        Some((one, two)) => Err(invalid(
            kind,
            format!(
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::expr::Elem;

    fn path(text: &str) -> Path {
        Path(
            text.split('.')
                .map(|part| match part.parse::<usize>() {
                    Ok(i) => Elem::Index(i),
                    Err(_) => Elem::Attr(part.to_owned()),
                })
                .collect(),
        )
    }

    /// The pair the all-pairs scan reports.
    fn brute(paths: &[Path]) -> Option<(String, String)> {
        for (i, a) in paths.iter().enumerate() {
            for b in paths.iter().skip(i + 1) {
                if overlap(a, b) {
                    return Some((a.to_string(), b.to_string()));
                }
            }
        }
        None
    }

    fn fast(paths: &[Path]) -> Option<(String, String)> {
        let refs: Vec<&Path> = paths.iter().collect();
        first_overlap(&refs).map(|(a, b)| (a.to_string(), b.to_string()))
    }

    #[test]
    fn agrees_with_the_all_pairs_scan() {
        let cases: &[&[&str]] = &[
            &["a", "b", "c"],
            &["a", "a"],
            &["a.b", "c", "a"],
            &["x", "a.b", "a.c", "a"],
            &["a.0", "a.1", "b", "a.0.c"],
            &["b.c", "a.b", "b", "a"],
            &["m.k", "m", "n", "m.k.z"],
            &["l.0", "l.1", "l.10", "l.1.x"],
        ];
        for case in cases {
            let paths: Vec<Path> = case.iter().map(|t| path(t)).collect();
            assert_eq!(fast(&paths), brute(&paths), "{case:?}");
        }
    }

    #[test]
    fn ten_thousand_distinct_paths_have_no_overlap() {
        let paths: Vec<Path> = (0..10_000).map(|i| path(&format!("a{i}"))).collect();
        assert_eq!(fast(&paths), None);
        let mut paths = paths;
        paths.push(path("a5000.x"));
        assert_eq!(
            fast(&paths),
            Some(("[a5000]".to_owned(), "[a5000, x]".to_owned()))
        );
    }
}
