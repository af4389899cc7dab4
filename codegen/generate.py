#!/usr/bin/env python3
"""Generates Rust shapes, operation dispatch, validation and error tables from the botocore
models in models/.

    python3 codegen/generate.py          # rewrite the generated files
    python3 codegen/generate.py --check  # fail if a generated file differs (CI runs this)

For each JSON-protocol service it writes one module with:
- a struct per structure shape (serde, the model's member names on the wire);
- `validate()` per structure: the model's required/length/range/enum/pattern constraints,
  rendered in AWS's own "1 validation error detected: ..." wording;
- a trait with one method per operation, each defaulting to a "not implemented" error, and a
  `dispatch()` that decodes the request body into the operation's input and encodes the output;
- an enum of the service's modeled errors with their HTTP status codes;
- `OPERATIONS`: every operation name, for the compatibility matrix.
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

SERVICES = [
    {
        "model": "models/dynamodb-2012-08-10.json",
        "out": "crates/services/dynamodb/src/generated/dynamodb.rs",
        "trait": "DynamoDbApi",
        # Shapes written by hand because their wire form is special (a tagged union whose
        # validation messages are DynamoDB's own, not the model's).
        "external": {"AttributeValue": "crate::types::AttributeValue"},
    },
    {
        "model": "models/dynamodbstreams-2012-08-10.json",
        "out": "crates/services/dynamodb/src/generated/streams.rs",
        "trait": "DynamoDbStreamsApi",
        "external": {"AttributeValue": "crate::types::AttributeValue"},
    },
]

RUST_KEYWORDS = {"type", "match", "ref", "in", "fn", "mod", "use", "loop", "move", "box", "self", "where"}

# Patterns we check, as a Rust predicate over `&str`; others are not enforced.
PATTERNS = {
    "[a-zA-Z0-9_.-]+": "|s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')",
}


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return f"r#{s}" if s in RUST_KEYWORDS else s


def lower_camel(name):
    return name[0].lower() + name[1:]


class Gen:
    def __init__(self, spec):
        self.spec = spec
        self.model = json.loads((ROOT / spec["model"]).read_text())
        self.shapes = self.model["shapes"]
        self.external = spec["external"]

    def rust_type(self, shape_name):
        if shape_name in self.external:
            return self.external[shape_name]
        s = self.shapes[shape_name]
        t = s["type"]
        if t == "structure":
            return shape_name
        if t == "string":
            return "String"
        if t == "integer":
            return "i32"
        if t == "long":
            return "i64"
        if t == "boolean":
            return "bool"
        if t in ("double", "float", "timestamp"):
            return "f64"
        if t == "blob":
            return "nimbus_protocol::Blob"
        if t == "list":
            return f"Vec<{self.rust_type(s['member']['shape'])}>"
        if t == "map":
            return f"std::collections::BTreeMap<String, {self.rust_type(s['value']['shape'])}>"
        raise ValueError(f"unhandled shape type {t} ({shape_name})")

    # ---- validation -------------------------------------------------------------------
    def checks_for(self, shape_name, expr, path_expr, depth):
        """Rust statements validating `expr` (a reference to a value of `shape_name`)."""
        if shape_name in self.external:
            return []
        s = self.shapes[shape_name]
        t = s["type"]
        out = []
        if t == "string":
            if s.get("min", 0) > 0:
                out.append(f"if ({expr}).chars().count() < {s['min']} {{ v.fail(&{path_expr}, &{expr}, \"Member must have length greater than or equal to {s['min']}\"); }}")
            if "max" in s:
                out.append(f"if ({expr}).chars().count() > {s['max']} {{ v.fail(&{path_expr}, &{expr}, \"Member must have length less than or equal to {s['max']}\"); }}")
            if "enum" in s:
                values = ", ".join(f'"{e}"' for e in s["enum"])
                listing = ", ".join(s["enum"])
                out.append(f"if ![{values}].contains(&({expr}).as_str()) {{ v.fail(&{path_expr}, &{expr}, \"Member must satisfy enum value set: [{listing}]\"); }}")
            if s.get("pattern") in PATTERNS:
                pat = s["pattern"]
                out.append(f"if !({PATTERNS[pat]})(&{expr}) {{ v.fail(&{path_expr}, &{expr}, \"Member must satisfy regular expression pattern: {pat}\"); }}")
        elif t in ("integer", "long"):
            if "min" in s:
                out.append(f"if *{expr} < {s['min']} {{ v.fail(&{path_expr}, &{expr}.to_string(), \"Member must have value greater than or equal to {s['min']}\"); }}")
            if "max" in s:
                out.append(f"if *{expr} > {s['max']} {{ v.fail(&{path_expr}, &{expr}.to_string(), \"Member must have value less than or equal to {s['max']}\"); }}")
        elif t == "structure":
            out.append(f"({expr}).validate_into(&{path_expr}, v);")
        elif t in ("list", "map"):
            # Only the lower bound is checked here: where AWS enforces an upper bound on a
            # collection it answers with its own message (e.g. "Too many items requested for
            # the BatchGetItem call"), which the service code writes.
            empty = "[]" if t == "list" else "{}"
            if s.get("min", 0) > 0:
                out.append(f"if ({expr}).len() < {s['min']} {{ v.fail(&{path_expr}, \"{empty}\", \"Member must have length greater than or equal to {s['min']}\"); }}")
            if t == "list":
                inner = self.checks_for(s["member"]["shape"], f"e{depth}", f"format!(\"{{}}.{{}}.member\", {path_expr}, i{depth} + 1)", depth + 1)
                if inner:
                    out.append(f"for (i{depth}, e{depth}) in ({expr}).iter().enumerate() {{ {' '.join(inner)} }}")
            else:
                inner = self.checks_for(s["value"]["shape"], f"e{depth}", f"format!(\"{{}}.{{}}.member\", {path_expr}, k{depth})", depth + 1)
                if inner:
                    out.append(f"for (k{depth}, e{depth}) in ({expr}).iter() {{ {' '.join(inner)} }}")
        return out

    def structure(self, name, s):
        required = set(s.get("required", []))
        lines = ["#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]", f"pub struct {name} {{"]
        checks = []
        for member, m in s["members"].items():
            field = snake(member)
            ty = self.rust_type(m["shape"])
            attrs = [f'rename = "{member}"']
            if member in required:
                lines.append(f"    #[serde({', '.join(attrs)})]")
                lines.append(f"    pub {field}: {ty},")
                path = f'join(path, "{lower_camel(member)}")'
                for c in self.checks_for(m["shape"], f"&self.{field}", path, 0):
                    checks.append("        " + c)
            else:
                attrs.append('skip_serializing_if = "Option::is_none"')
                attrs.append("default")
                lines.append(f"    #[serde({', '.join(attrs)})]")
                lines.append(f"    pub {field}: Option<{ty}>,")
                inner = self.checks_for(m["shape"], "x", f'join(path, "{lower_camel(member)}")', 0)
                if inner:
                    checks.append(f"        if let Some(x) = &self.{field} {{ {' '.join(inner)} }}")
        lines.append("}")
        lines.append("")
        lines.append(f"impl {name} {{")
        lines.append("    /// Checks the model's constraints, collecting every violation.")
        unused = "" if checks else "_"
        lines.append(f"    pub fn validate_into(&self, {unused}path: &str, {unused}v: &mut Violations) {{")
        lines.extend(checks)
        lines.append("    }")
        lines.append("}")
        lines.append("")
        return "\n".join(lines)

    def reachable(self):
        seen = set()
        stack = []
        for op in self.model["operations"].values():
            for k in ("input", "output"):
                if k in op:
                    stack.append(op[k]["shape"])
        for name, s in self.shapes.items():
            if s.get("exception"):
                stack.append(name)
        while stack:
            n = stack.pop()
            if n in seen or n in self.external:
                continue
            seen.add(n)
            s = self.shapes[n]
            if s["type"] == "structure":
                stack.extend(m["shape"] for m in s["members"].values())
            elif s["type"] == "list":
                stack.append(s["member"]["shape"])
            elif s["type"] == "map":
                stack.extend([s["key"]["shape"], s["value"]["shape"]])
        return seen

    def render(self):
        meta = self.model["metadata"]
        trait = self.spec["trait"]
        out = [
            f"// @generated by codegen/generate.py from {self.spec['model']} (botocore {meta.get('botocoreVersion')}).",
            "// Do not edit: change the generator or the model, then run `python3 codegen/generate.py`.",
            "#![allow(clippy::all, unused_imports, dead_code)]",
            "",
            "use serde::{Deserialize, Serialize};",
            "use nimbus_core::RequestContext;",
            "use nimbus_protocol::{json, AwsError, Violations, join};",
            "",
            f'/// The `X-Amz-Target` prefix of this service\'s operations.',
            f'pub const TARGET_PREFIX: &str = "{meta["targetPrefix"]}";',
            f'/// The namespace AWS puts before this service\'s error codes in `__type`.',
            f'pub const ERROR_NAMESPACE: &str = "com.amazonaws.{meta["endpointPrefix"].split(".")[-1]}.v{meta["apiVersion"].replace("-", "")}";',
            "",
        ]
        names = sorted(self.reachable())
        for n in names:
            s = self.shapes[n]
            if s["type"] == "structure" and not s.get("exception"):
                out.append(self.structure(n, s))
        # Errors
        errors = sorted(n for n, s in self.shapes.items() if s.get("exception"))
        out.append("/// The errors this service's model declares.")
        out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq)]")
        out.append("pub enum ErrorCode {")
        for e in errors:
            out.append(f"    {e},")
        out.append("}")
        out.append("")
        out.append("impl ErrorCode {")
        out.append("    pub fn as_str(self) -> &'static str {")
        out.append("        match self {")
        for e in errors:
            out.append(f'            ErrorCode::{e} => "{e}",')
        out.append("        }")
        out.append("    }")
        out.append("")
        out.append("    pub fn status(self) -> u16 {")
        out.append("        match self {")
        for e in errors:
            s = self.shapes[e]
            status = (s.get("error") or {}).get("httpStatusCode") or (500 if s.get("fault") else 400)
            out.append(f"            ErrorCode::{e} => {status},")
        out.append("        }")
        out.append("    }")
        out.append("")
        out.append("    /// An error of this code, `__type` qualified as AWS qualifies it.")
        out.append("    pub fn error(self, message: impl Into<String>) -> AwsError {")
        out.append("        AwsError::new(self.status(), ERROR_NAMESPACE, self.as_str(), message)")
        out.append("    }")
        out.append("}")
        out.append("")
        # Operations
        ops = self.model["operations"]
        out.append("/// Every operation of the service, in model order.")
        out.append("pub const OPERATIONS: &[&str] = &[")
        for name in ops:
            out.append(f'    "{name}",')
        out.append("];")
        out.append("")
        out.append(f"/// One method per operation. Unimplemented operations answer the protocol's")
        out.append(f"/// not-implemented error; implementations override what they serve.")
        out.append(f"pub trait {trait}: Send + Sync {{")
        for name, op in ops.items():
            fn = snake(name)
            inp = op.get("input", {}).get("shape")
            outp = op.get("output", {}).get("shape")
            in_ty = inp if inp else "()"
            out_ty = outp if outp else "()"
            out.append(f"    fn {fn}(&self, _ctx: &RequestContext, _input: {in_ty}) -> Result<{out_ty}, AwsError> {{")
            out.append(f'        Err(AwsError::not_implemented("{name}"))')
            out.append("    }")
        out.append("}")
        out.append("")
        out.append("/// Decodes `body` as the input of `operation`, validates it, calls the service and encodes")
        out.append("/// the output.")
        out.append(f"pub fn dispatch<S: {trait} + ?Sized>(service: &S, ctx: &RequestContext, operation: &str, body: &[u8]) -> Result<Vec<u8>, AwsError> {{")
        out.append("    match operation {")
        for name, op in ops.items():
            fn = snake(name)
            inp = op.get("input", {}).get("shape")
            out.append(f'        "{name}" => {{')
            if inp:
                out.append(f"            let input: {inp} = json::decode(body)?;")
                out.append("            let mut v = Violations::default();")
                out.append('            input.validate_into("", &mut v);')
                out.append("            v.into_result()?;")
            else:
                out.append("            let input = ();")
            if op.get("output"):
                out.append(f"            json::encode(&service.{fn}(ctx, input)?)")
            else:
                out.append(f"            service.{fn}(ctx, input)?;")
                out.append('            Ok(b"{}".to_vec())')
            out.append("        }")
        out.append("        _ => Err(AwsError::unknown_operation(operation)),")
        out.append("    }")
        out.append("}")
        out.append("")
        out.append("/// Which operations `service` serves: each is called once with a default input and counts")
        out.append("/// as served unless it answers NotImplementedException. Feeds docs/compatibility.md; run it")
        out.append("/// on a throwaway service, since served operations really run.")
        out.append(f"pub fn served_operations<S: {trait} + ?Sized>(service: &S, ctx: &RequestContext) -> Vec<(&'static str, bool)> {{")
        out.append("    let served = |answer: Result<(), AwsError>| !matches!(answer, Err(e) if e.code == \"NotImplementedException\");")
        out.append("    vec![")
        for name, op in ops.items():
            fn = snake(name)
            arg = "Default::default()" if op.get("input") else "()"
            out.append(f'        ("{name}", served(service.{fn}(ctx, {arg}).map(|_| ()))),')
        out.append("    ]")
        out.append("}")
        return "\n".join(out) + "\n"


def rustfmt(text):
    """Formats generated code as `cargo fmt` would, so the fmt check and the drift check agree."""
    import subprocess
    return subprocess.run(["rustfmt", "--edition", "2021", "--emit", "stdout", "--quiet"],
                          input=text, capture_output=True, text=True, check=True).stdout


def main():
    check = "--check" in sys.argv
    stale = []
    for spec in SERVICES:
        text = rustfmt(Gen(spec).render())
        path = ROOT / spec["out"]
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(spec["out"])
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {spec['out']}")
    if stale:
        print("generated code is stale; run `python3 codegen/generate.py` and commit:", *stale, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
