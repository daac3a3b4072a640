//! What teachers and integrations send to make or change courses and lessons: the raw form (as
//! text, the way a browser form or a JSON body carries it) and the checked input built from it, with
//! every field's problem reported at once.

use serde::{Deserialize, Serialize};

use crate::course::{self, Block, CoverColor};
use crate::form::FieldErrors;
use crate::{FieldError, ModuleId, UserId};

/// A new course as entered; [`NewCourse::parse`] checks it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewCourseForm {
    pub title: String,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub cover_color: Option<String>,
    pub cover_image_url: Option<String>,
    pub self_enrollment: Option<bool>,
    pub owner_id: Option<UserId>,
}

/// A new course, checked.
#[derive(Debug, Clone)]
pub struct NewCourse {
    pub title: String,
    pub slug: Option<String>,
    pub summary: String,
    pub cover_color: CoverColor,
    pub cover_image_url: Option<String>,
    pub self_enrollment: bool,
    pub owner_id: Option<UserId>,
}

/// Blank text counts as left out.
fn given(raw: Option<String>) -> Option<String> {
    raw.filter(|s| !s.trim().is_empty())
}

impl NewCourse {
    pub fn parse(form: NewCourseForm) -> Result<NewCourse, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let title = errors.check(course::course_title("title", &form.title));
        let slug = errors.optional(given(form.slug), |s| course::course_slug("slug", &s));
        let summary = form.summary.unwrap_or_default();
        let summary = errors.check(course::course_summary("summary", &summary));
        let cover_image_url = errors.optional(given(form.cover_image_url), |url| {
            course::https_url("cover_image_url", &url)
        });
        let cover_color = errors.optional(given(form.cover_color), |c| {
            CoverColor::parse("cover_color", &c)
        });
        errors.finish(|| {
            Some(NewCourse {
                title: title?,
                slug: slug?,
                summary: summary?,
                cover_color: cover_color?.unwrap_or(CoverColor::Blue),
                cover_image_url: cover_image_url?,
                self_enrollment: form.self_enrollment.unwrap_or(true),
                owner_id: form.owner_id,
            })
        })
    }
}

/// The fields of a course to change, as entered; left out means unchanged, and an empty
/// `cover_image_url` removes the image.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CoursePatchForm {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub cover_color: Option<String>,
    pub cover_image_url: Option<String>,
    pub self_enrollment: Option<bool>,
    pub version: Option<i32>,
}

/// The fields of a course to change, checked; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub cover_color: Option<CoverColor>,
    /// `Some(None)` removes the image.
    pub cover_image_url: Option<Option<String>>,
    pub self_enrollment: Option<bool>,
    /// The version the change was made against; a later one refuses it.
    pub version: Option<i32>,
}

impl CoursePatch {
    pub fn parse(form: CoursePatchForm) -> Result<CoursePatch, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let title = errors.optional(form.title, |t| course::course_title("title", &t));
        let slug = errors.optional(form.slug, |s| course::course_slug("slug", &s));
        let summary = errors.optional(form.summary, |s| course::course_summary("summary", &s));
        let cover_image_url = errors.optional(form.cover_image_url, |url| {
            if url.trim().is_empty() {
                Ok(None)
            } else {
                course::https_url("cover_image_url", &url).map(Some)
            }
        });
        let cover_color =
            errors.optional(form.cover_color, |c| CoverColor::parse("cover_color", &c));
        errors.finish(|| {
            Some(CoursePatch {
                title: title?,
                slug: slug?,
                summary: summary?,
                cover_color: cover_color?,
                cover_image_url: cover_image_url?,
                self_enrollment: form.self_enrollment,
                version: form.version,
            })
        })
    }
}

/// A lesson's new content as entered; left out means unchanged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LessonForm {
    pub title: Option<String>,
    pub blocks: Option<Vec<Block>>,
    /// Moves the lesson to the end of another module of the same course.
    pub module_id: Option<ModuleId>,
    pub version: Option<i32>,
}

/// A lesson's new content, checked.
#[derive(Debug, Clone, Default)]
pub struct LessonInput {
    pub title: Option<String>,
    pub blocks: Option<Vec<Block>>,
    pub module_id: Option<ModuleId>,
    pub version: Option<i32>,
}

impl LessonInput {
    pub fn parse(form: LessonForm) -> Result<LessonInput, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let title = errors.optional(form.title, |t| course::item_title("title", &t));
        let blocks = match form.blocks {
            Some(blocks) => errors.check_all(Block::parse_all(blocks)).map(Some),
            None => Some(None),
        };
        errors.finish(|| {
            Some(LessonInput {
                title: title?,
                blocks: blocks?,
                module_id: form.module_id,
                version: form.version,
            })
        })
    }
}
