//! JWT signatures, checked as API Gateway's JWT authorizers check them: the issuer's
//! `/.well-known/openid-configuration` names its `jwks_uri`, whose RSA keys (by `kid`) verify
//! RS256/RS384/RS512 tokens. Key sets are cached for five minutes, and fetched again when a
//! token names a key the cached set does not have (the issuer rotated its keys). Issuers are
//! reached over HTTPS with their certificates checked, or over plain HTTP when so named.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use nimbus_frontdoor::HttpRequest;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BoxedUint, PublicKey};
use serde_json::{Map, Value};

const TTL: Duration = Duration::from_secs(300);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// An issuer's keys by `kid`, and when they were fetched.
type KeySet = (Instant, HashMap<String, Value>);

#[derive(Default)]
pub struct Jwks {
    sets: Mutex<HashMap<String, KeySet>>,
}

fn b64url(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

async fn get_json(url: &str) -> Result<Value, String> {
    let req = HttpRequest {
        method: "GET".into(),
        headers: vec![("accept".into(), "application/json".into())],
        ..HttpRequest::default()
    };
    let options = crate::http_proxy::Options {
        timeout: FETCH_TIMEOUT,
        verify_certificates: true,
    };
    let resp = crate::http_proxy::forward(url, "GET", &req, &Map::new(), &options)
        .await
        .map_err(|f| format!("{url} cannot be fetched ({f:?})"))?;
    if resp.status != 200 {
        return Err(format!("{url} answered {}", resp.status));
    }
    serde_json::from_slice(&resp.body).map_err(|e| format!("{url} is not JSON: {e}"))
}

async fn fetch(issuer: &str) -> Result<HashMap<String, Value>, String> {
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let config = get_json(&discovery).await?;
    let jwks_uri = config
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{discovery} has no jwks_uri"))?;
    let set = get_json(jwks_uri).await?;
    let keys = set
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{jwks_uri} has no keys"))?;
    Ok(keys
        .iter()
        .filter_map(|k| Some((k.get("kid")?.as_str()?.to_string(), k.clone())))
        .collect())
}

fn verify_rsa(jwk: &Value, alg: &str, signed: &[u8], signature: &[u8]) -> bool {
    if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
        return false;
    }
    let part = |name: &str| jwk.get(name).and_then(Value::as_str).and_then(b64url);
    let (Some(n), Some(e)) = (part("n"), part("e")) else {
        return false;
    };
    let n = BoxedUint::from_be_slice_vartime(&n);
    let Ok(key) = PublicKey::new(n, BoxedUint::from_be_slice_vartime(&e)) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(signature) else {
        return false;
    };
    match alg {
        "RS256" => VerifyingKey::<sha2::Sha256>::new(key)
            .verify(signed, &signature)
            .is_ok(),
        "RS384" => VerifyingKey::<sha2::Sha384>::new(key)
            .verify(signed, &signature)
            .is_ok(),
        "RS512" => VerifyingKey::<sha2::Sha512>::new(key)
            .verify(signed, &signature)
            .is_ok(),
        _ => false,
    }
}

impl Jwks {
    async fn key(&self, issuer: &str, kid: &str) -> Result<Option<Value>, String> {
        let cached = {
            let sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
            sets.get(issuer)
                .filter(|(at, _)| at.elapsed() < TTL)
                .map(|(_, keys)| keys.get(kid).cloned())
        };
        if let Some(Some(key)) = cached {
            return Ok(Some(key));
        }
        let keys = fetch(issuer).await?;
        let key = keys.get(kid).cloned();
        self.sets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(issuer.to_string(), (Instant::now(), keys));
        Ok(key)
    }

    /// Whether `token` carries a valid signature by one of `issuer`'s keys.
    pub async fn verify(&self, issuer: &str, token: &str) -> Result<(), String> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("the token is not header.payload.signature".into());
        };
        let head: Value = b64url(header)
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or("the token's header is not base64url JSON")?;
        let alg = head.get("alg").and_then(Value::as_str).unwrap_or_default();
        let kid = head.get("kid").and_then(Value::as_str).unwrap_or_default();
        let signature = b64url(signature).ok_or("the token's signature is not base64url")?;
        let jwk = self
            .key(issuer, kid)
            .await?
            .ok_or_else(|| format!("{issuer} has no key {kid:?}"))?;
        let signed = format!("{header}.{payload}");
        if verify_rsa(&jwk, alg, signed.as_bytes(), &signature) {
            Ok(())
        } else {
            Err(format!("the token's {alg} signature does not verify"))
        }
    }
}
