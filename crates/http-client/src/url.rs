//! The URLs nimbus calls: `http://` or `https://`, a host (a name, an IPv4 address or a
//! bracketed IPv6 one), an optional port, and the path and query sent as they are.

use crate::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    tls: bool,
    /// As written, port included: the Host header.
    authority: String,
    /// Without the brackets of an IPv6 address.
    host: String,
    port: u16,
    path_and_query: String,
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, Error> {
        let bad = |why: &str| Error::BadUrl(format!("{url}: {why}"));
        let (tls, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
            (false, rest)
        } else {
            return Err(bad("only http:// and https:// URLs can be called"));
        };
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("the URL needs a host, and no user name"));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, _)) if !h.ends_with(']') && h.contains(':') => (authority, None),
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let port = match port {
            None | Some("") => default_port,
            Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let path_and_query = match path {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        Ok(Url {
            tls,
            authority: authority.to_string(),
            host: host.to_string(),
            port,
            path_and_query,
        })
    }

    /// Adds `query` (without `?`) to the URL's own query string.
    pub fn append_query(&mut self, query: &str) {
        if query.is_empty() {
            return;
        }
        let joint = if self.path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        self.path_and_query.push(joint);
        self.path_and_query.push_str(query);
    }

    pub fn is_tls(&self) -> bool {
        self.tls
    }

    pub fn authority(&self) -> &str {
        &self.authority
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority, self.path_and_query)
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_urls() {
        let u = Url::parse("https://example.com/pets?x=1").expect("url");
        assert!(u.is_tls());
        assert_eq!(
            (u.host(), u.port(), u.authority()),
            ("example.com", 443, "example.com")
        );
        assert_eq!(u.path_and_query(), "/pets?x=1");
        let mut u = Url::parse("http://127.0.0.1:8080").expect("url");
        assert_eq!(
            (u.host(), u.port(), u.path_and_query()),
            ("127.0.0.1", 8080, "/")
        );
        u.append_query("a=b");
        assert_eq!(u.to_string(), "http://127.0.0.1:8080/?a=b");
        let u = Url::parse("HTTP://[::1]:9000?q").expect("url");
        assert_eq!(
            (u.host(), u.port(), u.authority()),
            ("::1", 9000, "[::1]:9000")
        );
        assert_eq!(u.path_and_query(), "/?q");
        assert_eq!(Url::parse("https://[::1]/").expect("url").port(), 443);
        for bad in ["ftp://x", "http://", "http://u@h/", "http://h:port/"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
