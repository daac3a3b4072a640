//! Quizzes as they cross the wire: settings, questions of six kinds with their answer keys, the
//! answers learners give, and the grading of one answer (pure, so the browser's preview, the
//! service and the benchmarks share it).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{CourseId, FieldError, OptionId, QuestionId, QuizId};

text_enum!(
    /// Drafts are seen by staff only; learners start published quizzes.
    QuizStatus { Draft = "draft", Published = "published" }
);

text_enum!(
    /// When learners see which answers were correct.
    ShowAnswers { AfterAttempt = "after_attempt", AfterClose = "after_close", Never = "never" }
);

text_enum!(
    /// What a question asks for, and so how it is answered and graded.
    QuestionKind {
        SingleChoice = "single_choice",
        MultipleChoice = "multiple_choice",
        TrueFalse = "true_false",
        ShortText = "short_text",
        Numeric = "numeric",
        Essay = "essay",
    }
);

text_enum!(
    /// How a multiple-choice question scores: the exact set only, or each right choice counting
    /// and each wrong one taking back as much (never below zero).
    ChoiceScoring { AllOrNothing = "all_or_nothing", Partial = "partial" }
);

text_enum!(
    /// An attempt runs until it is submitted (by the learner, at the deadline, or by the sweeper);
    /// it is graded once no answer waits for a teacher.
    AttemptStatus { InProgress = "in_progress", Submitted = "submitted", Graded = "graded" }
);

text_enum!(
    /// One answer's grading; `pending` waits for a teacher (essays).
    AnswerResult { Correct = "correct", Incorrect = "incorrect", Partial = "partial", Pending = "pending" }
);

/// One option of a choice question.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub id: OptionId,
    pub text: String,
    pub correct: bool,
}

/// What depends on a question's kind: its options or accepted answers, the answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerKey {
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultipleChoice {
        options: Vec<ChoiceOption>,
        scoring: ChoiceScoring,
    },
    TrueFalse {
        options: Vec<ChoiceOption>,
    },
    ShortText {
        accepted_answers: Vec<String>,
        case_sensitive: bool,
    },
    Numeric {
        value: f64,
        tolerance: f64,
    },
    Essay {},
}

impl AnswerKey {
    pub fn kind(&self) -> QuestionKind {
        match self {
            AnswerKey::SingleChoice { .. } => QuestionKind::SingleChoice,
            AnswerKey::MultipleChoice { .. } => QuestionKind::MultipleChoice,
            AnswerKey::TrueFalse { .. } => QuestionKind::TrueFalse,
            AnswerKey::ShortText { .. } => QuestionKind::ShortText,
            AnswerKey::Numeric { .. } => QuestionKind::Numeric,
            AnswerKey::Essay {} => QuestionKind::Essay,
        }
    }

    /// The options an attempt may show in its own order: choice questions' (true/false keeps
    /// True before False).
    pub fn options_mut(&mut self) -> Option<&mut Vec<ChoiceOption>> {
        match self {
            AnswerKey::SingleChoice { options } | AnswerKey::MultipleChoice { options, .. } => {
                Some(options)
            }
            _ => None,
        }
    }

    pub fn options(&self) -> &[ChoiceOption] {
        match self {
            AnswerKey::SingleChoice { options }
            | AnswerKey::MultipleChoice { options, .. }
            | AnswerKey::TrueFalse { options } => options,
            _ => &[],
        }
    }
}

/// A learner's answer to one question, in the form its kind takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    SelectedOptionId(OptionId),
    SelectedOptionIds(Vec<OptionId>),
    Text(String),
    Number(f64),
}

/// An answer as the wire carries it: four optional fields, the one its kind takes set.
pub type ResponseFields = (
    Option<OptionId>,
    Option<Vec<OptionId>>,
    Option<String>,
    Option<f64>,
);

impl Response {
    pub fn into_fields(self) -> ResponseFields {
        match self {
            Response::SelectedOptionId(id) => (Some(id), None, None, None),
            Response::SelectedOptionIds(ids) => (None, Some(ids), None, None),
            Response::Text(text) => (None, None, Some(text), None),
            Response::Number(number) => (None, None, None, Some(number)),
        }
    }

