//! Errors for the two phases: a template that cannot be parsed (an API definition problem) and a
//! render that failed (what API Gateway reports as an internal server error).

use crate::ast::Pos;
use crate::limits::Fault;

/// A template the parser rejected; `Display` gives "line L, column C: message".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn at(pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError {
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderErrorKind {
    /// `$input.json`/`$input.path` on a body that is not JSON, or `$util.parseJson` on bad text.
    InvalidJson,
    /// What Java would throw from a method: index out of range, unparsable number, bad regex...
    Invocation,
    /// One of the bounds in [`crate::limits`] was exceeded.
    LimitExceeded,
}

/// A render that failed; `Display` gives "line L, column C: message" for the reference involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct RenderError {
    pub kind: RenderErrorKind,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl RenderError {
    pub(crate) fn from_fault(fault: Fault, pos: Pos) -> RenderError {
        let (kind, message) = match fault {
            Fault::Invocation(m) => (RenderErrorKind::Invocation, m),
            Fault::InvalidJson(m) => (RenderErrorKind::InvalidJson, m),
            Fault::Limit(m) => (RenderErrorKind::LimitExceeded, m),
        };
        RenderError {
            kind,
            line: pos.line,
            column: pos.column,
            message,
        }
    }
}
