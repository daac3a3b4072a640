//! The question being written: one signal per field, read into the `QuestionForm` that `/v1` takes
//! too. Numbers are read here, so a typo is named before anything is sent; everything else is
//! checked by the server.

use domain::quiz::{ChoiceScoring, QuestionKind, QuestionView};
use domain::quiz_input::{OptionForm, QuestionForm};
use domain::{ErrorCode, FieldError, OptionId};
use leptos::prelude::*;

use crate::error::AppError;

pub fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SingleChoice => "Single choice",
        QuestionKind::MultipleChoice => "Multiple choice",
        QuestionKind::TrueFalse => "True or false",
        QuestionKind::ShortText => "Short text",
        QuestionKind::Numeric => "Numeric",
        QuestionKind::Essay => "Essay",
    }
}

/// One option row; `key` tells rows apart while they are added and removed.
#[derive(Clone, Copy)]
pub(super) struct OptionRow {
    pub(super) key: usize,
    id: Option<OptionId>,
    pub(super) text: RwSignal<String>,
    pub(super) correct: RwSignal<bool>,
}

/// The question being written, field by field.
#[derive(Clone, Copy)]
pub struct Draft {
    pub(super) kind: RwSignal<QuestionKind>,
    pub(super) prompt: RwSignal<String>,
    pub(super) points: RwSignal<String>,
    pub(super) options: RwSignal<Vec<OptionRow>>,
    next_key: StoredValue<usize>,
    pub(super) scoring: RwSignal<ChoiceScoring>,
    pub(super) truth: RwSignal<Option<bool>>,
    pub(super) accepted: RwSignal<String>,
    pub(super) case_sensitive: RwSignal<bool>,
    pub(super) value: RwSignal<String>,
    pub(super) tolerance: RwSignal<String>,
    version: Option<i32>,
}

impl Draft {
    pub fn new() -> Self {
        let draft = Draft::blank(QuestionKind::SingleChoice, None);
        draft.add_option();
        draft.add_option();
        draft
    }

    fn blank(kind: QuestionKind, version: Option<i32>) -> Self {
        Draft {
            kind: RwSignal::new(kind),
            prompt: RwSignal::new(String::new()),
            points: RwSignal::new("1".into()),
            options: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
            scoring: RwSignal::new(ChoiceScoring::AllOrNothing),
            truth: RwSignal::new(None),
            accepted: RwSignal::new(String::new()),
            case_sensitive: RwSignal::new(false),
            value: RwSignal::new(String::new()),
            tolerance: RwSignal::new(String::new()),
            version,
        }
    }

    pub fn from_view(question: &QuestionView) -> Self {
        let draft = Draft::blank(question.kind, Some(question.version));
        draft.prompt.set(question.prompt.clone());
        draft.points.set(question.points.to_string());
        if question.kind == QuestionKind::TrueFalse {
            let truth = question.options.iter().find(|o| o.text == "True");
            draft.truth.set(truth.map(|o| o.correct));
        } else {
            for option in &question.options {
                draft.push_option(Some(option.id), option.text.clone(), option.correct);
            }
        }
        draft
            .scoring
            .set(question.scoring.unwrap_or(ChoiceScoring::AllOrNothing));
        draft.accepted.set(
            question
                .accepted_answers
                .clone()
                .unwrap_or_default()
                .join("\n"),
        );
        draft
            .case_sensitive
            .set(question.case_sensitive.unwrap_or(false));
        draft
            .value
            .set(question.value.map(|v| v.to_string()).unwrap_or_default());
        draft.tolerance.set(
            question
                .tolerance
                .map(|v| v.to_string())
                .unwrap_or_default(),
        );
        draft
    }

    fn push_option(&self, id: Option<OptionId>, text: String, correct: bool) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let row = OptionRow {
            key,
            id,
            text: RwSignal::new(text),
            correct: RwSignal::new(correct),
        };
        self.options.update(|rows| rows.push(row));
    }

    pub(super) fn add_option(&self) {
        self.push_option(None, String::new(), false);
    }

    pub(super) fn set_kind(&self, kind: QuestionKind) {
        self.kind.set(kind);
        // A choice question starts with the two options it needs at least.
        let choice = matches!(
            kind,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        );
        while choice && self.options.with_untracked(Vec::len) < 2 {
            self.add_option();
        }
    }

    /// The body for the server, or the fields whose numbers cannot be read.
    pub fn to_form(self) -> Result<QuestionForm, AppError> {
        let mut errors = Vec::new();
        let kind = self.kind.get_untracked();
        let mut form = QuestionForm {
            kind: Some(kind.as_str().into()),
            prompt: Some(self.prompt.get_untracked()),
            version: self.version,
            ..QuestionForm::default()
        };
        match self.points.get_untracked().trim().parse::<i32>() {
            Ok(points) => form.points = Some(points),
            Err(_) => errors.push(FieldError::new(
                "points",
                "Give the points as a whole number.",
            )),
        }
        match kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let rows = self.options.get_untracked();
                let options = rows.iter().map(|row| OptionForm {
                    id: row.id,
                    text: row.text.get_untracked(),
                    correct: row.correct.get_untracked(),
                });
                form.options = Some(options.collect());
                if kind == QuestionKind::MultipleChoice {
                    form.scoring = Some(self.scoring.get_untracked().as_str().into());
                }
            }
            QuestionKind::TrueFalse => form.correct_answer = self.truth.get_untracked(),
            QuestionKind::ShortText => {
                let accepted = self.accepted.get_untracked();
                let lines = accepted.lines().map(str::trim).filter(|l| !l.is_empty());
                form.accepted_answers = Some(lines.map(str::to_string).collect());
                form.case_sensitive = Some(self.case_sensitive.get_untracked());
            }
            QuestionKind::Numeric => {
                let mut number = |field: &str, raw: String| {
                    decimal(field, &raw).unwrap_or_else(|e| {
                        errors.push(e);
                        None
                    })
                };
                form.value = number("value", self.value.get_untracked());
                form.tolerance = number("tolerance", self.tolerance.get_untracked());
            }
            QuestionKind::Essay => {}
        }
        if errors.is_empty() {
            return Ok(form);
        }
        let mut error = AppError::new(ErrorCode::ValidationFailed, "Some fields need attention.");
        error.details = errors;
        Err(error)
    }
}

impl Default for Draft {
    fn default() -> Self {
        Draft::new()
    }
}

/// A typed number: blank is none (the server says whether one is needed).
fn decimal(field: &str, raw: &str) -> Result<Option<f64>, FieldError> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(FieldError::new(field, "Give a number, such as 3 or 2.5.")),
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn numbers_may_use_a_comma_and_blank_is_none() {
        assert_eq!(decimal("value", " 3,5 "), Ok(Some(3.5)));
        assert_eq!(decimal("value", ""), Ok(None));
        assert_eq!(
            decimal("value", "three").map_err(|e| e.field),
            Err("value".to_string())
        );
        assert!(decimal("value", "inf").is_err());
    }
}
