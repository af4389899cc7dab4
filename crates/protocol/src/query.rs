//! The awsQuery protocol: a form-encoded request (`Action=CreateLoadBalancer&Version=...&Name=x&
//! Subnets.member.1=a`) answered with XML (`<CreateLoadBalancerResponse xmlns="..."><
//! CreateLoadBalancerResult>...</CreateLoadBalancerResult><ResponseMetadata>...`).
//!
//! The form decodes into a [`Params`] tree (one node per dotted key segment); the generated code
//! of each query service reads its inputs from that tree and writes its outputs through an
//! [`XmlWriter`]. The shapes follow botocore's `QuerySerializer` and `QueryParser`: lists are
//! `Name.member.N` (`Name.N` when flattened) and `<Name><member>..</member></Name>`, maps
//! `Name.entry.N.key` / `.value`, booleans `true`/`false`, timestamps ISO 8601.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::{AwsError, ServiceSpec};

/// The code of a request that fails the model's constraints, in the query services that follow
/// Coral's query conventions (IAM, STS, Elastic Load Balancing, CloudFormation).
pub const VALIDATION_CODE: &str = "ValidationError";

/// A decoded form: the value at a key, and the keys one segment longer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    value: Option<String>,
    children: BTreeMap<String, Params>,
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` text (a body, or a URL's query string).
    pub fn parse(form: &str) -> Params {
        let mut params = Params::default();
        params.extend(form);
        params
    }

    /// Adds the pairs of `form`; a key given twice keeps its last value.
    pub fn extend(&mut self, form: &str) {
        for (key, value) in crate::rest::parse_query(Some(form)) {
            self.insert(&key, value);
        }
    }

    pub fn insert(&mut self, key: &str, value: String) {
        let mut node = self;
        for segment in key.split('.') {
            node = node.children.entry(segment.to_string()).or_default();
        }
        node.value = Some(value);
    }

    /// The node one segment below this one.
    pub fn get(&self, name: &str) -> Option<&Params> {
        self.children.get(name)
    }

    /// The value given at exactly this key, if any.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The value at this key, empty when only longer keys were given.
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or_default()
    }

    /// The children named `1`, `2`, ... in numeric order (`10` after `9`); other names are
    /// not elements and are ignored.
    pub fn elements(&self) -> Vec<&Params> {
        let mut indexed: Vec<(u64, &Params)> = self
            .children
            .iter()
            .filter_map(|(k, v)| k.parse::<u64>().ok().filter(|n| *n > 0).map(|n| (n, v)))
            .collect();
        indexed.sort_by_key(|(n, _)| *n);
        indexed.into_iter().map(|(_, v)| v).collect()
    }
}

/// The elements of a list at `node`: under `member` (`Name.member.N`), or directly below
/// `node` when the list is flattened (`Name.N`, `member` None).
pub fn elements<'a>(node: &'a Params, member: Option<&str>) -> Vec<&'a Params> {
    match member {
        Some(m) => node.get(m).map(Params::elements).unwrap_or_default(),
        None => node.elements(),
    }
}

pub fn string(node: &Params) -> String {
    node.text().to_string()
}

fn malformed(node: &Params, path: &str, what: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value '{}' at '{path}' failed to satisfy constraint: Member must be {what}",
        node.text()
    ))
}

/// An integer, long or double member.
pub fn number<T: FromStr>(node: &Params, path: &str) -> Result<T, AwsError> {
    node.text()
        .trim()
        .parse()
        .map_err(|_| malformed(node, path, "a number"))
}

pub fn boolean(node: &Params, path: &str) -> Result<bool, AwsError> {
    match node.text().trim() {
        t if t.eq_ignore_ascii_case("true") => Ok(true),
        t if t.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(malformed(node, path, "a boolean")),
    }
}

/// A timestamp as epoch seconds: ISO 8601 (what botocore sends) or a number.
pub fn timestamp(node: &Params, path: &str) -> Result<f64, AwsError> {
    let text = node.text().trim();
    if let Some(ms) = nimbus_core::time::parse_iso8601_millis(text) {
        return Ok(ms as f64 / 1000.0);
    }
    text.parse()
        .map_err(|_| malformed(node, path, "a timestamp"))
}

pub fn blob(node: &Params, path: &str) -> Result<crate::Blob, AwsError> {
    crate::blob::decode_base64(node.text().trim())
        .map(crate::Blob)
        .map_err(|_| malformed(node, path, "base64-encoded"))
}

/// Epoch seconds as the query protocols write timestamps: `2016-09-28T21:27:26.530Z`.
pub fn timestamp_text(seconds: f64) -> String {
    nimbus_core::time::Civil::from_millis((seconds * 1000.0).round() as i64).iso8601()
}

/// A double as text botocore's `float()` reads back exactly.
pub fn double_text(value: f64) -> String {
    value.to_string()
}

/// A `ValidationError` (400) with `message`.
pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new(400, "", VALIDATION_CODE, message)
}

/// The model-constraint failure [`crate::Violations`] reports, under the query code.
pub fn validation_error(err: AwsError) -> AwsError {
    if err.code == "ValidationException" {
        validation(err.message)
    } else {
        err
    }
}

/// An `Action` the service does not have.
pub fn invalid_action(action: &str) -> AwsError {
    AwsError::new(
        400,
        "",
        "InvalidAction",
        format!("The action {action} is not valid for this web service."),
    )
}

/// A request with no `Action`.
pub fn missing_action() -> AwsError {
    AwsError::new(
        400,
        "",
        "MissingAction",
        "The request is missing an action or a required parameter.",
    )
}

/// XML text written element by element, escaped as it goes.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn start(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }

    pub fn end(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag>text</tag>`.
    pub fn text(&mut self, tag: &str, text: &str) {
        self.start(tag);
        escape_into(&mut self.out, text);
        self.end(tag);
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

/// Appends `text` escaped for XML content or a quoted attribute.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A parser turns a raw CR (or CR LF) into LF; the reference keeps it.
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            // XML 1.0 cannot carry other control characters, raw or as references: a response
            // holding one would not parse at all, so they become U+FFFD.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

fn open_root(w: &mut XmlWriter, tag: &str, namespace: &str) {
    w.out.push('<');
    w.out.push_str(tag);
    w.out.push_str(" xmlns=\"");
    escape_into(&mut w.out, namespace);
    w.out.push_str("\">");
}

/// `<{action}Response xmlns="{namespace}">`, what `result` writes (the `<{action}Result>`
/// wrapper included), then the request id in `<ResponseMetadata>`.
pub fn response(
    action: &str,
    namespace: &str,
    request_id: &str,
    result: impl FnOnce(&mut XmlWriter),
) -> Vec<u8> {
    let root = format!("{action}Response");
    let mut w = XmlWriter::default();
    open_root(&mut w, &root, namespace);
    result(&mut w);
    w.start("ResponseMetadata");
    w.text("RequestId", request_id);
    w.end("ResponseMetadata");
    w.end(&root);
    w.into_string().into_bytes()
}

/// The body of an error: `<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..
/// </Message></Error><RequestId>..</RequestId></ErrorResponse>`. Extra members the error
/// carries go inside `<Error>`.
pub fn error_body(err: &AwsError, namespace: &str, request_id: &str) -> Vec<u8> {
    let mut w = XmlWriter::default();
    open_root(&mut w, "ErrorResponse", namespace);
    w.start("Error");
    w.text(
        "Type",
        if err.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        },
    );
    w.text("Code", &err.code);
    w.text("Message", &err.message);
    for (key, value) in &err.extra {
        match value {
            serde_json::Value::String(s) => w.text(key, s),
            serde_json::Value::Null => {}
            other => w.text(key, &other.to_string()),
        }
    }
    w.end("Error");
    w.text("RequestId", request_id);
    w.end("ErrorResponse");
    w.into_string().into_bytes()
}

