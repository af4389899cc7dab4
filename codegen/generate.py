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

A query-protocol (awsQuery) service gets the same shapes, validation, trait and error table, with
`from_query()` reading each input shape from the decoded form and `to_xml()` writing each output
shape, a `dispatch()` over the `Action` that wraps the result in `<{Action}Response>`, and its
errors under their `awsQueryError` codes (`LoadBalancerNotFound`, not the shape name).
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
    {
        "model": "models/lambda-2015-03-31.json",
        "out": "crates/services/lambda/src/generated/lambda.rs",
        "trait": "LambdaApi",
        "external": {},
    },
    {
        "model": "models/apigatewayv2-2018-11-29.json",
        "out": "crates/services/apigateway/src/generated/apigatewayv2.rs",
        "trait": "ApiGatewayV2Api",
        "external": {},
    },
    {
        "model": "models/apigateway-2015-07-09.json",
        "out": "crates/services/apigateway/src/generated/apigateway.rs",
        "trait": "ApiGatewayApi",
        "external": {},
    },
    {
        "model": "models/elbv2-2015-12-01.json",
        "out": "crates/services/elbv2/src/generated/elbv2.rs",
        "trait": "Elbv2Api",
        "external": {},
    },
    {
        "model": "models/logs-2014-03-28.json",
        "out": "crates/services/logs/src/generated/logs.rs",
        "trait": "LogsApi",
        "external": {},
    },
]

# Locations a restJson1 member can be bound to besides the JSON body.
BOUND = ("uri", "querystring", "header", "headers", "statusCode")

RUST_KEYWORDS = {"type", "match", "ref", "in", "fn", "mod", "use", "loop", "move", "box", "self", "where"}