    /// The answer the fields hold, when exactly one of them is set.
    pub fn from_fields(fields: ResponseFields) -> Option<Response> {
        let given = [
            fields.0.map(Response::SelectedOptionId),
            fields.1.map(Response::SelectedOptionIds),
            fields.2.map(Response::Text),
            fields.3.map(Response::Number),
        ];
        let mut given = given.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(response), None) => Some(response),
            _ => None,
        }
    }
}

/// The grading of one answer: the result and the points it earns out of `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grade {
    pub result: AnswerResult,
    pub points: f64,
}

/// Grades `response` against `key` for a question worth `max` points. An unanswered question
/// (None) earns nothing; an answered essay waits for a teacher.
pub fn grade(key: &AnswerKey, max: f64, response: Option<&Response>) -> Grade {
    let full = |right: bool| Grade {
        result: if right {
            AnswerResult::Correct
        } else {
            AnswerResult::Incorrect
        },
        points: if right { max } else { 0.0 },
    };
    match (key, response) {
        (AnswerKey::Essay {}, Some(_)) => Grade {
            result: AnswerResult::Pending,
            points: 0.0,
        },
        (_, None) => full(false),
        (
            AnswerKey::SingleChoice { options } | AnswerKey::TrueFalse { options },
            Some(Response::SelectedOptionId(chosen)),
        ) => full(options.iter().any(|o| o.correct && o.id == *chosen)),
        (
            AnswerKey::MultipleChoice { options, scoring },
            Some(Response::SelectedOptionIds(chosen)),
        ) => choices(options, *scoring, chosen, max),
        (
            AnswerKey::ShortText {
                accepted_answers,
                case_sensitive,
            },
            Some(Response::Text(text)),
        ) => {
            let given = normalized(text, *case_sensitive);
            full(
                accepted_answers
                    .iter()
                    .any(|a| normalized(a, *case_sensitive) == given),
            )
        }
        (AnswerKey::Numeric { value, tolerance }, Some(Response::Number(number))) => full(
            number.is_finite() && (number - value).abs() <= *tolerance + f64::EPSILON * value.abs(),
        ),
        _ => full(false),
    }
}

/// Multiple choice. Partial credit: each right option chosen earns `max / right options`, each
/// wrong option chosen takes as much back, and the total is never below zero.
fn choices(
    options: &[ChoiceOption],
    scoring: ChoiceScoring,
    chosen: &[OptionId],
    max: f64,
) -> Grade {
    let is_chosen = |o: &ChoiceOption| chosen.contains(&o.id);
    let right = options.iter().filter(|o| o.correct).count();
    let hits = options.iter().filter(|o| o.correct && is_chosen(o)).count();
    let misses = options
        .iter()
        .filter(|o| !o.correct && is_chosen(o))
        .count();
    if hits == right && misses == 0 {
        return Grade {
            result: AnswerResult::Correct,
            points: max,
        };
    }
    if scoring == ChoiceScoring::AllOrNothing || right == 0 {
        return Grade {
            result: AnswerResult::Incorrect,
            points: 0.0,
        };
    }
    let earned = (hits as f64 - misses as f64) / right as f64 * max;
    if earned > 0.0 {
        Grade {
            result: AnswerResult::Partial,
            points: round2(earned),
        }
    } else {
        Grade {
            result: AnswerResult::Incorrect,
            points: 0.0,
        }
    }
}

/// Short answers compare without surrounding or repeated whitespace, and without case unless the
/// question says otherwise.
fn normalized(text: &str, case_sensitive: bool) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if case_sensitive {
        joined
    } else {
        joined.to_lowercase()
    }
}

pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The score of an attempt as a percent with two decimals.
pub fn score(points: f64, max_points: f64) -> f64 {
    if max_points <= 0.0 {
        0.0
    } else {
        round2(points / max_points * 100.0)
    }
}

/// A quiz as staff and learners read it. `questions` only for staff reading the whole quiz.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizView {
    pub id: QuizId,
    pub course_id: CourseId,
    pub title: String,
    /// Markdown, as written.
    pub instructions: String,
    /// The instructions as safe HTML (raw HTML in the Markdown is shown as text).
    pub instructions_html: String,
    /// The score, in percent, at which an attempt passes.
    pub passing_score: i32,
    /// Null: untimed.
    pub time_limit_minutes: Option<i32>,
    /// Null: unlimited.
    pub max_attempts: Option<i32>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub show_answers: ShowAnswers,
    /// `off`, `record` or `strict`.
    pub proctoring: crate::proctoring::ProctoringMode,
    pub status: QuizStatus,
    /// Whether the course's completion waits for a passing attempt of this quiz.
    pub required_for_completion: bool,
    pub question_count: i64,
    /// Send it back with an update: a change made since makes the update fail with
    /// `resource.version_conflict`.
    pub version: i32,
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<QuestionView>>,
}

