//! Attempts as they cross the wire: the questions as an attempt shows them (no answer keys), the
//! answers a learner saves under a revision, and the attempt with the server's clock on it.

use serde::{Deserialize, Serialize};

use crate::quiz::{AnswerKey, AnswerResult, AttemptStatus, QuestionKind, QuizView, Response};
use crate::{AttemptId, FieldError, OptionId, QuestionId, QuizId, UserId};

/// A question as an attempt holds it: fixed when the attempt starts, options in the order shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotQuestion {
    pub id: QuestionId,
    pub prompt: String,
    pub points: i32,
    pub key: AnswerKey,
}

/// An option as the learner sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownOption {
    pub id: OptionId,
    pub text: String,
}

/// A question as the learner sees it during an attempt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownQuestion {
    pub id: QuestionId,
    pub kind: QuestionKind,
    pub prompt: String,
    pub points: i32,
    /// Choice questions only, in the order this attempt shows them.
    pub options: Vec<ShownOption>,
}

impl SnapshotQuestion {
    pub fn shown(&self) -> ShownQuestion {
        ShownQuestion {
            id: self.id,
            kind: self.key.kind(),
            prompt: self.prompt.clone(),
            points: self.points,
            options: self
                .key
                .options()
                .iter()
                .map(|o| ShownOption {
                    id: o.id,
                    text: o.text.clone(),
                })
                .collect(),
        }
    }

    /// Checks that `response` is the shape this question takes and names its own options.
    pub fn accepts(&self, field: &str, response: &Response) -> Result<(), FieldError> {
        let options = self.key.options();
        let known = |id: &OptionId| options.iter().any(|o| o.id == *id);
        let fits = match (self.key.kind(), response) {
            (
                QuestionKind::SingleChoice | QuestionKind::TrueFalse,
                Response::SelectedOptionId(id),
            ) => known(id),
            (QuestionKind::MultipleChoice, Response::SelectedOptionIds(ids)) => {
                ids.iter().all(known)
            }
            (QuestionKind::ShortText, Response::Text(text)) => text.chars().count() <= 500,
            (QuestionKind::Essay, Response::Text(text)) => text.chars().count() <= MAX_ESSAY,
            (QuestionKind::Numeric, Response::Number(n)) => n.is_finite(),
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(FieldError::new(
                field,
                match self.key.kind() {
                    QuestionKind::SingleChoice | QuestionKind::TrueFalse => {
                        "Answer with `selected_option_id`, one of the question's options."
                    }
                    QuestionKind::MultipleChoice => {
                        "Answer with `selected_option_ids`, options of the question."
                    }
                    QuestionKind::ShortText => "Answer with `text`, at most 500 characters.",
                    QuestionKind::Essay => "Answer with `text`, at most 20000 characters.",
                    QuestionKind::Numeric => "Answer with `number`, a finite number.",
                },
            ))
        }
    }
}

pub const MAX_ESSAY: usize = 20_000;

/// One answer a learner sends: the question, the answer in its kind's field, and the `revision`
/// the server last returned for it (left out for a first answer). A save naming an older revision
/// than the stored one is not applied.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSave {
    pub question_id: QuestionId,
    pub selected_option_id: Option<OptionId>,
    pub selected_option_ids: Option<Vec<OptionId>>,
    pub text: Option<String>,
    pub number: Option<f64>,
    pub revision: Option<i32>,
}

impl AnswerSave {
    /// A save of `response`, made against `revision` (None for a first answer).
    pub fn new(question_id: QuestionId, response: Response, revision: Option<i32>) -> AnswerSave {
        let (selected_option_id, selected_option_ids, text, number) = response.into_fields();
        AnswerSave {
            question_id,
            selected_option_id,
            selected_option_ids,
            text,
            number,
            revision,
        }
    }

    /// The answer itself: exactly one of the four fields.
    pub fn response(&self, field: &str) -> Result<Response, FieldError> {
        Response::from_fields((
            self.selected_option_id,
            self.selected_option_ids.clone(),
            self.text.clone(),
            self.number,
        ))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "Give exactly one of selected_option_id, selected_option_ids, text and number.",
            )
        })
    }
}

