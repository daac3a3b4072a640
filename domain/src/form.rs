//! Checking a whole form at once: every field is parsed, every problem is kept, and the value is
//! built only when there is none. Browser forms, server functions and `/v1` bodies share it.

use crate::FieldError;

/// The problems found so far in one form.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// The parsed value, or None with its field's problem kept.
    pub fn check<T>(&mut self, parsed: Result<T, FieldError>) -> Option<T> {
        parsed.map_err(|e| self.0.push(e)).ok()
    }

    /// Like [`check`](Self::check) for a parse that may find several problems.
    pub fn check_all<T>(&mut self, parsed: Result<T, Vec<FieldError>>) -> Option<T> {
        parsed.map_err(|mut e| self.0.append(&mut e)).ok()
    }

    /// An optional field: absent stays absent (`Some(None)`); present is parsed.
    pub fn optional<R, T>(
        &mut self,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, FieldError>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(raw) => self.check(parse(raw)).map(Some),
        }
    }

    /// The built value when no field had a problem, else every problem. `build` sees every
    /// checked field as `Some` exactly when nothing was recorded.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if !self.0.is_empty() {
            return Err(self.0);
        }
        build().ok_or_else(|| vec![FieldError::new("form", "The form could not be read.")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positive(field: &str, n: i32) -> Result<i32, FieldError> {
        if n > 0 {
            Ok(n)
        } else {
            Err(FieldError::new(field, "Give a positive number."))
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut errors = FieldErrors::new();
        let a = errors.check(positive("a", -1));
        let b = errors.optional(Some(0), |n| positive("b", n));
        let c = errors.optional(None, |n| positive("c", n));
        let result = errors.finish(|| Some((a?, b?, c?)));
        let fields: Vec<String> = result.unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["a", "b"]);
    }

    #[test]
    fn a_clean_form_builds_its_value() {
        let mut errors = FieldErrors::new();
        let a = errors.check(positive("a", 2));
        let c = errors.optional(None, |n| positive("c", n));
        assert_eq!(errors.finish(|| Some((a?, c?))), Ok((2, None)));
    }
}
