//! What teachers and integrations send to make or change quizzes and questions: raw forms (the
//! `/v1` bodies) and the checked inputs built from them, every field's problem reported at once.

use serde::{Deserialize, Deserializer, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::course::{bounded_text, course_title};
use crate::form::FieldErrors;
use crate::proctoring::ProctoringMode;
use crate::quiz::{AnswerKey, ChoiceOption, ChoiceScoring, QuestionKind, ShowAnswers};
use crate::{CourseId, FieldError, OptionId};

/// A field that may be sent as `null` to clear it: absent is `None`, `null` is `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A quiz's settings as entered: the body of `POST /v1/quizzes` (where `course_id` and `title`
/// are required) and of `PATCH /v1/quizzes/{id}` (where what is left out stays as it is, and
/// `null` clears a limit or a time).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = QuizBody))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizForm {
    pub course_id: Option<CourseId>,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 200, example = "Week 1 check")
    )]
    pub title: Option<String>,
    /// Markdown.
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub instructions: Option<String>,
    /// Percent, 1–100 (default 70).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub passing_score: Option<i32>,
    /// Null: untimed.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>, minimum = 1, maximum = 1440))]
    pub time_limit_minutes: Option<Option<i32>>,
    /// Null: unlimited.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>, minimum = 1, maximum = 100))]
    pub max_attempts: Option<Option<i32>>,
    /// RFC 3339; null: open from publication.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub opens_at: Option<Option<String>>,
    /// RFC 3339; null: never closes.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closes_at: Option<Option<String>>,
    pub shuffle_questions: Option<bool>,
    pub shuffle_options: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<ShowAnswers>))]
    pub show_answers: Option<String>,
    /// `off`, `record` or `strict` (full screen, and rules the learner accepts before starting).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::proctoring::ProctoringMode>))]
    pub proctoring: Option<String>,
    pub required_for_completion: Option<bool>,
    /// On a change: the `version` read; a quiz changed since is refused.
    pub version: Option<i32>,
}

/// A quiz's settings, checked; `None` leaves a setting as it is (or, on creation, at its default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuizInput {
    pub course_id: Option<CourseId>,
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub passing_score: Option<i32>,
    pub time_limit_minutes: Option<Option<i32>>,
    pub max_attempts: Option<Option<i32>>,
    pub opens_at: Option<Option<OffsetDateTime>>,
    pub closes_at: Option<Option<OffsetDateTime>>,
    pub shuffle_questions: Option<bool>,
    pub shuffle_options: Option<bool>,
    pub show_answers: Option<ShowAnswers>,
    pub proctoring: Option<ProctoringMode>,
    pub required_for_completion: Option<bool>,
    pub version: Option<i32>,
}

fn in_range(field: &str, value: i32, min: i32, max: i32, what: &str) -> Result<i32, FieldError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            format!("{what} must be between {min} and {max}."),
        ))
    }
}

fn instant(field: &str, raw: &str) -> Result<OffsetDateTime, FieldError> {
    OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| {
        FieldError::new(
            field,
            "Give a date and time with its offset, such as 2026-12-01T09:00:00Z.",
        )
    })
}

impl QuizInput {
    /// Checks a new quiz: `course_id` and `title` are required.
    pub fn parse_new(form: QuizForm) -> Result<QuizInput, Vec<FieldError>> {
        let mut missing = Vec::new();
        if form.course_id.is_none() {
            missing.push(FieldError::new(
                "course_id",
                "Choose the course the quiz belongs to.",
            ));
        }
        if form.title.is_none() {
            missing.push(FieldError::new("title", "The title cannot be empty."));
        }
        match (QuizInput::parse(form), missing.is_empty()) {
            (Ok(input), true) => Ok(input),
            (Ok(_), false) => Err(missing),
            (Err(mut errors), _) => {
                missing.append(&mut errors);
                Err(missing)
            }
        }
    }

