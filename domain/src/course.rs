//! Courses as they cross the wire: validated titles and blocks, the views of a course, its outline,
//! enrolments and progress. The browser's forms and `/v1` parse input with the same functions.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{CourseId, EnrollmentId, FieldError, LessonId, ModuleId, QuizId, UserId};

text_enum!(
    /// Where a course is in its life: drafts are seen by staff only, published ones by learners,
    /// archived ones by staff and the learners already enrolled.
    CourseStatus { Draft = "draft", Published = "published", Archived = "archived" }
);

text_enum!(
    /// A learner's standing in a course.
    EnrollmentStatus { Active = "active", Completed = "completed", Withdrawn = "withdrawn" }
);

text_enum!(
    /// The colour of a course's card when it has no cover image.
    CoverColor { Blue = "blue", Green = "green", Amber = "amber", Rose = "rose", Violet = "violet", Slate = "slate" }
);

/// Trims `raw` and checks its length in characters; `what` starts the message ("The title").
pub fn bounded_text(
    field: &str,
    raw: &str,
    what: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    let text = raw.trim();
    let length = text.chars().count();
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            format!("{what} cannot contain control characters."),
        ));
    }
    if length < min {
        return Err(FieldError::new(
            field,
            if min <= 1 {
                format!("{what} cannot be empty.")
            } else {
                format!("{what} needs at least {min} characters.")
            },
        ));
    }
    if length > max {
        return Err(FieldError::new(
            field,
            format!("{what} can be at most {max} characters long."),
        ));
    }
    Ok(text.to_string())
}

/// A course's title: 3 to 200 characters.
pub fn course_title(field: &str, raw: &str) -> Result<String, FieldError> {
    bounded_text(field, raw, "The title", 3, 200)
}

/// A module's or lesson's title: 1 to 200 characters.
pub fn item_title(field: &str, raw: &str) -> Result<String, FieldError> {
    bounded_text(field, raw, "The title", 1, 200)
}

pub fn course_summary(field: &str, raw: &str) -> Result<String, FieldError> {
    bounded_text(field, raw, "The summary", 0, 2000)
}

/// A course's address part: 3 to 80 lower-case letters, digits and inner hyphens.
pub fn course_slug(field: &str, raw: &str) -> Result<String, FieldError> {
    let slug = raw.trim().to_lowercase();
    let chars_ok = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if (3..=80).contains(&slug.len()) && chars_ok && !slug.starts_with('-') && !slug.ends_with('-')
    {
        Ok(slug)
    } else {
        Err(FieldError::new(
            field,
            "Use 3 to 80 lower-case letters, digits and hyphens, not starting or ending with a hyphen.",
        ))
    }
}

/// The slug a title suggests: ASCII letters and digits, words joined by hyphens.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 70 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.len() < 3 {
        format!("course-{slug}").trim_end_matches('-').to_string()
    } else {
        slug
    }
}

/// Only https links are kept: anything else (`javascript:`, `data:`, plain http) is refused.
pub fn https_url(field: &str, raw: &str) -> Result<String, FieldError> {
    let url = raw.trim();
    let rest = url.strip_prefix("https://").unwrap_or("");
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Counted as sent, in characters, as the document's `maxLength` counts.
    let valid = raw.chars().count() <= 2000
        && !host.is_empty()
        && host.contains('.')
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if valid {
        Ok(url.to_string())
    } else {
        Err(FieldError::new(
            field,
            "Enter a full https:// address (at most 2000 characters).",
        ))
    }
}

/// One piece of a lesson's content, in order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// Text in CommonMark; raw HTML in it is shown as text, never run.
    Markdown { text: String },
    /// A video by https address; YouTube and Vimeo addresses are embedded, others linked.
    Video { url: String, title: String },
    /// A link to a file or page.
    File { url: String, label: String },
    /// A quiz of the same course.
    Quiz { quiz_id: QuizId },
}

pub const MAX_BLOCKS: usize = 50;
pub const MAX_MARKDOWN: usize = 50_000;

impl Block {
    /// Trims and checks a block; `field` names it in errors (`blocks[2].url`).
    pub fn parse(self, field: &str) -> Result<Block, FieldError> {
        Ok(match self {
            Block::Markdown { text } => {
                if text.chars().count() > MAX_MARKDOWN {
                    return Err(FieldError::new(
                        format!("{field}.text"),
                        format!("A text block can be at most {MAX_MARKDOWN} characters long."),
                    ));
                }
                Block::Markdown { text }
            }
            Block::Video { url, title } => Block::Video {
                url: https_url(&format!("{field}.url"), &url)?,
                title: bounded_text(&format!("{field}.title"), &title, "The video title", 1, 200)?,
            },
            Block::File { url, label } => Block::File {
                url: https_url(&format!("{field}.url"), &url)?,
                label: bounded_text(&format!("{field}.label"), &label, "The label", 1, 200)?,
            },
            Block::Quiz { quiz_id } => Block::Quiz { quiz_id },
        })
    }

    pub fn parse_all(blocks: Vec<Block>) -> Result<Vec<Block>, Vec<FieldError>> {
        if blocks.len() > MAX_BLOCKS {
            return Err(vec![FieldError::new(
                "blocks",
                format!("A lesson can hold at most {MAX_BLOCKS} blocks."),
            )]);
        }
        let mut errors = Vec::new();
        let mut parsed = Vec::with_capacity(blocks.len());
        for (i, block) in blocks.into_iter().enumerate() {
            match block.parse(&format!("blocks[{i}]")) {
                Ok(block) => parsed.push(block),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(errors)
        }
    }
}

/// A block as a learner's page shows it: Markdown already rendered to safe HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RenderedBlock {
    Html {
        html: String,
    },
    /// `embed_url` is set for hosts that allow embedding (YouTube, Vimeo).
    Video {
        url: String,
        title: String,
        embed_url: Option<String>,
    },
    File {
        url: String,
        label: String,
    },
    Quiz {
        quiz_id: QuizId,
        title: String,
    },
}

