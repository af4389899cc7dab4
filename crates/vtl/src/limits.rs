//! Bounds on what one template may cost.
//!
//! Templates come from API definitions a user deploys, and bodies come from whoever calls the
//! API; neither may hang or exhaust the emulator, so every loop, nesting and growth path is
//! capped and overruns become errors instead of panics.

/// Nesting of directives, parentheses, literals and interpolated strings in the source.
pub const MAX_PARSE_DEPTH: usize = 64;
/// `#foreach` iterations over a whole render.
pub const MAX_ITERATIONS: u64 = 100_000;
/// Evaluation steps (nodes, method calls, value nodes checked) over a whole render.
pub const MAX_STEPS: u64 = 20_000_000;
/// Size of the rendered output and of any single string a template builds.
pub const MAX_OUTPUT_BYTES: usize = 10 * 1024 * 1024;
/// Container nesting of values a template builds; deeper values would overflow the stack when
/// printed or dropped.
pub const MAX_VALUE_DEPTH: usize = 512;
/// Characters in a regular expression given to `replaceAll`, `replaceFirst`, `matches` or
/// `split`; regex-lite matches in time linear in the text but proportional to the pattern.
pub const MAX_REGEX_LEN: usize = 1_000;
/// Elements in a range literal such as `[1..5]`.
pub const MAX_RANGE: i64 = 100_000;
/// Value nodes (scalars and containers) a render may copy out of variables, bounding memory:
/// without it, `#set($d = $l.add($l))` in a loop doubles a list each iteration.
pub const MAX_COPIED_NODES: u64 = 4_000_000;

/// Why evaluation stopped, before a source position is attached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    /// What Java would throw from a method call (index out of range, bad number, ...).
    Invocation(String),
    InvalidJson(String),
    Limit(String),
}

pub(crate) type FaultResult<T> = Result<T, Fault>;

#[derive(Debug)]
pub(crate) struct Budget {
    steps: u64,
    iterations: u64,
    copied: u64,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            steps: 0,
            iterations: 0,
            copied: 0,
        }
    }

    pub(crate) fn step(&mut self, n: u64) -> FaultResult<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            return Err(Fault::Limit(format!(
                "template exceeded {MAX_STEPS} evaluation steps"
            )));
        }
        Ok(())
    }

    pub(crate) fn iteration(&mut self) -> FaultResult<()> {
        self.iterations += 1;
        if self.iterations > MAX_ITERATIONS {
            return Err(Fault::Limit(format!(
                "template exceeded {MAX_ITERATIONS} #foreach iterations"
            )));
        }
        self.step(1)
    }

    /// Charges the nodes of a container value a reference produced.
    pub(crate) fn copy(&mut self, value: &crate::Value) -> FaultResult<()> {
        if !matches!(value, crate::Value::List(_) | crate::Value::Map(_)) {
            return Ok(());
        }
        let allowance = MAX_COPIED_NODES.saturating_sub(self.copied);
        let nodes = crate::value::count_nodes(value, allowance.saturating_add(1));
        self.copied = self.copied.saturating_add(nodes);
        if self.copied > MAX_COPIED_NODES {
            return Err(Fault::Limit(format!(
                "template copied more than {MAX_COPIED_NODES} values"
            )));
        }
        self.step(nodes / 16)
    }

    /// Rejects values nested deeper than [`MAX_VALUE_DEPTH`] once `extra` levels are added.
    pub(crate) fn check_depth(&mut self, value: &crate::Value, extra: usize) -> FaultResult<()> {
        let mut work = 0;
        let limit = MAX_VALUE_DEPTH.saturating_sub(extra);
        let too_deep =
            extra > MAX_VALUE_DEPTH || crate::value::deeper_than(value, limit, &mut work);
        self.step(work)?;
        if too_deep {
            return Err(Fault::Limit(format!(
                "value nested deeper than {MAX_VALUE_DEPTH} levels"
            )));
        }
        Ok(())
    }
}

pub(crate) fn check_len(len: usize) -> FaultResult<()> {
    if len > MAX_OUTPUT_BYTES {
        return Err(Fault::Limit(format!(
            "string or output larger than {MAX_OUTPUT_BYTES} bytes"
        )));
    }
    Ok(())
}
