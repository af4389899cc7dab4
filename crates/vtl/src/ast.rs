//! The parsed form of a template.

/// 1-based source position, kept so render errors can point at the reference that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Ref(Reference),
    Set(Reference, Expr),
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
    },
    Foreach {
        var: String,
        iterable: Expr,
        body: Vec<Node>,
    },
    Break,
    Stop,
}

/// `$root.seg.seg(...)[...]` as written.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub root: String,
    /// `$!x`: renders nothing instead of its source text when null.
    pub quiet: bool,
    pub segments: Vec<Segment>,
    /// The reference's source text, which Velocity prints for an undefined reference.
    pub literal: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Property(String),
    Call(String, Vec<Expr>),
    Index(Expr),
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A double-quoted literal containing `$` or `#`: rendered as a template fragment.
    Interpolated(Vec<Node>),
    List(Vec<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Map(Vec<(Expr, Expr)>),
    Ref(Reference),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}
