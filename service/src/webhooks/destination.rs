//! Where a webhook may be sent. An endpoint's address is a tenant's input that makes Lectern's own
//! network send requests: unchecked, it would reach the cloud's metadata service, the database, or
//! anything else inside. So an address is checked when an endpoint is saved and again at every
//! delivery, after its host is resolved once. The delivery must then connect to the addresses that
//! were checked (so a DNS answer that changes in between gains nothing), follow no redirect and go
//! through no proxy, since a proxy would resolve the name again on its own.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Whether endpoints on this machine are allowed: only on a developer's machine or in tests, by
/// configuration, and then over plain http as well.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loopback {
    Refused,
    Allowed,
}

/// Why an address is refused, worded for the admin who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Enter a full address, such as https://example.com/webhooks.")]
    NotAUrl,
    #[error("Use an address of at most {MAX_URL_CHARS} characters.")]
    TooLong,
    #[error("Webhooks are sent over https.")]
    NotHttps,
    #[error("Put no user name or password in the address; Lectern signs every delivery instead.")]
    Credentials,
    #[error("{host} is {why}, which webhooks may not reach.")]
    Forbidden { host: String, why: &'static str },
    // A name is answered the same whether it does not resolve or resolves inside: saying which
    // (or to what) would let a tenant map the names of the network Lectern runs in.
    #[error("{host} does not resolve to a public address, which webhooks need.")]
    ResolvesForbidden {
        host: String,
        address: IpAddr,
        why: &'static str,
    },
    #[error("{host} does not resolve to a public address, which webhooks need.")]
    Unresolved { host: String },
}

pub const MAX_URL_CHARS: usize = 2_000;

/// How long a name may take to resolve before it counts as not resolving.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// An endpoint address that passed the checks that need no network: a URL over https (or http to
/// this machine when loopback is allowed), without credentials, whose host, if written as an IP
/// address, may be reached.
pub fn check_url(text: &str, loopback: Loopback) -> Result<Url, Refusal> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(Refusal::TooLong);
    }
    let url = Url::parse(text).map_err(|_| Refusal::NotAUrl)?;
    // Parsing can lengthen it (international names, percent-encoding), and the parsed form is kept.
    if url.as_str().chars().count() > MAX_URL_CHARS {
        return Err(Refusal::TooLong);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    let host = url.host().ok_or(Refusal::NotAUrl)?;
    let on_this_machine = match &host {
        Host::Domain(name) => is_localhost(name),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if on_this_machine && loopback == Loopback::Allowed => {}
        "http" => return Err(Refusal::NotHttps),
        _ => return Err(Refusal::NotAUrl),
    }
    let literal = match host {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(name) if is_localhost(name) => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        Host::Domain(_) => None,
    };
    if let Some(address) = literal {
        if let Some(why) = forbidden(address, loopback) {
            return Err(Refusal::Forbidden {
                host: host_text(&url),
                why,
            });
        }
    }
    Ok(url)
}

/// The addresses a delivery to `url` connects to: its host resolved once, every answer checked.
/// One forbidden answer refuses them all, since the connection could have gone to any of them.
pub async fn resolve(url: &Url, loopback: Loopback) -> Result<Vec<SocketAddr>, Refusal> {
    let host = host_text(url);
    let port = url.port_or_known_default().ok_or(Refusal::NotAUrl)?;
    let addresses: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => {
            tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, port)))
                .await
                .ok()
                .and_then(Result::ok)
                .map(Iterator::collect)
                .unwrap_or_default()
        }
        None => return Err(Refusal::NotAUrl),
    };
    if addresses.is_empty() {
        return Err(Refusal::Unresolved { host });
    }
    for address in &addresses {
        if let Some(why) = forbidden(address.ip(), loopback) {
            return Err(Refusal::ResolvesForbidden {
                host,
                address: address.ip(),
                why,
            });
        }
    }
    Ok(addresses)
}

fn host_text(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_string()
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.');
    name.eq_ignore_ascii_case("localhost") || name.to_ascii_lowercase().ends_with(".localhost")
}

/// What kind of address `address` is, when webhooks may not reach it.
pub fn forbidden(address: IpAddr, loopback: Loopback) -> Option<&'static str> {
    match address {
        IpAddr::V4(ip) => forbidden_v4(ip, loopback),
        IpAddr::V6(ip) => forbidden_v6(ip, loopback),
    }
}

fn forbidden_v4(ip: Ipv4Addr, loopback: Loopback) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (127, _, _) if loopback == Loopback::Allowed => return None,
        (127, _, _) => "a loopback address",
        (0, _, _) => "an address of this network",
        (10, _, _) | (192, 168, _) => "a private address",
        (172, 16..=31, _) => "a private address",
        (100, 64..=127, _) => "a carrier-grade NAT address",
        (169, 254, _) => "a link-local address (where cloud metadata services answer)",
        (192, 0, 0) | (192, 88, 99) => "an address reserved for protocols",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, _, _) => "a multicast address",
        (240..=255, _, _) => "a reserved address",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr, loopback: Loopback) -> Option<&'static str> {
    // An IPv4 address carried inside an IPv6 one is judged as itself.
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4, loopback);
    }
    let segments = ip.segments();
    Some(match segments {
        _ if ip.is_loopback() && loopback == Loopback::Allowed => return None,
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_unspecified() => "an unspecified address",
        [s, ..] if s & 0xfe00 == 0xfc00 => "a private address",
        [s, ..] if s & 0xffc0 == 0xfe80 => "a link-local address",
        [s, ..] if s & 0xff00 == 0xff00 => "a multicast address",
        // Only global unicast (2000::/3) is sent to; everything else (translation prefixes, the
        // IPv4-compatible and -translated forms, segment routing) is reserved or local.
        [s, ..] if s & 0xe000 != 0x2000 => "a reserved address",
        [0x2001, 0x0db8, ..] => "a documentation address",
        [s, ..] if s & 0xfff0 == 0x3ff0 => "a documentation address",
        // 2001::/23: Teredo tunnels, benchmarking and other protocol assignments.
        [0x2001, s, ..] if s < 0x0200 => "an address reserved for protocols",
        _ => return None,
    })
}

