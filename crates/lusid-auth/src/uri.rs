//! Small views of an absolute [`http::Uri`] that configuration needs: its
//! host, whether it is loopback, its user info, and copies with another
//! path or without user info.
//!
//! LUSID, token and proxy URLs are absolute `http`/`https` URLs with ASCII
//! host names, so `http::Uri` (already under every request) carries them;
//! a general URL library (and its Unicode host-name tables) is not needed.

use std::net::IpAddr;

use http::Uri;
use http::uri::{Authority, PathAndQuery};

/// The host of `uri` without port or user info; IPv6 addresses keep their
/// brackets (`[::1]`), as in the URL.
pub fn host(uri: &Uri) -> Option<&str> {
    uri.host().filter(|host| !host.is_empty())
}

/// Whether `uri` points at this machine: `localhost`, `127.0.0.0/8`, `::1`.
pub fn is_loopback(uri: &Uri) -> bool {
    let Some(host) = host(uri) else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The user info of `uri` (`user` or `user:password`, still
/// percent-encoded), if it has any.
pub fn user_info(uri: &Uri) -> Option<(&str, Option<&str>)> {
    let authority = uri.authority()?.as_str();
    let (info, _) = authority.rsplit_once('@')?;
    Some(match info.split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (info, None),
    })
}

/// `uri` with its authority replaced by `authority` (a host and optional
/// port, optionally with user info).
pub fn with_authority(uri: &Uri, authority: &str) -> Option<Uri> {
    let mut parts = uri.clone().into_parts();
    parts.authority = Some(authority.parse::<Authority>().ok()?);
    if parts.path_and_query.is_none() {
        parts.path_and_query = Some(PathAndQuery::from_static("/"));
    }
    Uri::from_parts(parts).ok()
}

/// `uri` without user info.
pub fn without_user_info(uri: &Uri) -> Uri {
    let Some(authority) = uri.authority() else {
        return uri.clone();
    };
    match authority.as_str().rsplit_once('@') {
        Some((_, host_and_port)) => {
            with_authority(uri, host_and_port).unwrap_or_else(|| uri.clone())
        }
        None => uri.clone(),
    }
}

/// `uri` with path `path` and no query.
pub fn with_path(uri: &Uri, path: &str) -> Option<Uri> {
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path.parse::<PathAndQuery>().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn loopback_hosts() {
        for text in [
            "http://localhost:8080/api",
            "http://LOCALHOST/api",
            "http://127.0.0.1/api",
            "http://127.9.9.9:1/",
            "http://[::1]:9000/api",
        ] {
            assert!(is_loopback(&uri(text)), "{text}");
        }
        for text in [
            "https://acme.lusid.com/api",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://localhost.acme.com/",
        ] {
            assert!(!is_loopback(&uri(text)), "{text}");
        }
    }

    #[test]
    fn user_info_is_split_from_the_host() {
        let proxy = uri("http://alice:p%40ss@proxy.acme.com:3128");
        assert_eq!(user_info(&proxy), Some(("alice", Some("p%40ss"))));
        assert_eq!(host(&proxy), Some("proxy.acme.com"));
        let bare = without_user_info(&proxy);
        assert_eq!(bare.to_string(), "http://proxy.acme.com:3128/");
        assert_eq!(user_info(&bare), None);
        assert_eq!(user_info(&uri("http://bob@proxy:1")), Some(("bob", None)));
    }

    #[test]
    fn paths_are_replaced() {
        let issuer = uri("https://acme.okta.com/oauth2/abc");
        assert_eq!(
            with_path(&issuer, "/oauth2/abc/v1/token")
                .unwrap()
                .to_string(),
            "https://acme.okta.com/oauth2/abc/v1/token"
        );
    }
}
