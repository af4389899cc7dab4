//! The gateway's own responses: missing routes, refused keys, failed integrations. Each has a
//! gateway response type the API may customize (PutGatewayResponse), falling back to its
//! DEFAULT_4XX or DEFAULT_5XX customization, then to AWS's built-in body.

use std::borrow::Cow;

use nimbus_frontdoor::HttpResponse;

use super::call::Call;
use crate::generated::apigateway::GatewayResponse;
use crate::v1::gateway_responses::DEFAULT_TEMPLATE;

/// One of the gateway's errors: its response type, status, message and `x-amzn-ErrorType`.
#[derive(Debug, Clone)]
pub struct GatewayError {
    pub kind: &'static str,
    pub status: u16,
    /// None renders as JSON `null`, as authorizer failures do.
    pub message: Option<Cow<'static, str>>,
    pub error_type: &'static str,
    /// The body AWS answers when nothing is customized.
    pub body: Cow<'static, str>,
}

macro_rules! errors {
    ($($(#[$doc:meta])* $name:ident = $kind:literal, $status:literal, $message:expr, $error_type:literal, $body:literal;)*) => {
        $($(#[$doc])* pub const $name: GatewayError = GatewayError {
            kind: $kind,
            status: $status,
            message: match $message {
                Some(m) => Some(Cow::Borrowed(m)),
                None => None,
            },
            error_type: $error_type,
            body: Cow::Borrowed($body),
        };)*
    };
}

errors! {
    MISSING_AUTHENTICATION_TOKEN = "MISSING_AUTHENTICATION_TOKEN", 403, Some("Missing Authentication Token"),
        "MissingAuthenticationTokenException", r#"{"message":"Missing Authentication Token"}"#;
    FORBIDDEN = "DEFAULT_4XX", 403, Some("Forbidden"), "ForbiddenException", r#"{"message":"Forbidden"}"#;
    INVALID_API_KEY = "INVALID_API_KEY", 403, Some("Forbidden"), "ForbiddenException", r#"{"message":"Forbidden"}"#;
    EXPLICIT_DENY = "ACCESS_DENIED", 403, Some("User is not authorized to access this resource with an explicit deny"),
        "AccessDeniedException", r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#;
    NOT_ALLOWED = "ACCESS_DENIED", 403, Some("User is not authorized to access this resource"),
        "AccessDeniedException", r#"{"Message":"User is not authorized to access this resource"}"#;
    UNAUTHORIZED = "UNAUTHORIZED", 401, Some("Unauthorized"), "UnauthorizedException", r#"{"message":"Unauthorized"}"#;
    AUTHORIZER_FAILURE = "AUTHORIZER_CONFIGURATION_ERROR", 500, None,
        "AuthorizerConfigurationException", r#"{"message": null}"#;
    INTEGRATION_TIMEOUT = "INTEGRATION_TIMEOUT", 504, Some("Endpoint request timed out"),
        "InternalServerErrorException", r#"{"message": "Endpoint request timed out"}"#;
    /// A Lambda proxy function that failed or answered something that is not a response.
    BAD_GATEWAY = "DEFAULT_5XX", 502, Some("Internal server error"),
        "InternalServerErrorException", r#"{"message": "Internal server error"}"#;
    CONFIGURATION_ERROR = "API_CONFIGURATION_ERROR", 500, Some("Internal server error"),
        "InternalServerErrorException", r#"{"message": "Internal server error"}"#;
    THROTTLED = "THROTTLED", 429, Some("Too Many Requests"), "TooManyRequestsException", r#"{"message":"Too Many Requests"}"#;
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED", 429, Some("Limit Exceeded"), "LimitExceededException", r#"{"message":"Limit Exceeded"}"#;
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE", 413, Some("Request Too Long"), "RequestTooLargeException", r#"{"message":"Request Too Long"}"#;
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE", 415, Some("Unsupported Media Type"),
        "UnsupportedMediaTypeException", r#"{"message":"Unsupported Media Type"}"#;
    /// A body its method's request validator checks against a model, which it does not satisfy.
    BAD_REQUEST_BODY = "BAD_REQUEST_BODY", 400, Some("Invalid request body"),
        "BadRequestException", r#"{"message": "Invalid request body"}"#;
}

/// A request without the parameters its method's request validator requires, named in the
/// order the method lists them.
pub fn missing_parameters(names: &[&str]) -> GatewayError {
    let message = format!(
        "Missing required request parameters: [{}]",
        names.join(", ")
    );
    GatewayError {
        kind: "BAD_REQUEST_PARAMETERS",
        status: 400,
        body: Cow::Owned(serde_json::json!({ "message": message }).to_string()),
        message: Some(Cow::Owned(message)),
        error_type: "BadRequestException",
    }
}

/// The built-in response for `e`, for requests that reach no API.
pub fn plain(e: &GatewayError) -> HttpResponse {
    let mut resp = HttpResponse::new(e.status, "application/json", e.body.to_string());
    resp.headers
        .push(("x-amzn-ErrorType".into(), e.error_type.into()));
    resp
}

/// The response for `e`, as the deployed API's gateway responses shape it.
pub fn respond(responses: &[GatewayResponse], e: &GatewayError, call: &Call) -> HttpResponse {
    let family = if e.status < 500 {
        "DEFAULT_4XX"
    } else {
        "DEFAULT_5XX"
    };
    let custom = responses
        .iter()
        .find(|g| g.response_type.as_deref() == Some(e.kind))
        .or_else(|| {
            responses
                .iter()
                .find(|g| g.response_type.as_deref() == Some(family))
        });
    let Some(g) = custom else {
        return plain(e);
    };
    let mut resp = customized(g, e, call);
    resp.headers
        .push(("x-amzn-ErrorType".into(), e.error_type.into()));
    resp
}

fn customized(g: &GatewayResponse, e: &GatewayError, call: &Call) -> HttpResponse {
    let status = g
        .status_code
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(e.status);
    let templates = g.response_templates.clone().unwrap_or_default();
    let (content_type, template) = templates
        .get_key_value("application/json")
        .or_else(|| templates.iter().next())
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap_or_else(|| ("application/json".into(), DEFAULT_TEMPLATE.into()));
    let message = e.message.as_deref().map_or("null".to_string(), |m| {
        serde_json::Value::from(m).to_string()
    });
    let error = serde_json::json!({
        "message": e.message,
        "messageString": message,
        "responseType": e.kind,
    });
    let body = call
        .render(&template, String::new(), Some(error))
        .map(|r| r.output)
        .unwrap_or_else(|_| e.body.to_string());
    let mut resp = HttpResponse::new(status, &content_type, body);
    for (target, source) in g.response_parameters.iter().flatten() {
        let Some(name) = target.strip_prefix("gatewayresponse.header.") else {
            continue;
        };
        if let Some(v) = call.source(source) {
            resp.headers.push((name.to_string(), v));
        }
    }
    resp
}