/// A course as lists show it; `modules` only where the whole course is read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseView {
    pub id: CourseId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub status: CourseStatus,
    pub cover_color: CoverColor,
    pub cover_image_url: Option<String>,
    /// Whether learners may enrol themselves; otherwise a teacher or admin enrols them.
    pub self_enrollment: bool,
    /// The teacher who owns the course; null for a course an API key made without naming one.
    pub owner_id: Option<UserId>,
    /// Send it back with an update: a change made since makes the update fail with
    /// `resource.version_conflict` instead of overwriting it.
    pub version: i32,
    pub module_count: i64,
    pub lesson_count: i64,
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<ModuleView>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleView {
    pub id: ModuleId,
    pub course_id: CourseId,
    pub title: String,
    pub position: i32,
    pub version: i32,
    pub lessons: Vec<LessonView>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonView {
    pub id: LessonId,
    pub module_id: ModuleId,
    pub course_id: CourseId,
    pub title: String,
    pub position: i32,
    pub version: i32,
    /// The content, for the course's learners and its teachers; absent for everyone else who sees
    /// the course (a student who has not joined it, a student-role API key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<Block>>,
}

/// Filters and paging of a course list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseQuery {
    /// Words to search for in titles and summaries; the last one may be a prefix.
    pub q: Option<String>,
    pub status: Option<CourseStatus>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentView {
    pub id: EnrollmentId,
    pub course_id: CourseId,
    pub user_id: UserId,
    pub user_name: String,
    pub user_email: String,
    pub status: EnrollmentStatus,
    pub enrolled_at: String,
    pub completed_at: Option<String>,
    pub completed_lessons: i64,
    pub total_lessons: i64,
}

/// A course as its learner sees it: the outline, their enrolment and what they have completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerCourseView {
    pub course: CourseView,
    pub enrollment: Option<EnrollmentView>,
    pub completed_lessons: Vec<LessonId>,
    /// Whether the caller may edit the course (its owner, staff, or an admin).
    pub can_edit: bool,
}

/// One lesson page: its rendered content, where it sits, and the neighbours to walk to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonPageView {
    pub course_id: CourseId,
    pub course_title: String,
    pub module_title: String,
    pub lesson_id: LessonId,
    pub title: String,
    pub blocks: Vec<RenderedBlock>,
    pub completed: bool,
    pub enrolled: bool,
    pub previous: Option<LessonId>,
    pub next: Option<LessonId>,
    pub completed_lessons: i64,
    pub total_lessons: i64,
}

/// What a learner finds at a lesson's address: the lesson, or, in a course they see but have not
/// joined, what they need to know to join it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LessonPage {
    Open(LessonPageView),
    NeedsEnrollment(LessonGateView),
}

/// A lesson of a course the learner has not joined: no content, but the way in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonGateView {
    pub course_id: CourseId,
    pub course_title: String,
    pub lesson_title: String,
    /// Self-enrolment is on and the course is open: the page offers to enrol.
    pub can_self_enroll: bool,
}

/// A course in a learner's "My courses".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCourse {
    pub course_id: CourseId,
    pub title: String,
    pub cover_color: CoverColor,
    pub status: EnrollmentStatus,
    pub completed_lessons: i64,
    pub total_lessons: i64,
}

/// The outcome of one row of a roster upload.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    /// The 1-based line of the upload.
    pub line: u32,
    pub email: String,
    /// `enrolled`, `already_enrolled` or `failed`.
    pub outcome: String,
    pub message: Option<String>,
}

/// Percent done, rounded down, for progress bars.
pub fn percent(done: i64, total: i64) -> i64 {
    if total <= 0 {
        0
    } else {
        (done.clamp(0, total) * 100) / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(course_title("title", "  Rust  "), Ok("Rust".into()));
        assert!(course_title("title", "ab").is_err());
        assert!(course_title("title", &"x".repeat(201)).is_err());
        assert!(item_title("title", " ").is_err());
        assert!(item_title("title", "A\u{0}B").is_err());
    }

    #[test]
    fn slugs_come_from_titles() {
        assert_eq!(slugify("Intro to Rust: Part 1!"), "intro-to-rust-part-1");
        assert_eq!(slugify("Ü"), "course");
        assert!(course_slug("slug", &slugify("Été 2026")).is_ok());
    }

    #[test]
    fn only_https_links_are_kept() {
        assert!(https_url("url", "https://example.org/a.pdf").is_ok());
        for bad in [
            "javascript:alert(1)",
            "http://example.org",
            "https://",
            "https://x y.org",
            "data:text/html,<script>",
        ] {
            assert!(https_url("url", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn block_errors_name_the_block() {
        let blocks = vec![
            Block::Markdown { text: "ok".into() },
            Block::File {
                url: "ftp://x".into(),
                label: "x".into(),
            },
        ];
        let errors = Block::parse_all(blocks).err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "blocks[1].url");
    }

    #[test]
    fn percent_rounds_down_and_survives_empty_courses() {
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(3, 3), 100);
        assert_eq!(percent(0, 0), 0);
    }
}