    /// Checks a change: every field is optional.
    pub fn parse(form: QuizForm) -> Result<QuizInput, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let title = errors.optional(form.title, |t| course_title("title", &t));
        let instructions = errors.optional(form.instructions, |t| {
            bounded_text("instructions", &t, "The instructions", 0, 20_000)
        });
        let passing_score = errors.optional(form.passing_score, |s| {
            in_range("passing_score", s, 1, 100, "The passing score")
        });
        let time_limit = errors.optional(form.time_limit_minutes, |limit| {
            limit
                .map(|m| {
                    in_range(
                        "time_limit_minutes",
                        m,
                        1,
                        1440,
                        "The time limit in minutes",
                    )
                })
                .transpose()
        });
        let max_attempts = errors.optional(form.max_attempts, |max| {
            max.map(|m| in_range("max_attempts", m, 1, 100, "The number of attempts"))
                .transpose()
        });
        let opens_at = errors.optional(form.opens_at, |at| {
            at.map(|t| instant("opens_at", &t)).transpose()
        });
        let closes_at = errors.optional(form.closes_at, |at| {
            at.map(|t| instant("closes_at", &t)).transpose()
        });
        if let (Some(Some(Some(opens))), Some(Some(Some(closes)))) = (opens_at, closes_at) {
            if opens >= closes {
                errors.check::<()>(Err(FieldError::new(
                    "closes_at",
                    "The quiz must close after it opens.",
                )));
            }
        }
        let show_answers = errors.optional(form.show_answers, |s| {
            ShowAnswers::parse("show_answers", &s)
        });
        let proctoring =
            errors.optional(form.proctoring, |s| ProctoringMode::parse("proctoring", &s));
        errors.finish(|| {
            Some(QuizInput {
                course_id: form.course_id,
                title: title?,
                instructions: instructions?,
                passing_score: passing_score?,
                time_limit_minutes: time_limit?,
                max_attempts: max_attempts?,
                opens_at: opens_at?,
                closes_at: closes_at?,
                shuffle_questions: form.shuffle_questions,
                shuffle_options: form.shuffle_options,
                show_answers: show_answers?,
                proctoring: proctoring?,
                required_for_completion: form.required_for_completion,
                version: form.version,
            })
        })
    }
}

/// An option as entered; give the `id` of an existing option to keep it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionForm {
    pub id: Option<OptionId>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1000))]
    pub text: String,
    #[serde(default)]
    pub correct: bool,
}

/// A question as entered: the body of `POST /v1/quizzes/{id}/questions` (where `kind` and `prompt`
/// are required) and of `PATCH /v1/questions/{id}`. What the kind needs: `options` for single and
/// multiple choice (with `scoring` for multiple), `correct_answer` for true/false,
/// `accepted_answers` (and `case_sensitive`) for short text, `value` and `tolerance` for numeric,
/// nothing more for an essay. On a change, sending any of these replaces the answer key whole.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = QuestionBody))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionForm {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<QuestionKind>))]
    pub kind: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 5000))]
    pub prompt: Option<String>,
    /// 1–1000 (default 1).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub points: Option<i32>,
    pub options: Option<Vec<OptionForm>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<ChoiceScoring>))]
    pub scoring: Option<String>,
    pub correct_answer: Option<bool>,
    pub accepted_answers: Option<Vec<String>>,
    pub case_sensitive: Option<bool>,
    pub value: Option<f64>,
    pub tolerance: Option<f64>,
    /// On a change: the question's `version` read.
    pub version: Option<i32>,
}

impl QuestionForm {
    fn names_a_key(&self) -> bool {
        self.kind.is_some()
            || self.options.is_some()
            || self.scoring.is_some()
            || self.correct_answer.is_some()
            || self.accepted_answers.is_some()
            || self.case_sensitive.is_some()
            || self.value.is_some()
            || self.tolerance.is_some()
    }
}

/// A question, checked; `key` is None when a change leaves the answer key as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionInput {
    pub prompt: Option<String>,
    pub points: Option<i32>,
    pub key: Option<AnswerKey>,
    pub version: Option<i32>,
}

pub const MAX_OPTIONS: usize = 20;