# Patterns we check, as a Rust predicate over `&str`; others are not enforced.
PATTERNS = {
    "[a-zA-Z0-9_.-]+": "|s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')",
    # CloudWatch Logs group and stream names.
    "[\\.\\-_/#A-Za-z0-9]+": "|s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b\".-_/#\".contains(&b))",
    "[^:*]*": "|s: &str| !s.contains(':') && !s.contains('*')",
    # Elastic Load Balancing: fixed-response status codes and target group attribute keys.
    "^(2|4|5)\\d\\d$": "|s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) && matches!(s.as_bytes()[0], b'2' | b'4' | b'5')",
    "^[a-zA-Z0-9._]+$": "|s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')",
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
        self.top_level = {op[k]["shape"] for op in self.model["operations"].values()
                          for k in ("input", "output") if k in op}

    def rust_type(self, shape_name):
        if shape_name in self.external:
            return self.external[shape_name]
        s = self.shapes[shape_name]
        t = s["type"]
        if self.is_event_stream(shape_name):
            return "nimbus_protocol::eventstream::EventStream"
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
        if t == "timestamp" and s.get("timestampFormat") == "iso8601":
            return "String"  # written as AWS writes it, `2026-12-01T10:00:00Z`
        if t in ("double", "float", "timestamp"):
            return "f64"
        if t == "blob":
            return "nimbus_protocol::Blob"
        if t == "list":
            return f"Vec<{self.rust_type(s['member']['shape'])}>"
        if t == "map":
            return f"std::collections::BTreeMap<String, {self.rust_type(s['value']['shape'])}>"
        raise ValueError(f"unhandled shape type {t} ({shape_name})")

    def is_event_stream(self, shape_name):
        """An output's event stream (Lambda's InvokeWithResponseStream): messages written while
        the response is sent, not a value held in the output. Only restJson1 outputs stream so
        far; an awsJson event stream (CloudWatch Logs' StartLiveTail) stays a plain shape."""
        return self.is_rest() and self.shapes.get(shape_name, {}).get("eventstream", False)

    # ---- validation -------------------------------------------------------------------
    def checks_for(self, shape_name, expr, path_expr, depth):
        """Rust statements validating `expr` (a reference to a value of `shape_name`)."""
        if shape_name in self.external or self.is_event_stream(shape_name):
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
                shown = pat.replace("\\", "\\\\").replace('"', '\\"')  # as a Rust string literal
                out.append(f"if !({PATTERNS[pat]})(&{expr}) {{ v.fail(&{path_expr}, &{expr}, \"Member must satisfy regular expression pattern: {shown}\"); }}")
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

    def is_rest(self):
        return self.model["metadata"]["protocol"] == "rest-json"

    def is_query(self):
        return self.model["metadata"]["protocol"] == "query"

    def bound(self, shape_name, member):
        """Whether a member of an operation's input or output travels outside the JSON body."""
        if not self.is_rest() or shape_name not in self.top_level:
            return False
        s = self.shapes[shape_name]
        return s["members"][member].get("location") in BOUND or s.get("payload") == member

    def reaches(self, start, target, seen=None):
        """Whether structure `start` contains `target` inline (through structure members only:
        lists and maps are on the heap already)."""
        seen = seen if seen is not None else set()
        if start == target:
            return True
        if start in seen or start in self.external or self.shapes[start]["type"] != "structure":
            return False
        seen.add(start)
        return any(self.reaches(m["shape"], target, seen) for m in self.shapes[start]["members"].values())

    def structure(self, name, s):
        required = set(s.get("required", []))
        derives = "Debug, Clone, Default, PartialEq, Serialize, Deserialize"
        if any(self.is_event_stream(m["shape"]) for m in s["members"].values()):
            derives = "Debug, Default, Serialize, Deserialize"  # a stream is neither copied nor compared
        lines = [f"#[derive({derives})]", f"pub struct {name} {{"]
        checks = []
        for member, m in s["members"].items():
            field = snake(member)
            ty = self.rust_type(m["shape"])
            if self.shapes.get(m["shape"], {}).get("type") == "structure" and self.reaches(m["shape"], name):
                ty = f"Box<{ty}>"  # a recursive shape
            # restJson1 models name body members on the wire with locationName (apigatewayv2's
            # "apiId"); the others use the member name itself.
            attrs = [f'rename = "{m.get("locationName", member)}"']
            if self.bound(name, member):
                attrs = ["skip"]
            if member in required and self.bound(name, member) and m.get("location") in ("querystring", "header"):
                # A required query or header member may be absent on the wire: keep it optional
                # here and report it the way AWS does.
                lines.append(f"    #[serde(skip)]")
                lines.append(f"    pub {field}: Option<{ty}>,")
                path = f'join(path, "{lower_camel(member)}")'
                checks.append(f'        if self.{field}.is_none() {{ v.fail_null(&{path}); }}')
                inner = self.checks_for(m["shape"], "x", path, 0)
                if inner:
                    checks.append(f"        if let Some(x) = &self.{field} {{ {' '.join(inner)} }}")
                continue
            if member in required:
                lines.append(f"    #[serde({', '.join(attrs)})]")
                lines.append(f"    pub {field}: {ty},")
                path = f'join(path, "{lower_camel(member)}")'
                for c in self.checks_for(m["shape"], f"&self.{field}", path, 0):
                    checks.append("        " + c)
            else:
                if attrs != ["skip"]:
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
        """Every shape the operations and exceptions reach."""
        roots = [op[k]["shape"] for op in self.model["operations"].values()
                 for k in ("input", "output") if k in op]
        roots += [name for name, s in self.shapes.items() if s.get("exception")]
        return self.walk(roots)

    def walk(self, roots):
        """The shapes reachable from `roots` (shape names), external ones left out."""
        seen, stack = set(), list(roots)
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

    # ---- restJson1 -----------------------------------------------------------------------
    def scalar_text(self, shape_name, expr):
        """A Rust expression turning `expr` (a reference to a scalar) into header/query text."""
        t = self.shapes[shape_name]["type"]
        if t == "string":
            return f"{expr}.clone()"
        if t == "timestamp":
            return f"{expr}.to_string()"
        return f"{expr}.to_string()"

    def bind_input(self, name):
        s = self.shapes[name]
        required = set(s.get("required", []))
        members = s["members"]
        payload = s.get("payload")
        body_members = [m for m in members if not self.bound(name, m)]
        lines = [f"impl {name} {{",
                 "    /// Binds the request's path labels, query string, headers and body to this input.",
                 "    pub fn from_rest(req: &RestRequest) -> Result<Self, AwsError> {"]
        if body_members:
            lines.append(f"        let mut input: {name} = json::decode(req.json_body())?;")
        else:
            lines.append(f"        let mut input = {name}::default();")
        for member, m in members.items():
            field = snake(member)
            loc = m.get("location")
            wire = m.get("locationName", member)
            t = self.shapes[m["shape"]]["type"]
            req_plain = member in required and loc not in ("querystring", "header")
            if payload == member:
                if t == "blob" and member in required:
                    lines.append(f"        input.{field} = nimbus_protocol::Blob(req.body.to_vec());")
                elif t == "blob":
                    lines.append(f"        if !req.body.is_empty() {{ input.{field} = Some(nimbus_protocol::Blob(req.body.to_vec())); }}")
                else:
                    lines.append(f"        if !req.body.is_empty() {{ input.{field} = Some(json::decode(&req.body)?); }}")
                continue
            if loc == "uri":
                if t == "string":
                    value = f'req.label("{wire}")'
                else:
                    value = f'parse_bound(Some(req.label("{wire}")), "{member}")?.unwrap_or_default()'
                lines.append(f"        input.{field} = {value};" if req_plain else f"        input.{field} = Some({value});")
            elif loc in ("querystring", "header"):
                getter = f'req.query_str("{wire}")' if loc == "querystring" else f'req.header_str("{wire}")'
                if t == "string":
                    value = getter
                elif t == "list":
                    value = f'req.query_all("{wire}")'
                elif t == "map":
                    # A map bound to the query string takes every parameter (ImportRestApi's).
                    value = "Some(req.query.iter().cloned().collect()).filter(|m: &std::collections::BTreeMap<String, String>| !m.is_empty())"
                elif t == "timestamp":
                    value = f'parse_bound::<f64>({getter}, "{member}")?'
                else:
                    value = f'parse_bound({getter}, "{member}")?'
                lines.append(f"        input.{field} = {value};")
            elif loc == "headers":
                prefix = wire.lower()
                lines.append(f'        let prefixed: std::collections::BTreeMap<String, String> = req.headers.iter().filter_map(|(k, v)| Some((k.as_str().strip_prefix("{prefix}")?.to_string(), v.to_str().ok()?.to_string()))).collect();')
                lines.append(f"        if !prefixed.is_empty() {{ input.{field} = Some(prefixed); }}")
        lines += ["        Ok(input)", "    }", "}", ""]
        return "\n".join(lines)

    def bind_output(self, name):
        s = self.shapes[name]
        members = s["members"]
        payload = s.get("payload")
        body_members = [m for m in members if not self.bound(name, m)]
        lines = [f"impl {name} {{",
                 "    /// Binds this output to the response's status code, headers and body.",
                 "    pub fn into_rest(self, status: u16) -> Result<RestResponse, AwsError> {"]
        if payload and self.is_event_stream(members[payload]["shape"]):
            lines.append("        let mut resp = RestResponse::new(status, Vec::new());")
        elif payload:
            m = members[payload]
            if self.shapes[m["shape"]]["type"] == "blob":
                lines.append(f"        let mut resp = RestResponse::new(status, self.{snake(payload)}.clone().map(|b| b.0).unwrap_or_default());")
            else:
                lines.append(f"        let mut resp = RestResponse::new(status, match &self.{snake(payload)} {{ Some(p) => json::encode(p)?, None => Vec::new() }});")
        elif body_members:
            lines.append("        let mut resp = RestResponse::new(status, json::encode(&self)?);")
        else:
            lines.append("        let mut resp = RestResponse::new(status, Vec::new());")
        for member, m in members.items():
            loc = m.get("location")
            field = snake(member)
            if loc == "header":
                lines.append(f'        resp.header("{m.get("locationName", member)}", self.{field}.as_ref().map(|v| {self.scalar_text(m["shape"], "v")}));')
            elif loc == "headers":
                lines.append(f'        for (k, v) in self.{field}.iter().flatten() {{ resp.headers.push(("{m.get("locationName", member)}", format!("{{k}}:{{v}}"))); }}')
            elif loc == "statusCode":
                lines.append(f"        if let Some(code) = self.{field} {{ resp.status = code as u16; }}")
        if payload and self.is_event_stream(members[payload]["shape"]):
            lines.append(f"        resp.stream = self.{snake(payload)}.and_then(|s| s.0);")
        lines += ["        Ok(resp)", "    }", "}", ""]
        return "\n".join(lines)

    def route(self, name, op):
        uri = op["http"]["requestUri"]
        path, _, query = uri.partition("?")
        segs = []
        for part in path.strip("/").split("/"):
            if not part:
                continue
            if part.startswith("{") and part.endswith("+}"):
                segs.append(f'rest::Segment::Greedy("{part[1:-2]}")')
            elif part.startswith("{"):
                segs.append(f'rest::Segment::Label("{part[1:-1]}")')
            else:
                segs.append(f'rest::Segment::Literal("{part}")')
        lits = []
        for kv in filter(None, query.split("&")):
            k, _, v = kv.partition("=")
            lits.append(f'("{k}", "{v}")')
        return (f'    rest::Route {{ method: "{op["http"]["method"]}", segments: &[{", ".join(segs)}], '
                f'query: &[{", ".join(lits)}], operation: "{name}" }},')

    def render_rest(self, ops):
        trait = self.spec["trait"]
        out = []
        for name in sorted(self.top_level):
            if name in self.external:
                continue
            if any(op.get("input", {}).get("shape") == name for op in ops.values()):
                out.append(self.bind_input(name))
            if any(op.get("output", {}).get("shape") == name for op in ops.values()):
                out.append(self.bind_output(name))
        out.append("/// Every operation of the service, in model order.")
        out.append("pub const OPERATIONS: &[&str] = &[")
        out += [f'    "{name}",' for name in ops]
        out.append("];")
        out.append("")
        out.append("/// Where each operation lives in the URI space (the model's `http` traits).")
        out.append("pub static ROUTES: &[rest::Route] = &[")
        out += [self.route(name, op) for name, op in ops.items()]
        out.append("];")
        out.append("")
        out.append("/// One method per operation. Unimplemented operations answer the protocol's")
        out.append("/// not-implemented error; implementations override what they serve.")
        out.append(f"pub trait {trait}: Send + Sync {{")
        for name, op in ops.items():
            fn = snake(name)
            in_ty = op.get("input", {}).get("shape") or "()"
            out_ty = op.get("output", {}).get("shape") or "()"
            out.append(f"    fn {fn}(&self, _ctx: &RequestContext, _input: {in_ty}) -> impl std::future::Future<Output = Result<{out_ty}, AwsError>> + Send {{")
            out.append(f'        async {{ Err(AwsError::not_implemented("{name}")) }}')
            out.append("    }")
        out.append("}")
        out.append("")
        out.append("/// Binds the request to the input of `operation`, validates it, calls the service and binds")
        out.append("/// the output to the response.")
        out.append(f"pub async fn dispatch<S: {trait}>(service: &S, ctx: &RequestContext, operation: &str, req: RestRequest) -> Result<RestResponse, AwsError> {{")
        out.append("    match operation {")
        for name, op in ops.items():
            fn = snake(name)
            inp = op.get("input", {}).get("shape")
            code = op["http"].get("responseCode", 200)
            out.append(f'        "{name}" => {{')
            if inp:
                out.append(f"            let input = {inp}::from_rest(&req)?;")
                out.append("            let mut v = Violations::default();")
                out.append('            input.validate_into("", &mut v);')
                out.append("            v.into_result()?;")
            else:
                out.append("            let input = ();")
            if op.get("output"):
                out.append(f"            service.{fn}(ctx, input).await?.into_rest({code})")
            else:
                out.append(f"            service.{fn}(ctx, input).await?;")
                out.append(f"            Ok(RestResponse::new({code}, Vec::new()))")
            out.append("        }")
        out.append("        _ => Err(AwsError::unknown_operation(operation)),")
        out.append("    }")
        out.append("}")
        out.append("")
        out.append("/// Which operations `service` serves: each is called once with a default input and counts")
        out.append("/// as served unless it answers NotImplementedException. Feeds docs/compatibility.md; run it")
        out.append("/// on a throwaway service, since served operations really run.")
        out.append(f"pub async fn served_operations<S: {trait}>(service: &S, ctx: &RequestContext) -> Vec<(&'static str, bool)> {{")
        out.append("    let served = |answer: Result<(), AwsError>| !matches!(answer, Err(e) if e.code == \"NotImplementedException\");")
        out.append("    vec![")
        for name, op in ops.items():
            fn = snake(name)
            arg = "Default::default()" if op.get("input") else "()"
            out.append(f'        ("{name}", served(service.{fn}(ctx, {arg}).await.map(|_| ()))),')
        out.append("    ]")
        out.append("}")
        return "\n".join(out)

    # ---- awsQuery ------------------------------------------------------------------------
    def reach_from(self, roots):
        """The structures reachable from `roots` (shape names)."""
        return {n for n in self.walk(roots) if self.shapes[n]["type"] == "structure"}

    def member_key(self, member, m):
        """The form key (and XML element) of a structure member. A flattened list is named by its
        member's locationName when it has one (botocore replaces the last key segment)."""
        s = self.shapes[m["shape"]]
        if s["type"] == "list" and s.get("flattened") and s["member"].get("locationName"):
            return s["member"]["locationName"]
        return m.get("locationName", member)

    def q_decode(self, shape_name, node, path, depth):
        """A Rust expression reading a value of `shape_name` from `node` (a `&Params`); `path` is
        an expression of the member's path in validation messages."""
        if shape_name in self.external:
            raise ValueError(f"external shapes are not supported in query models ({shape_name})")
        s = self.shapes[shape_name]
        t = s["type"]
        if t == "string":
            return f"query::string({node})"
        if t in ("integer", "long", "double", "float"):
            return f"query::number::<{self.rust_type(shape_name)}>({node}, &{path})?"
        if t == "boolean":
            return f"query::boolean({node}, &{path})?"
        if t == "timestamp":
            if self.rust_type(shape_name) == "String":
                return f"query::string({node})"
            return f"query::timestamp({node}, &{path})?"
        if t == "blob":
            return f"query::blob({node}, &{path})?"
        if t == "structure":
            return f"{shape_name}::from_query({node}, &{path}, v)?"
        i, e = f"i{depth}", f"e{depth}"
        if t == "list":
            member = "None" if s.get("flattened") else f'Some("{s["member"].get("locationName", "member")}")'
            inner = self.q_decode(s["member"]["shape"], e, f'format!("{{}}.{{}}.member", {path}, {i} + 1)', depth + 1)
            return (f"{{ let mut items = Vec::new(); for ({i}, {e}) in query::elements({node}, {member}).into_iter().enumerate() "
                    f"{{ items.push({inner}); }} items }}")
        if t == "map":
            entry = "None" if s.get("flattened") else 'Some("entry")'
            key = s["key"].get("locationName", "key")
            value = s["value"].get("locationName", "value")
            inner = self.q_decode(s["value"]["shape"], f"x{depth}", f'format!("{{}}.{{}}.member", {path}, k{depth})', depth + 1)
            return (f"{{ let mut items = std::collections::BTreeMap::new(); for {e} in query::elements({node}, {entry}) "
                    f'{{ let k{depth} = {e}.get("{key}").map(query::string).unwrap_or_default(); '
                    f'if let Some(x{depth}) = {e}.get("{value}") {{ let value = {inner}; items.insert(k{depth}, value); }} }} items }}')
        raise ValueError(f"unhandled shape type {t} ({shape_name})")

    def from_query(self, name):
        s = self.shapes[name]
        required = set(s.get("required", []))
        lines = [f"impl {name} {{",
                 "    /// Reads this shape from the decoded form at `p`; absent required members are",
                 "    /// reported to `v` (and left at their defaults).",
                 "    pub fn from_query(p: &Params, path: &str, v: &mut Violations) -> Result<Self, AwsError> {",
                 f"        let mut out = {name}::default();"]
        for member, m in s["members"].items():
            field = snake(member)
            mpath = f'join(path, "{lower_camel(member)}")'
            value = self.q_decode(m["shape"], "x", mpath, 0)
            if self.shapes[m["shape"]]["type"] == "structure" and self.reaches(m["shape"], name):
                value = f"Box::new({value})"
            key = self.member_key(member, m)
            if member in required:
                lines.append(f'        match p.get("{key}") {{ Some(x) => out.{field} = {value}, None => v.fail_null(&{mpath}) }}')
            else:
                lines.append(f'        if let Some(x) = p.get("{key}") {{ out.{field} = Some({value}); }}')
        lines += ["        Ok(out)", "    }", "}", ""]
        return "\n".join(lines)

    def q_encode(self, shape_name, expr, tag, depth):
        """Rust statements writing `expr` (a reference to a value of `shape_name`) as `<tag>`."""
        s = self.shapes[shape_name]
        t = s["type"]
        if t == "string" or (t == "timestamp" and self.rust_type(shape_name) == "String"):
            return f'w.text("{tag}", {expr});'
        if t in ("integer", "long"):
            return f'w.text("{tag}", &{expr}.to_string());'
        if t in ("double", "float"):
            return f'w.text("{tag}", &query::double_text(*{expr}));'
        if t == "boolean":
            return f'w.text("{tag}", if *{expr} {{ "true" }} else {{ "false" }});'
        if t == "timestamp":
            return f'w.text("{tag}", &query::timestamp_text(*{expr}));'
        if t == "blob":
            return f'w.text("{tag}", &nimbus_protocol::blob::encode_base64(&{expr}.0));'
        if t == "structure":
            return f'w.start("{tag}"); {expr}.to_xml(w); w.end("{tag}");'
        e = f"e{depth}"
        if t == "list":
            if s.get("flattened"):
                return f"for {e} in {expr}.iter() {{ {self.q_encode(s['member']['shape'], e, tag, depth + 1)} }}"
            inner = self.q_encode(s["member"]["shape"], e, s["member"].get("locationName", "member"), depth + 1)
            return f'w.start("{tag}"); for {e} in {expr}.iter() {{ {inner} }} w.end("{tag}");'
        if t == "map":
            key = s["key"].get("locationName", "key")
            value = self.q_encode(s["value"]["shape"], e, s["value"].get("locationName", "value"), depth + 1)
            pair = f'w.text("{key}", k{depth}); {value}'
            if s.get("flattened"):
                return f'for (k{depth}, {e}) in {expr}.iter() {{ w.start("{tag}"); {pair} w.end("{tag}"); }}'
            return (f'w.start("{tag}"); for (k{depth}, {e}) in {expr}.iter() '
                    f'{{ w.start("entry"); {pair} w.end("entry"); }} w.end("{tag}");')
        raise ValueError(f"unhandled shape type {t} ({shape_name})")

    def to_xml(self, name):
        s = self.shapes[name]
        required = set(s.get("required", []))
        lines = [f"impl {name} {{",
                 "    /// Writes this shape's members as XML elements.",
                 "    pub fn to_xml(&self, w: &mut XmlWriter) {"]
        for member, m in s["members"].items():
            field = snake(member)
            key = self.member_key(member, m)
            if member in required:
                lines.append(f"        {{ let x = &self.{field}; {self.q_encode(m['shape'], 'x', key, 0)} }}")
            else:
                lines.append(f"        if let Some(x) = &self.{field} {{ {self.q_encode(m['shape'], 'x', key, 0)} }}")
        lines += ["    }", "}", ""]
        return "\n".join(lines)

    def render_query(self, ops):
        trait = self.spec["trait"]
        out = []
        inputs = self.reach_from(op["input"]["shape"] for op in ops.values() if "input" in op)
        outputs = self.reach_from(op["output"]["shape"] for op in ops.values() if "output" in op)
        for name in sorted(inputs):
            out.append(self.from_query(name))
        for name in sorted(outputs):
            out.append(self.to_xml(name))
        out.append("/// Every operation of the service, in model order.")
        out.append("pub const OPERATIONS: &[&str] = &[")
        out += [f'    "{name}",' for name in ops]
        out.append("];")
        out.append("")
        out.append("/// One method per operation. Unimplemented operations answer the protocol's")
        out.append("/// not-implemented error; implementations override what they serve.")
        out.append(f"pub trait {trait}: Send + Sync {{")
        for name, op in ops.items():
            in_ty = op.get("input", {}).get("shape") or "()"
            out_ty = op.get("output", {}).get("shape") or "()"
            out.append(f"    fn {snake(name)}(&self, _ctx: &RequestContext, _input: {in_ty}) -> Result<{out_ty}, AwsError> {{")
            out.append(f'        Err(AwsError::not_implemented("{name}"))')
            out.append("    }")
        out.append("}")
        out.append("")
        out.append("/// Reads the input of `action` from the decoded form, validates it, calls the service and")
        out.append("/// writes the `<{action}Response>` document.")
        out.append(f"pub fn dispatch<S: {trait} + ?Sized>(service: &S, ctx: &RequestContext, action: &str, params: &Params) -> Result<Vec<u8>, AwsError> {{")
        out.append("    match action {")
        for name, op in ops.items():
            fn = snake(name)
            inp = op.get("input", {}).get("shape")
            out.append(f'        "{name}" => {{')
            if inp:
                out.append("            let mut v = Violations::default();")
                out.append(f'            let input = {inp}::from_query(params, "", &mut v)?;')
                out.append('            input.validate_into("", &mut v);')
                out.append("            v.into_result().map_err(query::validation_error)?;")
            else:
                out.append("            let input = ();")
            output = op.get("output")
            if not output:
                out.append(f"            service.{fn}(ctx, input)?;")
                out.append(f'            Ok(query::response("{name}", XML_NAMESPACE, &ctx.request_id, |_| {{}}))')
            else:
                out.append(f"            let output = service.{fn}(ctx, input)?;")
                wrapper = output.get("resultWrapper")
                if wrapper:
                    body = f'w.start("{wrapper}"); output.to_xml(w); w.end("{wrapper}");'
                else:
                    body = "output.to_xml(w);"
                out.append(f'            Ok(query::response("{name}", XML_NAMESPACE, &ctx.request_id, |w| {{ {body} }}))')
            out.append("        }")
        out.append("        _ => Err(query::invalid_action(action)),")
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
            arg = "Default::default()" if op.get("input") else "()"
            out.append(f'        ("{name}", served(service.{snake(name)}(ctx, {arg}).map(|_| ()))),')
        out.append("    ]")
        out.append("}")
        return "\n".join(out)

    def render(self):
        meta = self.model["metadata"]
        trait = self.spec["trait"]
        out = [
            f"// @generated by codegen/generate.py from {self.spec['model']} (botocore {meta.get('botocoreVersion')}).",
            "// Do not edit: change the generator or the model, then run `python3 codegen/generate.py`.",
            "#![allow(clippy::all, unused_imports, unused_mut, unused_variables, dead_code)]",
            "",
            "use serde::{Deserialize, Serialize};",
            "use nimbus_core::RequestContext;",
            "use nimbus_protocol::{json, AwsError, Violations, join};",
            "",
        ]
        if self.is_query():
            out += [
                "use nimbus_protocol::query::{self, Params, XmlWriter};",
                "",
                f'/// The `xmlns` of this service\'s responses and errors.',
                f'pub const XML_NAMESPACE: &str = "{meta["xmlNamespace"]}";',
                f'/// The `Version` clients send with every action.',
                f'pub const API_VERSION: &str = "{meta["apiVersion"]}";',
                "/// Query errors carry a bare code in `<Code>`.",
                'pub const ERROR_NAMESPACE: &str = "";',
                "",
            ]
        elif self.is_rest():
            out += [
                "use nimbus_protocol::rest::{self, parse_bound, RestRequest, RestResponse};",
                "",
                "/// restJson1 errors carry their code in `x-amzn-ErrorType`, not a qualified `__type`.",
                'pub const ERROR_NAMESPACE: &str = "";',
                "",
            ]
        else:
            out += [
                f'/// The `X-Amz-Target` prefix of this service\'s operations.',
                f'pub const TARGET_PREFIX: &str = "{meta["targetPrefix"]}";',
                f'/// The namespace AWS puts before this service\'s error codes in `__type`.',
                f'pub const ERROR_NAMESPACE: &str = "com.amazonaws.{meta["endpointPrefix"].split(".")[-1]}.v{meta["apiVersion"].replace("-", "")}";',
                "",
            ]
        names = sorted(self.reachable())
        # Exceptions are rendered as `AwsError`s, except where a shape holds one as a member
        # (event stream unions do).
        member_shapes = {m["shape"] for n in names if self.shapes[n]["type"] == "structure"
                         for m in self.shapes[n]["members"].values()}
        for n in names:
            s = self.shapes[n]
            if s["type"] == "structure" and (not s.get("exception") or n in member_shapes):
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
            code = e
            if self.is_query():
                code = (self.shapes[e].get("error") or {}).get("code", e)
            out.append(f'            ErrorCode::{e} => "{code}",')
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
        out.append("    /// The member that carries the message in this error's body (`message` or `Message`).")
        out.append("    pub fn message_key(self) -> &'static str {")
        out.append("        match self {")
        for e in errors:
            members = self.shapes[e].get("members", {})
            key = "Message" if "Message" in members and "message" not in members else "message"
            if key in members:
                key = members[key].get("locationName", key)
            out.append(f'            ErrorCode::{e} => "{key}",')
        out.append("        }")
        out.append("    }")
        out.append("")
        out.append("    /// An error of this code, `__type` qualified as AWS qualifies it.")
        out.append("    pub fn error(self, message: impl Into<String>) -> AwsError {")
        out.append("        AwsError::new(self.status(), ERROR_NAMESPACE, self.as_str(), message).with_message_key(self.message_key())")
        out.append("    }")
        out.append("}")
        out.append("")
        # Operations
        ops = self.model["operations"]
        if self.is_rest():
            out.append(self.render_rest(ops))
            return "\n".join(out) + "\n"
        if self.is_query():
            out.append(self.render_query(ops))
            return "\n".join(out) + "\n"
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