/// A service speaking awsQuery: addressed by its SigV4 signing name, its operation named by
/// the `Action` parameter. Like [`crate::JsonService::handle`], `handle` runs inline on the
/// I/O workers and must not wait on anything slow.
pub trait QueryService: Send + Sync + 'static {
    fn spec(&self) -> &ServiceSpec;
    /// The `xmlns` of responses and error bodies (the model's `xmlNamespace`).
    fn xml_namespace(&self) -> &'static str;
    /// Decodes `params` as `action`'s input, runs it and writes the XML response.
    fn handle(
        &self,
        ctx: &nimbus_core::RequestContext,
        action: &str,
        params: &Params,
    ) -> Result<Vec<u8>, AwsError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_form_into_a_tree() {
        let p = Params::parse(
            "Action=CreateLoadBalancer&Version=2015-12-01&Name=my%20lb&Subnets.member.2=b&\
             Subnets.member.10=j&Subnets.member.1=a&Tags.member.1.Key=k&Tags.member.1.Value=v+w&\
             Attributes.entry.1.key=x&Attributes.entry.1.value=1&Empty=&Name=last",
        );
        assert_eq!(
            p.get("Action").and_then(Params::value),
            Some("CreateLoadBalancer")
        );
        assert_eq!(p.get("Name").map(Params::text), Some("last"));
        let subnets: Vec<&str> = elements(p.get("Subnets").expect("subnets"), Some("member"))
            .into_iter()
            .map(Params::text)
            .collect();
        assert_eq!(subnets, ["a", "b", "j"]);
        let tag = elements(p.get("Tags").expect("tags"), Some("member"))[0];
        assert_eq!(tag.get("Key").map(Params::text), Some("k"));
        assert_eq!(tag.get("Value").map(Params::text), Some("v w"));
        let entry = elements(p.get("Attributes").expect("map"), Some("entry"))[0];
        assert_eq!(entry.get("value").map(Params::text), Some("1"));
        // An empty list is the key with an empty value, and has no elements.
        let empty = p.get("Empty").expect("empty");
        assert_eq!(empty.value(), Some(""));
        assert!(elements(empty, Some("member")).is_empty());
        assert!(p.get("Absent").is_none());
    }

    #[test]
    fn decodes_scalars() {
        let p = Params::parse("Port=80&On=true&Off=False&When=2026-01-02T03:04:05.500Z&Bad=x");
        let get = |k: &str| p.get(k).expect(k);
        assert_eq!(number::<i32>(get("Port"), "port"), Ok(80));
        assert_eq!(boolean(get("On"), "on"), Ok(true));
        assert_eq!(boolean(get("Off"), "off"), Ok(false));
        assert_eq!(timestamp(get("When"), "when"), Ok(1_767_323_045.5));
        let e = number::<i32>(get("Bad"), "port").expect_err("not a number");
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("Value 'x' at 'port'"), "{}", e.message);
        assert_eq!(timestamp_text(1_767_323_045.5), "2026-01-02T03:04:05.500Z");
    }

    #[test]
    fn writes_escaped_xml() {
        let mut w = XmlWriter::default();
        w.start("Tags");
        w.start("member");
        w.text("Key", "a<b>&\"c'\r\n\u{1}");
        w.end("member");
        w.end("Tags");
        assert_eq!(
            w.into_string(),
            "<Tags><member><Key>a&lt;b&gt;&amp;&quot;c&apos;&#xD;\n\u{FFFD}</Key></member></Tags>"
        );
    }

    #[test]
    fn wraps_results_and_errors() {
        let body = response("DeleteRule", "http://ns/", "req-1", |w| {
            w.start("DeleteRuleResult");
            w.end("DeleteRuleResult");
        });
        assert_eq!(
            String::from_utf8(body).expect("utf-8"),
            "<DeleteRuleResponse xmlns=\"http://ns/\"><DeleteRuleResult></DeleteRuleResult>\
             <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DeleteRuleResponse>"
        );
        let err = AwsError::new(400, "", "RuleNotFound", "One or more rules not found");
        assert_eq!(
            String::from_utf8(error_body(&err, "http://ns/", "req-2")).expect("utf-8"),
            "<ErrorResponse xmlns=\"http://ns/\"><Error><Type>Sender</Type><Code>RuleNotFound</Code>\
             <Message>One or more rules not found</Message></Error><RequestId>req-2</RequestId>\
             </ErrorResponse>"
        );
        let fault = AwsError::new(500, "", "HealthUnavailable", "x");
        assert!(String::from_utf8_lossy(&error_body(&fault, "n", "r"))
            .contains("<Type>Receiver</Type>"));
        assert_eq!(invalid_action("Nope").code, "InvalidAction");
        let v = validation_error(AwsError::validation("1 validation error detected: x"));
        assert_eq!((v.code.as_str(), v.namespace), ("ValidationError", ""));
    }
}
