//! The rules of [`crate::course::bounded_text`] and its kin, written as the regular expressions the
//! OpenAPI document gives clients, so that what the document calls valid is what the server
//! accepts. Written for ECMA-262 and Python alike: explicit classes, no `\s` (the two disagree
//! with Rust's `char::is_whitespace` on a few characters).

/// What `str::trim` removes: Unicode's White_Space.
const SPACE: &str = r"[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// A first or last character after trimming: neither white space nor a control character.
const EDGE: &str = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// A first or last character after trimming where control characters are allowed.
const EDGE_ANY: &str = r"[^\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// Which characters may stand between the first and the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inner {
    /// No control characters but tab, line feed and carriage return (titles, prose).
    Lines,
    /// No control characters at all (a person's name).
    OneLine,
    /// Anything (names of keys, reasons).
    Any,
}

impl Inner {
    fn class(self) -> &'static str {
        match self {
            Inner::Lines => r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]",
            Inner::OneLine => r"[^\x00-\x1f\x7f-\x9f]",
            Inner::Any => r"[\s\S]",
        }
    }

    fn edge(self) -> &'static str {
        match self {
            Inner::Lines | Inner::OneLine => EDGE,
            Inner::Any => EDGE_ANY,
        }
    }
}

/// Text that is `min..=max` characters long once trimmed, any white space around it.
pub fn trimmed(min: usize, max: usize, inner: Inner) -> String {
    let (edge, middle) = (inner.edge(), inner.class());
    let body = match (min, max) {
        (_, 0) => String::new(),
        (0 | 1, 1) => edge.to_string(),
        (0 | 1, _) => format!("{edge}(?:{middle}{{0,{}}}{edge})?", max - 2),
        _ => format!("{edge}{middle}{{{},{}}}{edge}", min - 2, max - 2),
    };
    if min == 0 && max > 0 {
        format!("^{SPACE}*(?:{body})?{SPACE}*$")
    } else {
        format!("^{SPACE}*{body}{SPACE}*$")
    }
}

/// An https address as [`crate::course::https_url`] takes it: a host with a dot, then an optional
/// path, query or fragment; no white space, quotes or angle brackets inside.
pub fn https_url() -> String {
    let host = r#"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"<>/?#]"#;
    let rest = r#"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"<>]"#;
    format!(r"^{SPACE}*https://{host}*\.{host}*(?:[/?#]{rest}*)?{SPACE}*$")
}

/// One of the public ids with these prefixes (`usr`, `key`), or blank (left out).
pub fn public_id_or_blank(prefixes: &[&str]) -> String {
    format!(
        r"^{SPACE}*(?:(?:{})_[0-7][0-9a-hjkmnp-tv-z]{{25}})?{SPACE}*$",
        prefixes.join("|")
    )
}

/// Nothing but white space: how a filter is left out.
pub fn blank() -> String {
    format!("^{SPACE}*$")
}

/// The start of a date or time the audit filters take: years 1970 to 9000.
pub const AUDIT_YEAR: &str = r"^(?:19[7-9][0-9]|[2-8][0-9]{3}|9000)-";

/// Text with something besides white space in it (unanchored: anywhere).
pub fn not_blank() -> String {
    EDGE_ANY.to_string()
}

/// An entry of a tenant's image hosts: a host name or `*.` and a domain, in any case, or blank
/// (skipped).
pub fn image_host() -> String {
    let label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    format!(r"^{SPACE}*(?:(?:\*\.)?{label}(?:\.{label})+)?{SPACE}*$")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{bounded_text, https_url as parse_url};
    use crate::DisplayName;

    const SAMPLES: &[&str] = &[
        "",
        " ",
        "a",
        "ab",
        "abc",
        " abc ",
        "\u{3000}abc\u{85}",
        "\tab\u{1}c",
        "a\nb c",
        "a\u{b}c",
        "abc\u{7f}",
        "\u{1}abc",
        "\u{a0}x\u{a0}",
        "\u{1c}ab",
        "ab\u{1c}",
        "x\u{85}y",
        "éü\u{2003}ß",
        "abcdefghij",
        "abcdefghijk",
        " abcdefghij ",
        "\u{feff}ab",
        "a\r\nb",
    ];

    fn accepts(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    fn assert_verdicts(pattern: &str, cases: &[(&str, bool)]) {
        for (text, ok) in cases {
            assert_eq!(accepts(pattern, text), *ok, "{text:?} {pattern}");
        }
    }

    #[test]
    fn trimmed_text_patterns_agree_with_bounded_text() {
        for (min, max) in [(0, 10), (1, 10), (3, 10), (1, 1)] {
            let pattern = trimmed(min, max, Inner::Lines);
            for text in SAMPLES {
                assert_eq!(
                    accepts(&pattern, text),
                    bounded_text("f", text, "It", min, max).is_ok(),
                    "{min}..={max} {text:?} {pattern}"
                );
            }
        }
    }

    #[test]
    fn one_line_patterns_agree_with_display_names() {
        let pattern = trimmed(1, 100, Inner::OneLine);
        for text in SAMPLES {
            assert_eq!(
                accepts(&pattern, text),
                DisplayName::parse("name", text).is_ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn any_inner_patterns_count_only_trimmed_length() {
        assert_verdicts(
            &trimmed(1, 3, Inner::Any),
            &[
                (" a\u{1}b ", true),
                ("   ", false),
                ("abcd", false),
                ("\u{1}", true),
            ],
        );
    }

    #[test]
    fn url_pattern_agrees_with_https_url() {
        for url in [
            "https://example.org",
            " https://a.b/c?d#e ",
            "https://ab/c",
            "http://a.b",
            "https://",
            "https://a.b/c d",
            "https://a.b/\"",
            "https://a.b/<x>",
            "https://.x",
            "https://a.b?q=.",
            "https://a/b.c",
            "javascript:x",
            "https://a.b/\u{1}",
        ] {
            assert_eq!(
                accepts(&https_url(), url),
                parse_url("url", url).is_ok(),
                "{url:?}"
            );
        }
    }

    #[test]
    fn id_patterns_take_the_prefixes_named() {
        assert_verdicts(
            &public_id_or_blank(&["usr", "key"]),
            &[
                ("usr_01kbt2n3r5x8yq0c4e6g8j9m2p", true),
                (" key_01kbt2n3r5x8yq0c4e6g8j9m2p ", true),
                ("", true),
                ("crs_01kbt2n3r5x8yq0c4e6g8j9m2p", false),
                ("usr_81kbt2n3r5x8yq0c4e6g8j9m2p", false),
            ],
        );
    }

    #[test]
    fn image_host_pattern_agrees_with_image_hosts() {
        for host in [
            "images.example.org",
            "*.Example.org",
            " a.b ",
            "",
            " ",
            "localhost",
            "a..b",
            "-a.b",
            "a-.b",
            "https://a.b",
            "a.b/c",
            "*.b",
            "a_b.c",
            "*.*.a.b",
        ] {
            let parsed = crate::image_hosts::ImageHosts::parse("h", &[host.to_string()]);
            assert_eq!(accepts(&image_host(), host), parsed.is_ok(), "{host:?}");
        }
    }
}
