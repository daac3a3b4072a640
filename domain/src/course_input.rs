//! What teachers and integrations send to make or change courses and lessons: the raw form (as
//! text, the way a browser form or a JSON body carries it) and the checked input built from it, with
//! every field's problem reported at once.

use serde::{Deserialize, Serialize};

use crate::course::{self, Block, CoverColor};
use crate::form::FieldErrors;
use crate::{FieldError, ModuleId, UserId};

/// A new course as entered; [`NewCourse::parse`] checks it. It is the body of `POST /v1/courses`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = CreateCourseBody))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCourseForm {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 3,
            max_length = 200,
            example = "Introduction to statistics"
        )
    )]
    pub title: String,
    /// Derived from the title when left out.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 3,
            max_length = 80,
            pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$",
            example = "intro-statistics"
        )
    )]
    pub slug: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub summary: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<CoverColor>))]
    pub cover_color: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, example = "https://images.example.org/cover.png")
    )]
    pub cover_image_url: Option<String>,
    /// Whether learners may enrol themselves (default true).
    pub self_enrollment: Option<bool>,
    /// The teacher who owns the course; by default the signed-in user. A key names one to give
    /// the course an owner.
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

/// The fields of a course to change, as entered; left out means unchanged. It is the body of
/// `PATCH /v1/courses/{id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = UpdateCourseBody))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoursePatchForm {
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 200))]
    pub title: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 3,
            max_length = 80,
            pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$"
        )
    )]
    pub slug: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub summary: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<CoverColor>))]
    pub cover_color: Option<String>,
    /// An empty string removes the image.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub cover_image_url: Option<String>,
    pub self_enrollment: Option<bool>,
    /// The `version` read; if the course changed since, the change is refused with
    /// `resource.version_conflict`. Left out, the change applies to whatever is current.
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

/// A lesson's new content as entered; left out means unchanged. It is the body of
/// `PATCH /v1/lessons/{id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = UpdateLessonBody))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonForm {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    /// Replaces the whole content.
    pub blocks: Option<Vec<Block>>,
    /// Moves the lesson to the end of another module of the same course.
    pub module_id: Option<ModuleId>,
    /// The lesson's `version` read; a lesson changed since is refused.
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
