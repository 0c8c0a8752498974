//! `scenario --all --shard K/N`: a deterministic 1/N of the scenarios, so that a CI matrix of
//! N runners covers the suite. The scenario list is sorted by name (`scenario::list_names`);
//! shard K takes the names at positions K-1, K-1+N, K-1+2N, … — round robin, so shard sizes
//! differ by at most one and shards 1..=N together hold every scenario exactly once. A shard
//! may be empty (more runners than scenarios): it runs nothing and passes.

use std::fmt;
use std::str::FromStr;

/// Shards at most (a bound on the argument, far above any CI matrix).
pub const MAX_SHARDS: usize = 10_000;

/// Shard `index` of `count`, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// Shard `index` of `count` (1 ≤ index ≤ count ≤ [`MAX_SHARDS`]).
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "the shard count must be 1 to {MAX_SHARDS}, got {count}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "the shard number must be 1 to {count}, got {index}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// This shard's part of `sorted` (in the same order).
    pub fn select<T>(&self, sorted: Vec<T>) -> Vec<T> {
        sorted
            .into_iter()
            .enumerate()
            .filter(|(position, _)| position % self.count == self.index - 1)
            .map(|(_, item)| item)
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("expected K/N (e.g. 1/3), got {text:?}"))?;
        let number = |part: &str| {
            part.parse::<usize>()
                .map_err(|_| format!("expected K/N with whole numbers (e.g. 1/3), got {text:?}"))
        };
        Shard::new(number(index)?, number(count)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        assert_eq!("2/3".parse(), Shard::new(2, 3));
        assert_eq!(
            "1/1".parse::<Shard>().map(|s| s.to_string()),
            Ok("1/1".into())
        );
        for bad in [
            "0/3", "4/3", "1/0", "3", "a/3", "1/b", "-1/3", "1/3/5", "", "1/10001",
        ] {
            assert!(bad.parse::<Shard>().is_err(), "{bad:?} accepted");
        }
        let err = "4/3".parse::<Shard>().unwrap_err();
        assert!(err.contains("1 to 3, got 4"), "{err}");
    }

    #[test]
    fn the_shards_together_hold_each_item_exactly_once() {
        for len in 0..=40 {
            let items: Vec<usize> = (0..len).collect();
            for count in 1..=12 {
                let shards: Vec<Vec<usize>> = (1..=count)
                    .map(|index| Shard::new(index, count).unwrap().select(items.clone()))
                    .collect();
                let mut seen: Vec<usize> = shards.iter().flatten().copied().collect();
                seen.sort_unstable();
                assert_eq!(seen, items, "len {len}, {count} shards: {shards:?}");
                let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(max.unwrap() - min.unwrap() <= 1, "unbalanced: {sizes:?}");
                for shard in &shards {
                    assert!(
                        shard.windows(2).all(|w| w[0] < w[1]),
                        "order kept: {shard:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_shard_is_the_same_every_time() {
        let names = vec!["a", "b", "c", "d", "e"];
        let shard = Shard::new(2, 3).unwrap();
        assert_eq!(shard.select(names.clone()), vec!["b", "e"]);
        assert_eq!(shard.select(names), vec!["b", "e"]);
    }
}
