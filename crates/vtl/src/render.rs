//! Evaluates a parsed template against a [`Scope`].
//!
//! Values have value semantics (a `#set` copies), but mutating methods such as `$list.add(x)`
//! or `$map.put(k, v)` change the variable they were called through, which covers how templates
//! build collections. To avoid cloning large bodies on every property step, a reference is
//! walked as a *place* (variable name plus keys) and only the final value is cloned.

use std::collections::{HashMap, HashSet};

use crate::ast::{BinOp, Expr, Node, Pos, Reference, Segment};
use crate::error::RenderError;
use crate::limits::{check_len, Budget, Fault, FaultResult, MAX_RANGE};
use crate::methods::{self, map_key};
use crate::ops;
use crate::value::{Map, Value};
use crate::Scope;

pub(crate) type R<T> = Result<T, RenderError>;

/// Variables API Gateway (or Velocity's `#foreach`) provides: references rooted at these print
/// nothing when null instead of their source text.
const BUILTIN_ROOTS: &[&str] = &[
    "input",
    "util",
    "context",
    "stageVariables",
    "foreach",
    "velocityCount",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    Break,
    Stop,
}

/// Where the parsed body lives among the variables; not a name a template can write.
pub(crate) const BODY_VAR: &str = "\u{0}body";

#[derive(Debug, Clone)]
pub(crate) enum Key {
    Name(String),
    Index(usize),
}

/// Where a reference currently points.
pub(crate) enum Target {
    Place(String, Vec<Key>),
    Owned(Value),
}

pub(crate) struct Renderer<'a> {
    pub(crate) scope: &'a Scope,
    assigned: &'a HashSet<String>,
    pub(crate) vars: HashMap<String, Value>,
    pub(crate) budget: Budget,
    /// Whether the body has been parsed (into [`BODY_VAR`]) and was JSON.
    pub(crate) body_json: Option<bool>,
    pub(crate) params: Option<Value>,
    /// Position of the reference being evaluated, for error messages.
    pub(crate) at: Pos,
}