impl QuestionInput {
    /// Checks a question. `current` is the kind of the question being changed (None for a new
    /// one, which must name its kind and prompt); `new_id` makes ids for new options.
    pub fn parse(
        form: QuestionForm,
        current: Option<QuestionKind>,
        mut new_id: impl FnMut() -> OptionId,
    ) -> Result<QuestionInput, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        if current.is_none() && form.prompt.is_none() {
            errors.check::<()>(Err(FieldError::new(
                "prompt",
                "The question cannot be empty.",
            )));
        }
        let prompt = errors.optional(form.prompt.clone(), |p| {
            bounded_text("prompt", &p, "The question", 1, 5000)
        });
        let points = errors.optional(form.points, |p| in_range("points", p, 1, 1000, "Points"));
        let key = if form.names_a_key() || current.is_none() {
            let kind = match (form.kind.as_deref(), current) {
                (Some(raw), _) => errors.check(QuestionKind::parse("kind", raw)),
                (None, Some(kind)) => Some(kind),
                (None, None) => {
                    errors.check(Err(FieldError::new("kind", "Choose the kind of question.")))
                }
            };
            match kind {
                Some(kind) => errors
                    .check_all(answer_key(kind, &form, &mut new_id))
                    .map(Some),
                None => None,
            }
        } else {
            Some(None)
        };
        errors.finish(|| {
            Some(QuestionInput {
                prompt: prompt?,
                points: points?,
                key: key?,
                version: form.version,
            })
        })
    }
}

fn answer_key(
    kind: QuestionKind,
    form: &QuestionForm,
    new_id: &mut impl FnMut() -> OptionId,
) -> Result<AnswerKey, Vec<FieldError>> {
    let one = |field: &str, message: &str| vec![FieldError::new(field, message)];
    Ok(match kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
            let options = choice_options(form.options.as_deref().unwrap_or_default(), new_id)?;
            let right = options.iter().filter(|o| o.correct).count();
            if kind == QuestionKind::SingleChoice {
                if right != 1 {
                    return Err(one("options", "Mark exactly one option as correct."));
                }
                AnswerKey::SingleChoice { options }
            } else {
                if right == 0 {
                    return Err(one("options", "Mark at least one option as correct."));
                }
                let scoring = match form.scoring.as_deref() {
                    None => ChoiceScoring::AllOrNothing,
                    Some(raw) => ChoiceScoring::parse("scoring", raw).map_err(|e| vec![e])?,
                };
                AnswerKey::MultipleChoice { options, scoring }
            }
        }
        QuestionKind::TrueFalse => {
            let Some(answer) = form.correct_answer else {
                return Err(one(
                    "correct_answer",
                    "Say whether the statement is true or false.",
                ));
            };
            let option = |text: &str, correct: bool, id: OptionId| ChoiceOption {
                id,
                text: text.to_string(),
                correct,
            };
            AnswerKey::TrueFalse {
                options: vec![
                    option("True", answer, new_id()),
                    option("False", !answer, new_id()),
                ],
            }
        }
        QuestionKind::ShortText => {
            let mut accepted = Vec::new();
            let mut errors = Vec::new();
            for (i, raw) in form.accepted_answers.iter().flatten().enumerate() {
                let field = format!("accepted_answers[{i}]");
                match bounded_text(&field, raw, "An accepted answer", 1, 500) {
                    Ok(text) => accepted.push(text),
                    Err(error) => errors.push(error),
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            if accepted.is_empty() || accepted.len() > MAX_OPTIONS {
                return Err(one(
                    "accepted_answers",
                    &format!("Give between 1 and {MAX_OPTIONS} accepted answers."),
                ));
            }
            AnswerKey::ShortText {
                accepted_answers: accepted,
                case_sensitive: form.case_sensitive.unwrap_or(false),
            }
        }
        QuestionKind::Numeric => {
            let value = form.value.filter(|v| v.is_finite());
            let Some(value) = value else {
                return Err(one("value", "Give the right answer as a number."));
            };
            let tolerance = form.tolerance.unwrap_or(0.0);
            if !tolerance.is_finite() || tolerance < 0.0 {
                return Err(one("tolerance", "The tolerance is a number, zero or more."));
            }
            AnswerKey::Numeric { value, tolerance }
        }
        QuestionKind::Essay => AnswerKey::Essay {},
    })
}

