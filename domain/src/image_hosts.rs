//! Where lesson images may load from. An image is a request the learner's browser makes to a host
//! the teacher chose, which tells that host the learner's address: images load over https only,
//! and a tenant that wants it names the hosts allowed (none named: any https host).

use serde::{Deserialize, Serialize};

use crate::FieldError;

pub const MAX_HOSTS: usize = 50;

/// A tenant's image hosts: exact names (`images.example.org`) or a domain and its subdomains
/// (`*.example.org`). Empty allows every https host.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImageHosts(Vec<String>);

impl ImageHosts {
    /// Reads a list as an admin typed it, reporting every bad entry as `field[i]`.
    pub fn parse(field: &str, raw: &[String]) -> Result<ImageHosts, Vec<FieldError>> {
        let mut errors = Vec::new();
        // Counted as sent, blanks and repeats included, as the document's `maxItems` counts.
        if raw.len() > MAX_HOSTS {
            errors.push(FieldError::new(
                field,
                format!("Name at most {MAX_HOSTS} hosts."),
            ));
        }
        let mut hosts: Vec<String> = Vec::new();
        for (i, entry) in raw.iter().enumerate() {
            let host = entry.trim().to_ascii_lowercase();
            if host.is_empty() {
                continue;
            }
            if is_host_pattern(&host) {
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            } else {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    "Enter a host name such as images.example.org, or *.example.org for a domain and its subdomains (no https://, no path).",
                ));
            }
        }
        if errors.is_empty() {
            Ok(ImageHosts(hosts))
        } else {
            Err(errors)
        }
    }

    /// Trusts values read back from the database, which were parsed on the way in.
    pub fn from_stored(hosts: Vec<String>) -> ImageHosts {
        ImageHosts(hosts)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether an image at `url` may load: https, no credentials in the address, and a host the
    /// list allows.
    pub fn allows(&self, url: &str) -> bool {
        let Some(rest) = url.strip_prefix("https://") else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') || authority.contains('\\') {
            return false;
        }
        let host = authority
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(authority, |(host, _)| host)
            .to_ascii_lowercase();
        if host.is_empty() {
            return false;
        }
        self.0.is_empty()
            || self
                .0
                .iter()
                .any(|allowed| match allowed.strip_prefix("*.") {
                    Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
                    None => host == *allowed,
                })
    }
}

fn is_host_pattern(host: &str) -> bool {
    let name = host.strip_prefix("*.").unwrap_or(host);
    name.len() <= 253
        && name.contains('.')
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> ImageHosts {
        let raw: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        ImageHosts::parse("image_hosts", &raw).unwrap_or_default()
    }

    #[test]
    fn images_load_over_https_only() {
        let any = ImageHosts::default();
        assert!(any.allows("https://cdn.example.org/a.png"));
        assert!(!any.allows("http://tracker.example.net/pixel.gif"));
        assert!(!any.allows("//tracker.example.net/pixel.gif"));
        assert!(!any.allows("data:image/png;base64,AAAA"));
        assert!(!any.allows("https://user@tracker.example.net/x.png"));
    }

    #[test]
    fn an_allow_list_admits_its_hosts_and_their_subdomains_only() {
        let list = hosts(&["images.example.org", "*.uni.example"]);
        assert!(list.allows("https://images.example.org/a.png"));
        assert!(list.allows("https://IMAGES.example.org:443/a.png"));
        assert!(list.allows("https://uni.example/a.png"));
        assert!(list.allows("https://media.uni.example/a.png"));
        assert!(!list.allows("https://evil.example.org/a.png"));
        assert!(!list.allows("https://images.example.org.evil.net/a.png"));
        assert!(!list.allows("https://notuni.example/a.png"));
    }

    #[test]
    fn every_bad_entry_is_named() {
        let raw: Vec<String> = [
            "ok.example.org",
            "https://x.org",
            "",
            "no_underscores.org",
            "localhost",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let errors = ImageHosts::parse("image_hosts", &raw).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["image_hosts[1]", "image_hosts[3]", "image_hosts[4]"]
        );
    }
}
