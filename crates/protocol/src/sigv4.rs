//! SigV4: the identity a request claims, from its Authorization header or presigned query.
//!
//! Signatures are parsed, not verified (an enforcement mode comes later); the parsed identity
//! rides on every request so that mode can be added without touching services.

use nimbus_core::Identity;

/// The credential scope and signature of a SigV4-signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: Option<String>,
}

impl Credential {
    pub fn identity(&self) -> Identity {
        Identity {
            access_key_id: self.access_key_id.clone(),
            signing_service: Some(self.service.clone()),
            signed_headers: self.signed_headers.clone(),
            signature: self.signature.clone(),
        }
    }
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
/// SignedHeaders=host;x-amz-date, Signature=5d67...`.
pub fn parse_authorization(header: &str) -> Option<Credential> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let mut scope = None;
    let mut signed_headers = Vec::new();
    let mut signature = None;
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key.trim() {
            "Credential" => scope = Some(value.trim()),
            "SignedHeaders" => {
                signed_headers = value.split(';').map(|h| h.trim().to_string()).collect()
            }
            "Signature" => signature = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut credential = parse_scope(scope?)?;
    credential.signed_headers = signed_headers;
    credential.signature = signature;
    Some(credential)
}

/// Parses presigned-URL parameters (`X-Amz-Credential`, `X-Amz-SignedHeaders`,
/// `X-Amz-Signature`), given a lookup of decoded query parameters.
pub fn parse_presigned<'a>(param: impl Fn(&str) -> Option<&'a str>) -> Option<Credential> {
    if param("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return None;
    }
    let mut credential = parse_scope(param("X-Amz-Credential")?)?;
    credential.signed_headers = param("X-Amz-SignedHeaders")
        .map(|h| h.split(';').map(str::to_string).collect())
        .unwrap_or_default();
    credential.signature = param("X-Amz-Signature").map(str::to_string);
    Some(credential)
}

/// `AKID/20150830/us-east-1/iam/aws4_request`
fn parse_scope(scope: &str) -> Option<Credential> {
    let mut parts = scope.split('/');
    let access_key_id = parts.next()?.to_string();
    let date = parts.next()?.to_string();
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    if parts.next()? != "aws4_request" || access_key_id.is_empty() {
        return None;
    }
    Some(Credential {
        access_key_id,
        date,
        region,
        service,
        signed_headers: Vec::new(),
        signature: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_authorization_header() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-2/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        let c = parse_authorization(h).expect("parsed");
        assert_eq!(c.access_key_id, "AKIDEXAMPLE");
        assert_eq!(c.region, "eu-west-2");
        assert_eq!(c.service, "dynamodb");
        assert_eq!(c.signed_headers, vec!["content-type", "host", "x-amz-date"]);
        assert!(c.signature.expect("sig").starts_with("5d67"));
    }

    #[test]
    fn rejects_other_schemes() {
        assert_eq!(parse_authorization("Basic dXNlcjpwYXNz"), None);
        assert_eq!(
            parse_authorization("AWS4-HMAC-SHA256 Credential=a/b/c"),
            None
        );
    }

    #[test]
    fn parses_presigned_query() {
        let q = |k: &str| match k {
            "X-Amz-Algorithm" => Some("AWS4-HMAC-SHA256"),
            "X-Amz-Credential" => Some("123456789012/20261122/ap-northeast-1/s3/aws4_request"),
            "X-Amz-SignedHeaders" => Some("host"),
            "X-Amz-Signature" => Some("abc"),
            _ => None,
        };
        let c = parse_presigned(q).expect("parsed");
        assert_eq!(c.region, "ap-northeast-1");
        assert_eq!(c.service, "s3");
        assert_eq!(c.access_key_id, "123456789012");
    }
}