/// A saved answer with its revision and, once graded and shown, its result.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerView {
    pub question_id: QuestionId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_option_id: Option<OptionId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_option_ids: Option<Vec<OptionId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
    pub revision: i32,
    /// RFC 3339.
    pub saved_at: String,
}

impl AnswerView {
    pub fn new(
        question_id: QuestionId,
        response: Response,
        revision: i32,
        saved_at: String,
    ) -> Self {
        let (selected_option_id, selected_option_ids, text, number) = response.into_fields();
        AnswerView {
            question_id,
            selected_option_id,
            selected_option_ids,
            text,
            number,
            revision,
            saved_at,
        }
    }

    /// The answer saved.
    pub fn response(&self) -> Option<Response> {
        Response::from_fields((
            self.selected_option_id,
            self.selected_option_ids.clone(),
            self.text.clone(),
            self.number,
        ))
    }
}

/// One question's grading once the attempt is submitted: the result, the points earned (null
/// while a teacher has yet to grade it) and the teacher's comment. The right answers themselves
/// are not part of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub question_id: QuestionId,
    pub result: AnswerResult,
    pub points: Option<f64>,
    pub max_points: i32,
    pub comment: Option<String>,
    /// The right answer, once the quiz's `show_answers` lets the learner see it (always for the
    /// course's editors); left out otherwise, and for essays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_answer: Option<CorrectAnswer>,
}

/// What a question accepted: its correct options, its accepted answers, or its value and
/// tolerance, by kind.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectAnswer {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option_ids: Vec<OptionId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_answers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
}

impl CorrectAnswer {
    /// None for an essay, which has no one right answer.
    pub fn of(key: &AnswerKey) -> Option<CorrectAnswer> {
        let none = CorrectAnswer {
            option_ids: Vec::new(),
            accepted_answers: Vec::new(),
            value: None,
            tolerance: None,
        };
        match key {
            AnswerKey::Essay {} => None,
            AnswerKey::ShortText {
                accepted_answers, ..
            } => Some(CorrectAnswer {
                accepted_answers: accepted_answers.clone(),
                ..none
            }),
            AnswerKey::Numeric { value, tolerance } => Some(CorrectAnswer {
                value: Some(*value),
                tolerance: Some(*tolerance),
                ..none
            }),
            choice => Some(CorrectAnswer {
                option_ids: choice
                    .options()
                    .iter()
                    .filter(|o| o.correct)
                    .map(|o| o.id)
                    .collect(),
                ..none
            }),
        }
    }
}

/// An attempt, with the server's clock: count down from `remaining_ms` (null when untimed), not
/// from the device's clock.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub id: AttemptId,
    pub quiz_id: QuizId,
    pub user_id: UserId,
    pub status: AttemptStatus,
    /// A teacher's preview, which never counts.
    pub preview: bool,
    /// RFC 3339, like every time here.
    pub started_at: String,
    pub deadline_at: Option<String>,
    pub server_now: String,
    pub remaining_ms: Option<i64>,
    /// A teacher paused it: the clock stands still (`remaining_ms` is what is left at the pause)
    /// and saves are refused with `quiz.attempt.paused` until they resume it.
    pub paused: bool,
    /// How the attempt is proctored (`off` when it is not).
    pub proctoring: crate::proctoring::ProctoringMode,
    pub submitted_at: Option<String>,
    pub auto_submitted: bool,
    /// The questions as this attempt shows them, in order.
    pub questions: Vec<ShownQuestion>,
    pub answers: Vec<AnswerView>,
    /// Percent, two decimals; null until graded.
    pub score: Option<f64>,
    pub points: Option<f64>,
    pub max_points: f64,
    pub passed: Option<bool>,
    /// Per question, once submitted.
    pub results: Option<Vec<QuestionResult>>,
}

/// What an autosave tells the taking page: the answers it named, as now stored (a newer one from
/// another tab wins), and the server's clock. The page reads the whole attempt only once it is
/// over, so a save does not rebuild and resend every question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveReceipt {
    pub status: AttemptStatus,
    pub server_now: String,
    pub remaining_ms: Option<i64>,
    pub answers: Vec<AnswerView>,
}

