//! A history's chains: each event continues the event its `previousEventId` names (an id the
//! history does not hold: the event before it). Map iterations and Parallel branches run
//! concurrently, so their events interleave in the history, but each child's chain is its
//! own — "the state it was in" and "what came next" are read along the chain, never from
//! the neighbouring rows.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::history::{Event, EventKind};

/// The chains of one history (indices into its events).
pub struct Chains<'e> {
    events: &'e [Event],
    /// Per event, the one it continues.
    parent: Vec<Option<usize>>,
    /// Per event, those that continue it, in history order.
    children: Vec<Vec<usize>>,
}

impl<'e> Chains<'e> {
    pub fn new(events: &'e [Event]) -> Chains<'e> {
        let index: HashMap<i64, usize> =
            events.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        let mut children = vec![Vec::new(); events.len()];
        let parent: Vec<Option<usize>> = events
            .iter()
            .enumerate()
            .map(|(i, event)| {
                let named = index.get(&event.previous).copied().filter(|&p| p < i);
                named.or_else(|| i.checked_sub(1))
            })
            .collect();
        for (i, p) in parent.iter().enumerate() {
            if let Some(children) = p.and_then(|p| children.get_mut(p)) {
                children.push(i);
            }
        }
        Chains {
            events,
            parent,
            children,
        }
    }

    /// Per event, the state its chain was last entered into or left ("" before any).
    pub fn states(&self) -> Vec<String> {
        let mut states: Vec<String> = Vec::with_capacity(self.events.len());
        for (i, event) in self.events.iter().enumerate() {
            let state = match &event.kind {
                EventKind::StateEntered { name, .. } | EventKind::StateExited { name } => {
                    name.clone()
                }
                _ => self
                    .parent
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|p| states.get(p).cloned())
                    .unwrap_or_default(),
            };
            states.push(state);
        }
        states
    }

    /// The events after the one at `index` on its chain (its forks included), in history
    /// order.
    pub fn after(&self, index: usize) -> impl Iterator<Item = &'e Event> + '_ {
        let mut next: BinaryHeap<Reverse<usize>> = self
            .children
            .get(index)
            .into_iter()
            .flatten()
            .map(|&c| Reverse(c))
            .collect();
        std::iter::from_fn(move || {
            let Reverse(i) = next.pop()?;
            next.extend(
                self.children
                    .get(i)
                    .into_iter()
                    .flatten()
                    .map(|&c| Reverse(c)),
            );
            self.events.get(i)
        })
    }

    /// The `*StateEntered` that the `*StateExited` at `index` closes: the nearest one of the
    /// same name back along its chain.
    pub fn entered(&self, index: usize) -> Option<usize> {
        let EventKind::StateExited { name } = &self.events.get(index)?.kind else {
            return None;
        };
        let mut at = self.parent.get(index).copied().flatten();
        while let Some(i) = at {
            if matches!(&self.events.get(i)?.kind,
                EventKind::StateEntered { name: n, .. } if n == name)
            {
                return Some(i);
            }
            at = self.parent.get(i).copied().flatten();
        }
        None
    }
}
