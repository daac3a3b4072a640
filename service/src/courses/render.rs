//! Lesson content as learners see it. Markdown becomes HTML in two steps: pulldown-cmark turns any
//! raw HTML in the text into escaped text (a teacher's `<script>` shows as those characters), then
//! ammonia keeps only an allow-list of tags and attributes and only http(s)/mailto links, as a
//! second wall should the first ever let something through. Images keep their address only when
//! the tenant's [`ImageHosts`] allow it (https, and the listed hosts when there is a list): an
//! image elsewhere would tell its host every learner's address.

use domain::course::{Block, RenderedBlock};
use domain::ImageHosts;
use pulldown_cmark::{Event, Options, Parser};

fn sanitizer(images: &ImageHosts) -> ammonia::Builder<'static> {
    // ammonia keeps its filter for the builder's whole life, so it owns its copy of the list.
    let images = images.clone();
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tag_attributes("code", ["class"].iter().copied())
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" && !images.allows(value) {
                None
            } else {
                Some(value.into())
            }
        });
    builder
}

/// Renders CommonMark to sanitised HTML.
pub fn markdown(text: &str, images: &ImageHosts) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(text, options).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitizer(images).clean(&html).to_string()
}

/// The address to embed a video from, for hosts whose players may be framed.
pub fn embed_url(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let clean = |id: &str| {
        let id: String = id
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!id.is_empty()).then_some(id)
    };
    match host {
        "youtube.com" | "m.youtube.com" => {
            let query = path.strip_prefix("watch?")?;
            let id = query.split('&').find_map(|p| p.strip_prefix("v="))?;
            clean(id).map(|id| format!("https://www.youtube-nocookie.com/embed/{id}"))
        }
        "youtu.be" => clean(path).map(|id| format!("https://www.youtube-nocookie.com/embed/{id}")),
        "vimeo.com" => clean(path)
            .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
            .map(|id| format!("https://player.vimeo.com/video/{id}")),
        _ => None,
    }
}

/// One block as the learner's page shows it; `quiz_title` names a quiz block's quiz.
pub fn block(block: Block, quiz_title: Option<String>, images: &ImageHosts) -> RenderedBlock {
    match block {
        Block::Markdown { text } => RenderedBlock::Html {
            html: markdown(&text, images),
        },
        Block::Video { url, title } => RenderedBlock::Video {
            embed_url: embed_url(&url),
            url,
            title,
        },
        Block::File { url, label } => RenderedBlock::File { url, label },
        Block::Quiz { quiz_id } => RenderedBlock::Quiz {
            quiz_id,
            title: quiz_title.unwrap_or_else(|| "Quiz".to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_in_markdown_is_shown_as_text_never_run() {
        let html = markdown(
            "Hello <script>alert('x')</script> **world**\n\n<img src=x onerror=alert(1)>",
            &ImageHosts::default(),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<strong>world</strong>"), "{html}");
    }

    #[test]
    fn dangerous_links_lose_their_target() {
        let html = markdown(
            "[click](javascript:alert(1)) [ok](https://example.org)",
            &ImageHosts::default(),
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn images_keep_their_address_only_over_https_and_from_allowed_hosts() {
        let text = "![a](http://tracker.example.net/p.gif) ![b](https://cdn.example.org/b.png) ![c](https://images.uni.example/c.png)";
        let any = markdown(text, &ImageHosts::default());
        assert!(!any.contains("tracker.example.net"), "{any}");
        assert!(
            any.contains("src=\"https://cdn.example.org/b.png\""),
            "{any}"
        );
        assert!(
            any.contains("src=\"https://images.uni.example/c.png\""),
            "{any}"
        );
        let hosts =
            ImageHosts::parse("image_hosts", &["*.uni.example".to_string()]).unwrap_or_default();
        let listed = markdown(text, &hosts);
        assert!(!listed.contains("cdn.example.org"), "{listed}");
        assert!(!listed.contains("tracker.example.net"), "{listed}");
        assert!(
            listed.contains("src=\"https://images.uni.example/c.png\""),
            "{listed}"
        );
        assert!(
            listed.contains("alt=\"a\""),
            "the text alternative stays: {listed}"
        );
    }

    #[test]
    fn youtube_and_vimeo_are_embedded_other_hosts_linked() {
        assert_eq!(
            embed_url("https://www.youtube.com/watch?v=abc_123-X&t=1").as_deref(),
            Some("https://www.youtube-nocookie.com/embed/abc_123-X")
        );
        assert_eq!(
            embed_url("https://youtu.be/abc").as_deref(),
            Some("https://www.youtube-nocookie.com/embed/abc")
        );
        assert_eq!(
            embed_url("https://vimeo.com/12345").as_deref(),
            Some("https://player.vimeo.com/video/12345")
        );
        assert_eq!(embed_url("https://example.org/video.mp4"), None);
        assert_eq!(embed_url("https://youtube.com/watch?v=\"><script>"), None);
    }
}