pub(crate) fn pairs_to_map(pairs: &[(String, String)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

fn resolve<'v>(vars: &'v HashMap<String, Value>, var: &str, keys: &[Key]) -> Option<&'v Value> {
    let mut v = vars.get(var)?;
    for key in keys {
        v = match (v, key) {
            (Value::Map(m), Key::Name(n)) => m.get(n)?,
            (Value::List(l), Key::Index(i)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn resolve_mut<'v>(
    vars: &'v mut HashMap<String, Value>,
    var: &str,
    keys: &[Key],
) -> Option<&'v mut Value> {
    let mut v = vars.get_mut(var)?;
    for key in keys {
        v = match (v, key) {
            (Value::Map(m), Key::Name(n)) => m.get_mut(n)?,
            (Value::List(l), Key::Index(i)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn push(out: &mut String, s: &str) -> FaultResult<()> {
    out.push_str(s);
    check_len(out.len())
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(scope: &'a Scope, assigned: &'a HashSet<String>) -> Renderer<'a> {
        let mut vars = HashMap::new();
        let context = match &scope.context {
            Value::Map(m) => Value::Map(m.clone()),
            // `#set($context.responseOverride...)` needs a map to write into.
            _ => Value::Map(Map::new()),
        };
        vars.insert("context".to_string(), context);
        vars.insert(
            "stageVariables".to_string(),
            Value::Map(pairs_to_map(&scope.stage_variables)),
        );
        Renderer {
            scope,
            assigned,
            vars,
            budget: Budget::new(),
            body_json: None,
            params: None,
            at: Pos { line: 1, column: 1 },
        }
    }

    pub(crate) fn fail(&self, fault: Fault) -> RenderError {
        RenderError::from_fault(fault, self.at)
    }

    pub(crate) fn check<T>(&self, r: FaultResult<T>) -> R<T> {
        r.map_err(|f| self.fail(f))
    }

    pub(crate) fn render_nodes(&mut self, nodes: &[Node], out: &mut String) -> R<Flow> {
        for node in nodes {
            let stepped = self.budget.step(1);
            self.check(stepped)?;
            match node {
                Node::Text(t) => {
                    let pushed = push(out, t);
                    self.check(pushed)?;
                }
                Node::Ref(r) => {
                    let v = self.eval_reference(r)?;
                    self.at = r.pos;
                    let pushed = match &v {
                        Value::Null if r.quiet || self.is_known(&r.root) => Ok(()),
                        Value::Null => push(out, &r.literal),
                        Value::String(s) => push(out, s),
                        other => push(out, &other.to_java_string()),
                    };
                    self.check(pushed)?;
                }
                Node::Set(lhs, rhs) => self.assign(lhs, rhs)?,
                Node::If {
                    branches,
                    otherwise,
                } => {
                    let mut chosen = None;
                    for (cond, body) in branches {
                        if ops::truthy(&self.eval(cond)?) {
                            chosen = Some(body);
                            break;
                        }
                    }
                    if let Some(body) = chosen.or(otherwise.as_ref()) {
                        let flow = self.render_nodes(body, out)?;
                        if flow != Flow::Normal {
                            return Ok(flow);
                        }
                    }
                }
                Node::Foreach {
                    var,
                    iterable,
                    body,
                } => {
                    if self.foreach(var, iterable, body, out)? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Node::Break => return Ok(Flow::Break),
                Node::Stop => return Ok(Flow::Stop),
            }
        }
        Ok(Flow::Normal)
    }

    fn is_known(&self, root: &str) -> bool {
        BUILTIN_ROOTS.contains(&root)
            || self.vars.contains_key(root)
            || self.assigned.contains(root)
    }

    fn foreach(&mut self, var: &str, iterable: &Expr, body: &[Node], out: &mut String) -> R<Flow> {
        let items: Vec<Value> = match self.eval(iterable)? {
            Value::List(l) => l,
            // Velocity iterates a map's values.
            Value::Map(m) => m.into_iter().map(|(_, v)| v).collect(),
            _ => return Ok(Flow::Normal),
        };
        // Velocity restores the loop variable and `$foreach` of an enclosing loop afterwards.
        let saved: Vec<(String, Option<Value>)> = [var, "foreach", "velocityCount"]
            .iter()
            .map(|k| (k.to_string(), self.vars.remove(*k)))
            .collect();
        let n = items.len();
        let mut flow = Flow::Normal;
        for (i, item) in items.into_iter().enumerate() {
            let counted = self.budget.iteration();
            self.check(counted)?;
            // The body may have replaced `$foreach` (or the loop variable); reset them each time.
            let mut state = Map::new();
            state.insert("index", Value::Int(i as i64));
            state.insert("count", Value::Int(i as i64 + 1));
            state.insert("hasNext", Value::Bool(i + 1 < n));
            state.insert("first", Value::Bool(i == 0));
            state.insert("last", Value::Bool(i + 1 == n));
            for (k, v) in [
                (var, item),
                ("foreach", Value::Map(state)),
                ("velocityCount", Value::Int(i as i64 + 1)),
            ] {
                match self.vars.get_mut(k) {
                    Some(slot) => *slot = v,
                    None => {
                        self.vars.insert(k.to_string(), v);
                    }
                }
            }
            match self.render_nodes(body, out)? {
                Flow::Normal => {}
                Flow::Break => break,
                Flow::Stop => {
                    flow = Flow::Stop;
                    break;
                }
            }
        }
        for (k, v) in saved {
            match v {
                Some(v) => {
                    self.vars.insert(k, v);
                }
                None => {
                    self.vars.remove(&k);
                }
            }
        }
        Ok(flow)
    }

    fn assign(&mut self, lhs: &Reference, rhs: &Expr) -> R<()> {
        let value = self.eval(rhs)?;
        self.at = lhs.pos;
        // Velocity 1.7 (directive.set.null.allowed=false): a null right-hand side leaves the
        // target unchanged, which templates rely on inside loops.
        if value.is_null() {
            return Ok(());
        }
        let mut keys = Vec::new();
        for seg in &lhs.segments {
            match seg {
                Segment::Property(n) => keys.push(Key::Name(n.clone())),
                Segment::Index(e) => {
                    let idx = self.eval(e)?;
                    self.at = lhs.pos;
                    match idx {
                        Value::Int(i) => match usize::try_from(i) {
                            Ok(u) => keys.push(Key::Index(u)),
                            Err(_) => return Ok(()),
                        },
                        other => match map_key(&other) {
                            Some(k) => keys.push(Key::Name(k)),
                            None => return Ok(()),
                        },
                    }
                }
                // The parser refuses method calls on the left of #set.
                Segment::Call(..) => return Ok(()),
            }
        }
        let checked = self.budget.check_depth(&value, keys.len());
        self.check(checked)?;
        let Some((last, init)) = keys.split_last() else {
            self.vars.insert(lhs.root.clone(), value);
            return Ok(());
        };
        // API Gateway's override maps exist before the template runs; create them on demand.
        let vivify = lhs.root == "context";
        let Some(mut node) = self.vars.get_mut(&lhs.root) else {
            return Ok(());
        };
        for key in init {
            node = match (node, key) {
                (Value::Map(m), Key::Name(n)) => {
                    if m.get(n).is_none_or(Value::is_null) {
                        if !vivify {
                            return Ok(());
                        }
                        m.insert(n.clone(), Value::Map(Map::new()));
                    }
                    match m.get_mut(n) {
                        Some(v) => v,
                        None => return Ok(()),
                    }
                }
                (Value::List(l), Key::Index(i)) => match l.get_mut(*i) {
                    Some(v) => v,
                    None => return Ok(()),
                },
                _ => return Ok(()),
            };
        }
        match (node, last) {
            (Value::Map(m), Key::Name(n)) => {
                m.insert(n.clone(), value);
            }
            (Value::List(l), Key::Index(i)) => {
                let len = l.len();
                match l.get_mut(*i) {
                    Some(slot) => *slot = value,
                    None => {
                        return Err(self.fail(Fault::Invocation(format!(
                            "IndexOutOfBoundsException: Index {i} out of bounds for length {len}"
                        ))))
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn eval_args(&mut self, args: &[Expr]) -> R<Vec<Value>> {
        let at = self.at;
        let values = args.iter().map(|a| self.eval(a)).collect::<R<Vec<_>>>()?;
        self.at = at;
        Ok(values)
    }

    pub(crate) fn eval(&mut self, e: &Expr) -> R<Value> {
        let stepped = self.budget.step(1);
        self.check(stepped)?;
        Ok(match e {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => Value::String(s.clone()),
            Expr::Interpolated(nodes) => {
                let mut s = String::new();
                self.render_nodes(nodes, &mut s)?;
                Value::String(s)
            }
            Expr::List(items) => {
                let list = Value::List(items.iter().map(|i| self.eval(i)).collect::<R<_>>()?);
                let checked = self.budget.check_depth(&list, 0);
                self.check(checked)?;
                list
            }
            Expr::Range(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let (Value::Int(a), Value::Int(b)) = (a, b) else {
                    return Ok(Value::Null);
                };
                if a.abs_diff(b) >= MAX_RANGE as u64 {
                    return Err(self.fail(Fault::Limit(format!(
                        "range [{a}..{b}] has more than {MAX_RANGE} elements"
                    ))));
                }
                if a <= b {
                    Value::List((a..=b).map(Value::Int).collect())
                } else {
                    Value::List((b..=a).rev().map(Value::Int).collect())
                }
            }
            Expr::Map(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    let key = self.eval(k)?;
                    let value = self.eval(v)?;
                    if let Some(key) = map_key(&key) {
                        map.insert(key, value);
                    }
                }
                let map = Value::Map(map);
                let checked = self.budget.check_depth(&map, 0);
                self.check(checked)?;
                map
            }
            Expr::Ref(r) => self.eval_reference(r)?,
            Expr::Not(a) => Value::Bool(!ops::truthy(&self.eval(a)?)),
            Expr::Neg(a) => ops::negate(&self.eval(a)?),
            Expr::Binary(BinOp::And, a, b) => {
                Value::Bool(ops::truthy(&self.eval(a)?) && ops::truthy(&self.eval(b)?))
            }
            Expr::Binary(BinOp::Or, a, b) => {
                Value::Bool(ops::truthy(&self.eval(a)?) || ops::truthy(&self.eval(b)?))
            }
            Expr::Binary(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let v = ops::binary(*op, &a, &b);
                if let Value::String(s) = &v {
                    self.check(check_len(s.len()))?;
                }
                v
            }
        })
    }

    pub(crate) fn eval_reference(&mut self, r: &Reference) -> R<Value> {
        self.at = r.pos;
        let mut segments = r.segments.iter();
        let mut target = if self.vars.contains_key(&r.root) {
            Target::Place(r.root.clone(), Vec::new())
        } else if r.root == "input" || r.root == "util" {
            let Some(first) = segments.next() else {
                return Ok(Value::Null);
            };
            self.builtin(&r.root, first)?
        } else {
            return Ok(Value::Null);
        };
        for seg in segments {
            self.at = r.pos;
            target = self.apply(target, seg)?;
            if matches!(target, Target::Owned(Value::Null)) {
                return Ok(Value::Null);
            }
        }
        let value = match target {
            Target::Place(var, keys) => {
                let Some(v) = resolve(&self.vars, &var, &keys) else {
                    return Ok(Value::Null);
                };
                let charged = self.budget.copy(v);
                self.check(charged)?;
                v.clone()
            }
            Target::Owned(v) => {
                let charged = self.budget.copy(&v);
                self.check(charged)?;
                v
            }
        };
        Ok(value)
    }

    fn apply(&mut self, target: Target, seg: &Segment) -> R<Target> {
        match seg {
            Segment::Property(name) => Ok(match target {
                Target::Place(var, mut keys) => match resolve(&self.vars, &var, &keys) {
                    Some(Value::Map(_)) => {
                        keys.push(Key::Name(name.clone()));
                        Target::Place(var, keys)
                    }
                    Some(v) => Target::Owned(methods::property(v, name)),
                    None => Target::Owned(Value::Null),
                },
                Target::Owned(v) => Target::Owned(methods::property_owned(v, name)),
            }),
            Segment::Index(e) => {
                let at = self.at;
                let idx = self.eval(e)?;
                self.at = at;
                match target {
                    Target::Place(var, keys) => self.step_into(var, keys, &idx),
                    Target::Owned(v) => {
                        let picked = methods::index(&v, &idx);
                        Ok(Target::Owned(self.check(picked)?))
                    }
                }
            }
            Segment::Call(name, args) => {
                let args = self.eval_args(args)?;
                match target {
                    Target::Place(var, keys) => {
                        if name == "get" && args.len() == 1 {
                            if let Some(Value::Map(_) | Value::List(_)) =
                                resolve(&self.vars, &var, &keys)
                            {
                                return self.step_into(var, keys, &args[0]);
                            }
                        }
                        if methods::is_mutator(name) && var == BODY_VAR {
                            // `$input.path(...)` hands out copies: changing one must not
                            // change the body later calls see.
                            let mut copy = resolve(&self.vars, &var, &keys)
                                .cloned()
                                .unwrap_or(Value::Null);
                            let result = methods::call_mut(&mut copy, name, args, &mut self.budget);
                            return Ok(Target::Owned(self.check(result)?));
                        }
                        if methods::is_mutator(name) {
                            for a in &args {
                                let checked = self.budget.check_depth(a, keys.len() + 1);
                                self.check(checked)?;
                            }
                            let result = match resolve_mut(&mut self.vars, &var, &keys) {
                                Some(v) => methods::call_mut(v, name, args, &mut self.budget),
                                None => Ok(Value::Null),
                            };
                            return Ok(Target::Owned(self.check(result)?));
                        }
                        let result = match resolve(&self.vars, &var, &keys) {
                            Some(v) => methods::call(v, name, &args, &mut self.budget),
                            None => Ok(Value::Null),
                        };
                        Ok(Target::Owned(self.check(result)?))
                    }
                    Target::Owned(mut v) => {
                        let result = if methods::is_mutator(name) {
                            methods::call_mut(&mut v, name, args, &mut self.budget)
                        } else {
                            methods::call(&v, name, &args, &mut self.budget)
                        };
                        Ok(Target::Owned(self.check(result)?))
                    }
                }
            }
        }
    }

    /// `[idx]` or `.get(idx)` on a place: stays a place for map keys and in-range list indexes.
    fn step_into(&mut self, var: String, mut keys: Vec<Key>, idx: &Value) -> R<Target> {
        match resolve(&self.vars, &var, &keys) {
            Some(Value::Map(_)) => Ok(match map_key(idx) {
                Some(k) => {
                    keys.push(Key::Name(k));
                    Target::Place(var, keys)
                }
                None => Target::Owned(Value::Null),
            }),
            Some(Value::List(l)) => match idx {
                Value::Int(i) if usize::try_from(*i).is_ok_and(|u| u < l.len()) => {
                    keys.push(Key::Index(*i as usize));
                    Ok(Target::Place(var, keys))
                }
                Value::Int(i) => Err(self.fail(Fault::Invocation(format!(
                    "IndexOutOfBoundsException: Index {i} out of bounds for length {}",
                    l.len()
                )))),
                _ => Ok(Target::Owned(Value::Null)),
            },
            Some(v) => {
                let picked = methods::index(v, idx);
                Ok(Target::Owned(self.check(picked)?))
            }
            None => Ok(Target::Owned(Value::Null)),
        }
    }
}
