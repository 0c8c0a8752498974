//! Bounds on the harness's own loops over a backend's answers: a pagination loop ends after
//! [`MAX_PAGES`] pages or when the backend hands back the token it was just given (either
//! would otherwise loop for ever against a broken endpoint), and a phase of a run is bounded
//! in time by [`within`].

use std::future::Future;
use std::time::Duration;

use anyhow::bail;

/// More pages than any scenario produces by far (a scenario has at most thousands of items).
pub const MAX_PAGES: usize = 10_000;

/// Counts the pages of one paginated read.
#[derive(Debug)]
pub struct Pages {
    what: String,
    seen: usize,
}

impl Pages {
    pub fn new(what: impl Into<String>) -> Pages {
        Pages {
            what: what.into(),
            seen: 0,
        }
    }

    /// The token to send for the next page (`None`: that was the last page), given the token
    /// sent for this page and the one the answer holds.
    pub fn next<T: PartialEq + Clone>(
        &mut self,
        sent: Option<&T>,
        next: Option<&T>,
    ) -> anyhow::Result<Option<T>> {
        let Some(next) = next else {
            return Ok(None);
        };
        self.seen += 1;
        if sent == Some(next) {
            bail!(
                "{}: the backend answered page {} with the token it was sent",
                self.what,
                self.seen
            );
        }
        if self.seen >= MAX_PAGES {
            bail!("{}: more than {MAX_PAGES} pages", self.what);
        }
        Ok(Some(next.clone()))
    }
}

/// Runs `phase`, failing after `bound` (a request a backend never answers).
pub async fn within<T>(
    bound: Duration,
    name: &str,
    phase: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    match tokio::time::timeout(bound, phase).await {
        Ok(result) => result,
        Err(_) => bail!(
            "the {name} phase did not finish within {} s (--timeout)",
            bound.as_secs_f64()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_token_ends_the_loop_with_an_error() {
        let mut pages = Pages::new("ListExecutions");
        let first = "a".to_owned();
        assert_eq!(pages.next(None, Some(&first)).unwrap(), Some(first.clone()));
        let err = pages.next(Some(&first), Some(&first)).unwrap_err();
        assert!(
            err.to_string().contains("with the token it was sent"),
            "{err}"
        );
        assert_eq!(pages.next::<String>(Some(&first), None).unwrap(), None);
    }

    #[test]
    fn pages_are_bounded() {
        let mut pages = Pages::new("Scan");
        let result = (0..=MAX_PAGES).try_for_each(|page| {
            let (sent, next) = (page, page + 1);
            pages.next(Some(&sent), Some(&next)).map(drop)
        });
        assert!(result.unwrap_err().to_string().contains("more than"));
    }

    #[tokio::test]
    async fn a_phase_that_never_ends_is_an_error() {
        let never = std::future::pending::<anyhow::Result<()>>();
        let err = within(Duration::from_millis(20), "collect", never)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the collect phase did not finish within 0.02 s (--timeout)"
        );
    }
}
