//! [`MuxSlots`]: the bookkeeping of a multiplexing pool (a few shared connections): which one
//! takes the next request, and which broken one to replace. Plain data, no IO; the async
//! layer's `MuxPool` keeps one behind a lock and does the connecting.

/// The shared connections of a multiplexing pool, one slot each.
#[derive(Debug)]
pub struct MuxSlots<C> {
    slots: Vec<Slot<C>>,
}

#[derive(Debug)]
enum Slot<C> {
    Open(C),
    /// Its replacement failed (or was dropped): the next pick tries again.
    Broken,
    /// Being replaced by some caller.
    Reconnecting,
}

/// What [`MuxSlots::pick`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Pick<C> {
    /// Use this connection (the healthy one with the least load).
    Use(C),
    /// Replace the broken connection of slot `index` (now marked as being replaced), then
    /// give it back with [`MuxSlots::put_back`], whatever the outcome. If the replacement
    /// fails, `fallback` (the healthy one with the least load, if any) can serve meanwhile.
    Replace {
        /// The slot to fill.
        index: usize,
        /// A healthy connection to use if the replacement fails.
        fallback: Option<C>,
    },
    /// Every slot is being replaced by other callers: nothing to use now.
    Busy,
}

impl<C: Clone> MuxSlots<C> {
    /// Slots for `conns`, all open.
    pub fn new(conns: Vec<C>) -> MuxSlots<C> {
        MuxSlots {
            slots: conns.into_iter().map(Slot::Open).collect(),
        }
    }

    /// Picks where the next request goes. `load` says how busy a connection is (requests
    /// outstanding), or `None` when it is broken. A broken slot, the first one met, is handed
    /// out for replacement before any healthy connection is used, so the pool heals on the
    /// callers' own time (no background task); ties of load go to the first slot.
    pub fn pick(&mut self, load: impl Fn(&C) -> Option<usize>) -> Pick<C> {
        let mut best: Option<(usize, &C)> = None;
        let mut broken = None;
        for (i, slot) in self.slots.iter().enumerate() {
            match slot {
                Slot::Open(c) => match load(c) {
                    Some(n) if best.is_none_or(|(m, _)| n < m) => best = Some((n, c)),
                    Some(_) => {}
                    None => {
                        broken.get_or_insert(i);
                    }
                },
                Slot::Broken => {
                    broken.get_or_insert(i);
                }
                Slot::Reconnecting => {}
            }
        }
        let best = best.map(|(_, c)| c.clone());
        match (broken, best) {
            (Some(index), fallback) => {
                self.slots[index] = Slot::Reconnecting;
                Pick::Replace { index, fallback }
            }
            (None, Some(c)) => Pick::Use(c),
            (None, None) => Pick::Busy,
        }
    }

    /// Ends a replacement [`pick`](Self::pick) handed out: slot `index` gets `conn`, or, when
    /// the connect failed or was abandoned (`None`), is marked broken for the next pick to
    /// retry. An index out of range is ignored.
    pub fn put_back(&mut self, index: usize, conn: Option<C>) {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = match conn {
                Some(c) => Slot::Open(c),
                None => Slot::Broken,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection as (name, load); load `None`: broken.
    type C = (&'static str, Option<usize>);

    fn load(c: &C) -> Option<usize> {
        c.1
    }

    #[test]
    fn the_least_loaded_healthy_connection_is_used() {
        let mut s = MuxSlots::new(vec![("a", Some(3)), ("b", Some(1)), ("c", Some(1))]);
        assert_eq!(s.pick(load), Pick::Use(("b", Some(1))));
    }

    #[test]
    fn a_broken_connection_is_replaced_first_and_only_once() {
        let mut s = MuxSlots::new(vec![("a", Some(2)), ("b", None), ("c", Some(0))]);
        assert_eq!(
            s.pick(load),
            Pick::Replace {
                index: 1,
                fallback: Some(("c", Some(0)))
            }
        );
        // Being replaced: the next caller uses a healthy one instead of replacing it again.
        assert_eq!(s.pick(load), Pick::Use(("c", Some(0))));
        s.put_back(1, Some(("b2", Some(0))));
        assert_eq!(s.pick(load), Pick::Use(("b2", Some(0))));
    }

    #[test]
    fn a_failed_replacement_is_retried_and_busy_slots_say_so() {
        let mut s = MuxSlots::new(vec![("a", None)]);
        assert_eq!(
            s.pick(load),
            Pick::Replace {
                index: 0,
                fallback: None
            }
        );
        assert_eq!(s.pick(load), Pick::Busy);
        s.put_back(0, None);
        assert!(matches!(s.pick(load), Pick::Replace { index: 0, .. }));
        s.put_back(7, None);
    }
}
