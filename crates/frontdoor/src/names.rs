//! The names a front door claims requests by: custom domain names, REST API ids, load balancer
//! DNS names. They are read from the store the first time a request needs them and again after
//! each change, so starting nimbus reads (and pages in) nothing for them.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

type Loader = Box<dyn Fn() -> Option<HashSet<String>> + Send + Sync>;

struct Inner {
    /// The names (lower-case) once loaded, and the generation they were loaded for.
    state: RwLock<(u64, Option<HashSet<String>>)>,
    load: Loader,
}

#[derive(Clone)]
pub struct Names {
    inner: Arc<Inner>,
}

impl Names {
    /// `load` reads every name (None: the store cannot be read now; try again next time).
    pub fn new(load: impl Fn() -> Option<HashSet<String>> + Send + Sync + 'static) -> Names {
        Names {
            inner: Arc::new(Inner {
                state: RwLock::new((0, None)),
                load: Box::new(load),
            }),
        }
    }

    /// After a committed write that adds or removes names: the next lookup reads them again.
    pub fn changed(&self) {
        let mut state = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        *state = (state.0 + 1, None);
    }

    /// Whether `name` (any case) is one of the names.
    pub fn contains(&self, name: &str) -> bool {
        let generation = {
            let state = self.inner.state.read().unwrap_or_else(|p| p.into_inner());
            if let Some(set) = &state.1 {
                // Asked about every request that is not an AWS call: no allocation for a miss.
                let upper = name.bytes().any(|b| b.is_ascii_uppercase());
                return !set.is_empty()
                    && (set.contains(name) || (upper && set.contains(&name.to_ascii_lowercase())));
            }
            state.0
        };
        let Some(set) = (self.inner.load)() else {
            return false;
        };
        let set: HashSet<String> = set.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        let found = set.contains(&name.to_ascii_lowercase());
        let mut state = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        // A change committed while we read makes what we read stale: keep it unloaded.
        if state.0 == generation {
            state.1 = Some(set);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn loads_once_and_again_after_a_change() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counter = loads.clone();
        let names = Names::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Some(HashSet::from(["Api.Example".to_string()]))
        });
        assert_eq!(loads.load(Ordering::SeqCst), 0);
        assert!(names.contains("api.example") && names.contains("API.EXAMPLE"));
        assert!(!names.contains("other"));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        names.changed();
        assert!(names.contains("api.example"));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }
}