/// A question with its answer key, as staff edit it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: QuestionId,
    pub quiz_id: QuizId,
    pub position: i32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub points: i32,
    /// The options of a choice question (single, multiple, true/false), in order.
    pub options: Vec<ChoiceOption>,
    /// Multiple choice only.
    pub scoring: Option<ChoiceScoring>,
    /// Short text only.
    pub accepted_answers: Option<Vec<String>>,
    /// Short text only.
    pub case_sensitive: Option<bool>,
    /// Numeric only: the right value and how far an answer may be from it.
    pub value: Option<f64>,
    pub tolerance: Option<f64>,
    pub version: i32,
}

impl QuestionView {
    /// The view of a stored question: its row's fields and its answer key.
    pub fn new(row: QuestionRow, key: AnswerKey) -> QuestionView {
        let mut view = QuestionView {
            id: row.id,
            quiz_id: row.quiz_id,
            position: row.position,
            kind: key.kind(),
            prompt: row.prompt,
            points: row.points,
            options: key.options().to_vec(),
            scoring: None,
            accepted_answers: None,
            case_sensitive: None,
            value: None,
            tolerance: None,
            version: row.version,
        };
        match key {
            AnswerKey::MultipleChoice { scoring, .. } => view.scoring = Some(scoring),
            AnswerKey::ShortText {
                accepted_answers,
                case_sensitive,
            } => {
                view.accepted_answers = Some(accepted_answers);
                view.case_sensitive = Some(case_sensitive);
            }
            AnswerKey::Numeric { value, tolerance } => {
                view.value = Some(value);
                view.tolerance = Some(tolerance);
            }
            _ => {}
        }
        view
    }
}