/// The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let from = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0, 0, 0, 0, 0, 0xffff, high, low] => Some(from(high, low)),
        [0x0064, 0xff9b, 0, 0, 0, 0, high, low] => Some(from(high, low)),
        [0x2002, high, low, ..] => Some(from(high, low)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        check_url(text, Loopback::Refused).unwrap_err().to_string()
    }

    #[test]
    fn addresses_inside_are_refused_with_the_reason() {
        for (text, why) in [
            ("https://169.254.169.254/latest/meta-data", "link-local"),
            ("https://10.0.0.1/hook", "private"),
            ("https://172.20.1.1/", "private"),
            ("https://192.168.1.10/", "private"),
            ("https://100.100.100.200/", "carrier-grade NAT"),
            ("https://127.0.0.1:5432/", "loopback"),
            ("https://0x7f.1/", "loopback"),
            ("https://2130706433/", "loopback"),
            ("https://localhost/", "loopback"),
            ("https://api.localhost/", "loopback"),
            ("https://0.0.0.0/", "this network"),
            ("https://[::1]/", "loopback"),
            ("https://[::]/", "unspecified"),
            ("https://[::ffff:169.254.169.254]/", "link-local"),
            ("https://[::ffff:a00:1]/", "private"),
            ("https://[64:ff9b::a00:1]/", "private"),
            ("https://[2002:a00:1::]/", "private"),
            ("https://[fd00:ec2::254]/", "private"),
            ("https://[fe80::1]/", "link-local"),
            ("https://[64:ff9b:1::a9fe:a9fe]/", "reserved"),
            ("https://[::ffff:0:a9fe:a9fe]/", "reserved"),
            ("https://[::a9fe:a9fe]/", "reserved"),
            ("https://[5f00::1]/", "reserved"),
            ("https://[2001::1]/", "protocols"),
            ("https://[2001:2::1]/", "protocols"),
            ("https://[2001:db8::1]/", "documentation"),
            ("https://[3fff::1]/", "documentation"),
            ("https://192.88.99.1/", "protocols"),
            ("https://[ff02::1]/", "multicast"),
            ("https://224.0.0.1/", "multicast"),
            ("https://255.255.255.255/", "reserved"),
        ] {
            let message = refused(text);
            assert!(message.contains(why), "{text}: {message}");
        }
    }

    #[test]
    fn public_https_addresses_pass() {
        for text in [
            "https://hooks.example.com/lectern",
            "https://93.184.215.14:8443/in?x=1",
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
            " https://example.org ",
        ] {
            assert!(check_url(text, Loopback::Refused).is_ok(), "{text}");
        }
    }

    #[test]
    fn only_https_without_credentials() {
        assert_eq!(
            refused("http://hooks.example.com/"),
            Refusal::NotHttps.to_string()
        );
        assert_eq!(
            refused("ftp://hooks.example.com/"),
            Refusal::NotAUrl.to_string()
        );
        assert_eq!(
            refused("hooks.example.com/in"),
            Refusal::NotAUrl.to_string()
        );
        assert_eq!(
            refused("https://user:pw@hooks.example.com/"),
            Refusal::Credentials.to_string()
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(refused(&long), Refusal::TooLong.to_string());
        // 420 characters as typed, 2,420 once percent-encoded.
        let encoded = format!("https://example.com/{}", "é".repeat(400));
        assert_eq!(refused(&encoded), Refusal::TooLong.to_string());
    }

    #[test]
    fn loopback_over_http_only_when_allowed() {
        for text in [
            "http://127.0.0.1:9000/in",
            "http://localhost:9000/",
            "http://[::1]/",
        ] {
            assert!(check_url(text, Loopback::Allowed).is_ok(), "{text}");
            assert!(check_url(text, Loopback::Refused).is_err(), "{text}");
        }
        // Allowing this machine allows nothing else.
        assert!(check_url("http://10.0.0.1/", Loopback::Allowed).is_err());
        assert!(check_url("https://169.254.169.254/", Loopback::Allowed).is_err());
    }

    #[tokio::test]
    async fn a_name_is_judged_by_every_address_it_resolves_to() {
        // `localhost` resolves from the hosts file, without a network.
        let url = Url::parse("https://localhost:8443/").unwrap();
        let refusal = resolve(&url, Loopback::Refused).await.unwrap_err();
        assert!(
            matches!(refusal, Refusal::ResolvesForbidden { why, .. } if why.contains("loopback")),
            "{refusal:?}"
        );
        assert!(!refusal.to_string().contains("127.0.0.1"), "{refusal}");
        let addresses = resolve(&url, Loopback::Allowed).await.unwrap();
        assert!(addresses
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 8443));
        let literal = Url::parse("https://10.0.0.1/").unwrap();
        assert!(resolve(&literal, Loopback::Refused).await.is_err());
    }
}