fn choice_options(
    given: &[OptionForm],
    new_id: &mut impl FnMut() -> OptionId,
) -> Result<Vec<ChoiceOption>, Vec<FieldError>> {
    if !(2..=MAX_OPTIONS).contains(&given.len()) {
        return Err(vec![FieldError::new(
            "options",
            format!("Give between 2 and {MAX_OPTIONS} options."),
        )]);
    }
    let mut options = Vec::with_capacity(given.len());
    let mut errors = Vec::new();
    for (i, option) in given.iter().enumerate() {
        let field = format!("options[{i}].text");
        match bounded_text(&field, &option.text, "An option", 1, 1000) {
            Ok(text) => options.push(ChoiceOption {
                id: option.id.unwrap_or_else(&mut *new_id),
                text,
                correct: option.correct,
            }),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(options)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn ids() -> impl FnMut() -> OptionId {
        let mut n = 0;
        move || {
            n += 1;
            OptionId::from_uuid(Uuid::from_u128(n))
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_new_quiz_needs_its_course_and_title_and_reports_every_problem() {
        let form = QuizForm {
            passing_score: Some(0),
            time_limit_minutes: Some(Some(0)),
            opens_at: Some(Some("2026-12-02T09:00:00Z".into())),
            closes_at: Some(Some("2026-12-01T09:00:00Z".into())),
            show_answers: Some("sometimes".into()),
            ..QuizForm::default()
        };
        let errors = QuizInput::parse_new(form)
            .err()
            .map(fields)
            .unwrap_or_default();
        assert_eq!(
            errors,
            [
                "course_id",
                "title",
                "passing_score",
                "time_limit_minutes",
                "closes_at",
                "show_answers"
            ]
        );
    }

    #[test]
    fn null_clears_a_limit_and_absence_keeps_it() {
        let form: QuizForm =
            serde_json::from_str(r#"{"time_limit_minutes": null}"#).unwrap_or_default();
        let input = QuizInput::parse(form).ok().unwrap_or_default();
        assert_eq!(input.time_limit_minutes, Some(None));
        assert_eq!(input.max_attempts, None);
    }

    #[test]
    fn each_kind_checks_what_it_needs() {
        let choice = |kind: &str, options: Vec<(&str, bool)>| QuestionForm {
            kind: Some(kind.into()),
            prompt: Some("Pick".into()),
            options: Some(
                options
                    .into_iter()
                    .map(|(text, correct)| OptionForm {
                        id: None,
                        text: text.into(),
                        correct,
                    })
                    .collect(),
            ),
            ..QuestionForm::default()
        };
        let single = QuestionInput::parse(
            choice("single_choice", vec![("a", true), ("b", true)]),
            None,
            ids(),
        );
        assert_eq!(single.err().map(fields).unwrap_or_default(), ["options"]);
        let multiple = QuestionInput::parse(
            choice("multiple_choice", vec![("a", true), ("b", true)]),
            None,
            ids(),
        );
        assert!(matches!(
            multiple.ok().and_then(|q| q.key),
            Some(AnswerKey::MultipleChoice {
                scoring: ChoiceScoring::AllOrNothing,
                ..
            })
        ));
        let lonely = QuestionInput::parse(choice("single_choice", vec![("a", true)]), None, ids());
        assert_eq!(lonely.err().map(fields).unwrap_or_default(), ["options"]);

        let true_false = QuestionForm {
            kind: Some("true_false".into()),
            prompt: Some("The sky is green.".into()),
            correct_answer: Some(false),
            ..QuestionForm::default()
        };
        let key = QuestionInput::parse(true_false, None, ids())
            .ok()
            .and_then(|q| q.key);
        let options = key
            .as_ref()
            .map(|k| k.options().to_vec())
            .unwrap_or_default();
        assert_eq!(
            options
                .iter()
                .map(|o| (o.text.as_str(), o.correct))
                .collect::<Vec<_>>(),
            [("True", false), ("False", true)]
        );

        let numeric = QuestionForm {
            kind: Some("numeric".into()),
            prompt: Some("π to two places".into()),
            tolerance: Some(-1.0),
            ..QuestionForm::default()
        };
        assert_eq!(
            QuestionInput::parse(numeric, None, ids())
                .err()
                .map(fields)
                .unwrap_or_default(),
            ["value"]
        );

        let nothing = QuestionForm::default();
        assert_eq!(
            QuestionInput::parse(nothing, None, ids())
                .err()
                .map(fields)
                .unwrap_or_default(),
            ["prompt", "kind"]
        );
    }

    #[test]
    fn a_change_that_names_no_key_field_keeps_the_key() {
        let form = QuestionForm {
            points: Some(3),
            ..QuestionForm::default()
        };
        let input = QuestionInput::parse(form, Some(QuestionKind::Essay), ids()).ok();
        assert_eq!(input.map(|i| (i.points, i.key)), Some((Some(3), None)));
    }
}
