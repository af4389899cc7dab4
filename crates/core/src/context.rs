//! The caller of one request, as parsed from its SigV4 credentials.

/// The account used when the access key id is not a 12-digit number.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The region used when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Who signed a request. Signatures are parsed but not verified yet; keeping the identity on
/// every request lets an enforcement mode be added without touching services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub access_key_id: String,
    /// The signing service from the credential scope (e.g. `dynamodb`), if signed.
    pub signing_service: Option<String>,
    pub signed_headers: Vec<String>,
    pub signature: Option<String>,
}

/// Everything a service needs to know about one request besides its typed input.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub account: String,
    pub region: String,
    pub identity: Option<Identity>,
}

impl RequestContext {
    /// Builds a context from the parsed credentials, applying nimbus's account rule: the account
    /// is the access key id when that is a 12-digit number, `000000000000` otherwise.
    pub fn new(request_id: String, region: Option<&str>, identity: Option<Identity>) -> Self {
        let account = identity
            .as_ref()
            .map(|id| account_for_access_key(&id.access_key_id))
            .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
        let region = match region {
            Some(r) if !r.is_empty() => r.to_string(),
            _ => DEFAULT_REGION.to_string(),
        };
        RequestContext {
            request_id,
            account,
            region,
            identity,
        }
    }

    /// A context for work nimbus does on its own behalf (sweepers, deliveries).
    pub fn internal(account: &str, region: &str) -> Self {
        RequestContext {
            request_id: crate::ids::request_id(),
            account: account.to_string(),
            region: region.to_string(),
            identity: None,
        }
    }
}

/// The account an access key id belongs to.
pub fn account_for_access_key(access_key_id: &str) -> String {
    if access_key_id.len() == 12 && access_key_id.bytes().all(|b| b.is_ascii_digit()) {
        access_key_id.to_string()
    } else {
        DEFAULT_ACCOUNT.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_digit_key_is_the_account() {
        assert_eq!(account_for_access_key("123456789012"), "123456789012");
        assert_eq!(account_for_access_key("AKIAEXAMPLE"), DEFAULT_ACCOUNT);
        assert_eq!(account_for_access_key("12345678901"), DEFAULT_ACCOUNT);
    }

    #[test]
    fn missing_region_defaults() {
        let ctx = RequestContext::new("r".into(), None, None);
        assert_eq!(ctx.region, DEFAULT_REGION);
        assert_eq!(ctx.account, DEFAULT_ACCOUNT);
    }
}