/// The fields of a stored question besides its answer key.
#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub id: QuestionId,
    pub quiz_id: QuizId,
    pub position: i32,
    pub prompt: String,
    pub points: i32,
    pub version: i32,
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn option(n: u128, correct: bool) -> ChoiceOption {
        ChoiceOption {
            id: OptionId::from_uuid(Uuid::from_u128(n)),
            text: format!("option {n}"),
            correct,
        }
    }

    fn id(n: u128) -> OptionId {
        OptionId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn single_choice_and_true_false_earn_all_or_nothing() {
        let key = AnswerKey::SingleChoice {
            options: vec![option(1, false), option(2, true)],
        };
        let right = grade(&key, 2.0, Some(&Response::SelectedOptionId(id(2))));
        assert_eq!(
            right,
            Grade {
                result: AnswerResult::Correct,
                points: 2.0
            }
        );
        let wrong = grade(&key, 2.0, Some(&Response::SelectedOptionId(id(1))));
        assert_eq!(
            wrong,
            Grade {
                result: AnswerResult::Incorrect,
                points: 0.0
            }
        );
        assert_eq!(grade(&key, 2.0, None).result, AnswerResult::Incorrect);
        // An answer of another kind's shape earns nothing.
        assert_eq!(
            grade(&key, 2.0, Some(&Response::Text("2".into()))).points,
            0.0
        );
        let key = AnswerKey::TrueFalse {
            options: vec![option(1, true), option(2, false)],
        };
        assert_eq!(
            grade(&key, 1.0, Some(&Response::SelectedOptionId(id(1)))).points,
            1.0
        );
    }

    #[test]
    fn multiple_choice_scores_the_exact_set_or_partial_credit() {
        let options = vec![
            option(1, true),
            option(2, true),
            option(3, true),
            option(4, false),
        ];
        let strict = AnswerKey::MultipleChoice {
            options: options.clone(),
            scoring: ChoiceScoring::AllOrNothing,
        };
        let partial = AnswerKey::MultipleChoice {
            options,
            scoring: ChoiceScoring::Partial,
        };
        let all = Response::SelectedOptionIds(vec![id(3), id(1), id(2)]);
        assert_eq!(grade(&strict, 3.0, Some(&all)).points, 3.0);
        assert_eq!(
            grade(&partial, 3.0, Some(&all)).result,
            AnswerResult::Correct
        );

        let two = Response::SelectedOptionIds(vec![id(1), id(2)]);
        assert_eq!(grade(&strict, 3.0, Some(&two)).points, 0.0);
        assert_eq!(
            grade(&partial, 3.0, Some(&two)),
            Grade {
                result: AnswerResult::Partial,
                points: 2.0
            }
        );
        // Each wrong choice takes back one right one; never below zero.
        let two_and_wrong = Response::SelectedOptionIds(vec![id(1), id(2), id(4)]);
        assert_eq!(grade(&partial, 3.0, Some(&two_and_wrong)).points, 1.0);
        let one_and_wrong = Response::SelectedOptionIds(vec![id(1), id(4)]);
        assert_eq!(
            grade(&partial, 3.0, Some(&one_and_wrong)),
            Grade {
                result: AnswerResult::Incorrect,
                points: 0.0
            }
        );
        let thirds = Response::SelectedOptionIds(vec![id(1)]);
        assert_eq!(grade(&partial, 1.0, Some(&thirds)).points, 0.33);
    }

    #[test]
    fn short_text_ignores_case_and_spacing_unless_told() {
        let key = AnswerKey::ShortText {
            accepted_answers: vec!["New  York".into(), "NYC".into()],
            case_sensitive: false,
        };
        for given in ["new york", "  NEW   york ", "nyc"] {
            assert_eq!(
                grade(&key, 1.0, Some(&Response::Text(given.into()))).points,
                1.0,
                "{given}"
            );
        }
        assert_eq!(
            grade(&key, 1.0, Some(&Response::Text("York".into()))).points,
            0.0
        );
        let strict = AnswerKey::ShortText {
            accepted_answers: vec!["pH".into()],
            case_sensitive: true,
        };
        assert_eq!(
            grade(&strict, 1.0, Some(&Response::Text(" pH ".into()))).points,
            1.0
        );
        assert_eq!(
            grade(&strict, 1.0, Some(&Response::Text("PH".into()))).points,
            0.0
        );
    }

    #[test]
    fn numeric_answers_count_within_the_tolerance() {
        let key = AnswerKey::Numeric {
            value: 9.81,
            tolerance: 0.01,
        };
        for (given, points) in [
            (9.81, 1.0),
            (9.82, 1.0),
            (9.8, 1.0),
            (9.83, 0.0),
            (f64::NAN, 0.0),
        ] {
            assert_eq!(
                grade(&key, 1.0, Some(&Response::Number(given))).points,
                points,
                "{given}"
            );
        }
        let exact = AnswerKey::Numeric {
            value: 0.3,
            tolerance: 0.0,
        };
        assert_eq!(
            grade(&exact, 1.0, Some(&Response::Number(0.1 + 0.2))).points,
            1.0
        );
    }

    #[test]
    fn essays_wait_for_a_teacher() {
        let graded = grade(
            &AnswerKey::Essay {},
            5.0,
            Some(&Response::Text("My essay".into())),
        );
        assert_eq!(
            graded,
            Grade {
                result: AnswerResult::Pending,
                points: 0.0
            }
        );
        // Nothing to grade: an essay left blank earns nothing at once.
        let blank = grade(&AnswerKey::Essay {}, 5.0, None);
        assert_eq!(blank.result, AnswerResult::Incorrect);
    }

    #[test]
    fn scores_are_percentages_with_two_decimals() {
        assert_eq!(score(2.0, 3.0), 66.67);
        assert_eq!(score(0.0, 0.0), 0.0);
        assert_eq!(score(5.0, 5.0), 100.0);
    }

    #[test]
    fn an_answer_crosses_the_wire_as_exactly_one_field() {
        let id = OptionId::from_uuid(uuid::Uuid::from_u128(7));
        for response in [
            Response::SelectedOptionId(id),
            Response::SelectedOptionIds(vec![id]),
            Response::Text("two".into()),
            Response::Number(2.5),
        ] {
            assert_eq!(
                Response::from_fields(response.clone().into_fields()),
                Some(response)
            );
        }
        assert_eq!(Response::from_fields((None, None, None, None)), None);
        let both = (Some(id), None, Some("two".to_string()), None);
        assert_eq!(Response::from_fields(both), None);
    }
}
