//! The error every server function returns: the same stable codes, messages and request ids as `/v1`.

use domain::{ErrorCode, FieldError};
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Vec<FieldError>,
    pub request_id: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, message: message.into(), details: Vec::new(), request_id: None }
    }

    /// The message for one form field, if the error names it.
    pub fn field(&self, name: &str) -> Option<String> {
        self.details.iter().find(|d| d.field == name).map(|d| d.message.clone())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::new(ErrorCode::MalformedRequest, format!("The request could not be read: {message}"))
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                AppError::new(ErrorCode::Unavailable, "Lectern could not be reached. Check your connection and try again.")
            }
            _ => AppError::new(ErrorCode::Internal, "Something went wrong on our side. Please try again."),
        }
    }
}