/// An attempt's clock alone, for the taking page's sync every few seconds: a teacher's pause or
/// extra time reaches the countdown without a reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptClock {
    pub status: AttemptStatus,
    pub paused: bool,
    pub server_now: String,
    pub remaining_ms: Option<i64>,
}

/// A teacher's grade for one question of an attempt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionGrade {
    pub question_id: QuestionId,
    /// From 0 to the question's points.
    pub points: f64,
    pub comment: Option<String>,
}

/// An attempt in a list: who, when, and how it went.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub id: AttemptId,
    pub quiz_id: QuizId,
    pub user_id: UserId,
    /// The learner's name, as their profile has it now.
    pub user_name: String,
    pub status: AttemptStatus,
    pub preview: bool,
    pub started_at: String,
    pub submitted_at: Option<String>,
    pub auto_submitted: bool,
    pub score: Option<f64>,
    pub passed: Option<bool>,
}

/// A quiz as its learner meets it before starting: its settings, the learner's own attempts
/// (previews left out), how many are left, and whether it can be started now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuizIntro {
    pub quiz: QuizView,
    /// Newest first.
    pub attempts: Vec<AttemptSummary>,
    pub attempts_used: i32,
    /// None when the quiz allows any number.
    pub attempts_left: Option<i32>,
    pub in_progress: Option<AttemptId>,
    /// An active learner of the course, who may start it.
    pub enrolled: bool,
    /// One of the course's editors, who may preview it.
    pub can_edit: bool,
    /// Within its opening and closing times.
    pub open: bool,
}

/// An attempt in the Assessments API's one-shot form: started, answered and submitted in one call.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The attempt's id.
    pub submission_id: AttemptId,
    /// The quiz's id.
    pub assessment_id: QuizId,
    pub user_id: UserId,
    /// Percent, two decimals; null while essays wait for a teacher.
    pub score: Option<f64>,
    pub passed: Option<bool>,
    pub submitted_at: Option<String>,
    /// Per question.
    pub answers: Vec<QuestionResult>,
}

impl From<AttemptView> for Submission {
    fn from(attempt: AttemptView) -> Self {
        Submission {
            submission_id: attempt.id,
            assessment_id: attempt.quiz_id,
            user_id: attempt.user_id,
            score: attempt.score,
            passed: attempt.passed,
            submitted_at: attempt.submitted_at,
            answers: attempt.results.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::quiz::ChoiceOption;

    fn question(key: AnswerKey) -> SnapshotQuestion {
        SnapshotQuestion {
            id: QuestionId::from_uuid(Uuid::from_u128(1)),
            prompt: "?".into(),
            points: 1,
            key,
        }
    }

    #[test]
    fn an_answer_must_fit_its_question() {
        let option = OptionId::from_uuid(Uuid::from_u128(7));
        let choice = question(AnswerKey::SingleChoice {
            options: vec![ChoiceOption {
                id: option,
                text: "A".into(),
                correct: true,
            }],
        });
        assert!(choice
            .accepts("a", &Response::SelectedOptionId(option))
            .is_ok());
        let stranger = OptionId::from_uuid(Uuid::from_u128(8));
        assert!(choice
            .accepts("a", &Response::SelectedOptionId(stranger))
            .is_err());
        assert!(choice.accepts("a", &Response::Text("A".into())).is_err());
        let numeric = question(AnswerKey::Numeric {
            value: 1.0,
            tolerance: 0.0,
        });
        assert!(numeric
            .accepts("a", &Response::Number(f64::INFINITY))
            .is_err());
        assert!(choice.shown().options.iter().all(|o| o.id == option));
    }

    #[test]
    fn a_save_gives_exactly_one_answer_field() {
        let mut save = AnswerSave {
            question_id: QuestionId::from_uuid(Uuid::from_u128(1)),
            selected_option_id: None,
            selected_option_ids: None,
            text: Some("median".into()),
            number: None,
            revision: None,
        };
        assert_eq!(
            save.response("answers[0]"),
            Ok(Response::Text("median".into()))
        );
        save.number = Some(2.0);
        assert!(save.response("answers[0]").is_err());
    }
}
