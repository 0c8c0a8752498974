//! Who may talk to the emulator: the checks that keep a web page from driving it.
//!
//! A page in the user's browser can send requests to `http://127.0.0.1:PORT` (a `text/plain`
//! POST needs no preflight) and, through DNS rebinding, even read the answers under its own
//! host name. So every request, on every listener (the API, the control routes, API Gateway
//! invocations and each Lambda instance's Runtime API), must:
//!
//! - name a loopback host in `Host` (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`, with
//!   or without a port) unless the host is listed in [`crate::Config::allow_hosts`];
//! - carry no `Origin` at all (a browser sends one with every cross-origin or non-GET request;
//!   `null` is what sandboxed frames and `file:` pages send, so it counts as a page too) unless
//!   the origin is listed in [`crate::Config::allow_origins`].
//!
//! `"*"` in either list allows any value. A refusal is a 403 in the protocol's error shape.
//! AWS API requests must also be signed ([`signature`]): any SigV4 credentials are accepted,
//! but a browser cannot send an `Authorization` header cross-origin without a preflight.

use std::net::{IpAddr, Ipv6Addr};

use http::HeaderMap;

/// The allow-lists of one emulator.
#[derive(Debug, Clone, Default)]
pub struct Access {
    allow_hosts: Vec<String>,
    allow_origins: Vec<String>,
}

impl Access {
    pub fn new(allow_hosts: &[String], allow_origins: &[String]) -> Access {
        let normalise = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|entry| entry.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|entry| !entry.is_empty())
                .collect()
        };
        Access {
            allow_hosts: normalise(allow_hosts),
            allow_origins: normalise(allow_origins),
        }
    }

    /// Why a request with these headers is refused, or `None` when it may proceed.
    /// `authority` is the request target's authority, used when `Host` is absent.
    pub fn refusal(&self, headers: &HeaderMap, authority: Option<&str>) -> Option<String> {
        self.host_refusal(headers, authority)
            .or_else(|| self.origin_refusal(headers))
    }

    fn host_refusal(&self, headers: &HeaderMap, authority: Option<&str>) -> Option<String> {
        let host = match headers.get(http::header::HOST) {
            Some(value) => match value.to_str() {
                Ok(text) => Some(text.trim()),
                Err(_) => return Some("the Host header is not valid text".to_owned()),
            },
            None => authority,
        };
        // No host at all: an HTTP/1.0 tool, never a browser (browsers always send Host).
        let host = host?;
        if is_loopback_host(host) || self.host_allowed(host) {
            return None;
        }
        Some(format!(
            "Host '{host}' is not a loopback name. A web page may be using DNS rebinding to \
             reach the emulator; if you trust this host, add it to the allowed hosts \
             (allow_hosts)."
        ))
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let name = host_name(&host);
        self.allow_hosts
            .iter()
            .any(|allowed| allowed == "*" || *allowed == host || allowed == name)
    }

    fn origin_refusal(&self, headers: &HeaderMap) -> Option<String> {
        let origin = headers.get(http::header::ORIGIN)?;
        let origin = String::from_utf8_lossy(origin.as_bytes()).trim().to_owned();
        let normalised = origin.trim_end_matches('/').to_ascii_lowercase();
        if self
            .allow_origins
            .iter()
            .any(|allowed| allowed == "*" || *allowed == normalised)
        {
            return None;
        }
        Some(format!(
            "requests from web pages are refused (Origin '{origin}'). If you trust this page, \
             add its origin to the allowed origins (allow_origins)."
        ))
    }
}

/// `host[:port]` without the port: `[::1]:80` → `[::1]`, `localhost:4566` → `localhost`.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => host.get(..=end).unwrap_or(host),
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Whether `host` (a `Host` header value) names this machine's loopback interface.
pub fn is_loopback_host(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    let name = host_name(&lower);
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return inner
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| is_loopback_ip(ip.into()));
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(is_loopback_ip)
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether a request carries AWS credentials: a SigV4 `Authorization` header
/// (`AWS4-HMAC-SHA256 Credential=…`) or presigned query parameters (`X-Amz-Algorithm`,
/// `X-Amz-Credential`, `X-Amz-Signature`). The signature itself is not checked: any
/// credentials are accepted, as the emulator has no accounts.
pub fn is_signed(headers: &HeaderMap, query: &str) -> bool {
    if let Some(auth) = headers.get(http::header::AUTHORIZATION) {
        let auth = String::from_utf8_lossy(auth.as_bytes());
        let auth = auth.trim();
        return auth.starts_with("AWS4-") && auth.contains("Credential=");
    }
    let mut found = [false; 3];
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match name.as_ref() {
            "X-Amz-Algorithm" => found.get_mut(0),
            "X-Amz-Credential" => found.get_mut(1),
            "X-Amz-Signature" => found.get_mut(2),
            _ => None,
        };
        if let Some(slot) = slot {
            *slot |= !value.is_empty();
        }
    }
    found.iter().all(|f| *f)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn loopback_names_with_and_without_ports() {
        for host in [
            "localhost",
            "LOCALHOST:4566",
            "api.localhost",
            "localhost.",
            "127.0.0.1",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:4566",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.com",
            "evil.com:4566",
            "localhost.evil.com",
            "127.0.0.1.nip.io",
            "10.0.0.1",
            "[::2]:80",
            "0.0.0.0",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn hosts_and_origins_are_refused_unless_allowed() {
        let strict = Access::default();
        assert!(
            strict
                .refusal(&headers(&[("host", "127.0.0.1:9")]), None)
                .is_none()
        );
        assert!(
            strict
                .refusal(&headers(&[("host", "rebind.example")]), None)
                .is_some()
        );
        assert!(
            strict
                .refusal(&HeaderMap::new(), Some("evil.com"))
                .is_some()
        );
        assert!(strict.refusal(&HeaderMap::new(), None).is_none());
        let page = headers(&[("host", "localhost"), ("origin", "https://evil.com")]);
        assert!(strict.refusal(&page, None).is_some());
        let null = headers(&[("host", "localhost"), ("origin", "null")]);
        assert!(strict.refusal(&null, None).is_some());

        let open = Access::new(&["box.lan".into()], &["https://evil.com/".into()]);
        assert!(
            open.refusal(&headers(&[("host", "BOX.lan:4566")]), None)
                .is_none()
        );
        assert!(open.refusal(&page, None).is_none());
        assert!(open.refusal(&null, None).is_some());
        let any = Access::new(&["*".into()], &["*".into()]);
        assert!(
            any.refusal(&headers(&[("host", "x"), ("origin", "null")]), None)
                .is_none()
        );
    }

    #[test]
    fn signed_means_a_sigv4_header_or_presigned_query() {
        let sigv4 = "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/lambda/aws4_request, \
                     SignedHeaders=host, Signature=00";
        assert!(is_signed(&headers(&[("authorization", sigv4)]), ""));
        assert!(!is_signed(&headers(&[("authorization", "Bearer x")]), ""));
        assert!(!is_signed(&HeaderMap::new(), ""));
        let presigned =
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Signature=00";
        assert!(is_signed(&HeaderMap::new(), presigned));
        assert!(!is_signed(
            &HeaderMap::new(),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        ));
    }
}
