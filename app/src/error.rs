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
        AppError {
            code,
            message: message.into(),
            details: Vec::new(),
            request_id: None,
        }
    }

    /// On the server, gives the error the request's id and sets the response status to match its
    /// code: a server function whose arguments cannot be read answers 400, not 500.
    #[cfg(feature = "ssr")]
    pub fn in_request(self) -> Self {
        use leptos::prelude::use_context;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(self.code.http_status()) {
                response.set_status(status);
            }
        }
        let request_id = Some(crate::ssr::request_meta().request_id).filter(|id| !id.is_empty());
        AppError {
            request_id: request_id.or(self.request_id),
            ..self
        }
    }

    #[cfg(not(feature = "ssr"))]
    pub fn in_request(self) -> Self {
        self
    }

    /// The message for one form field, if the error names it.
    pub fn field(&self, name: &str) -> Option<String> {
        self.details
            .iter()
            .find(|d| d.field == name)
            .map(|d| d.message.clone())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::new(
                    ErrorCode::MalformedRequest,
                    format!("The request could not be read: {message}"),
                )
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::new(
                ErrorCode::Unavailable,
                "Lectern could not be reached. Check your connection and try again.",
            ),
            _ => AppError::new(
                ErrorCode::Internal,
                "Something went wrong on our side. Please try again.",
            ),
        };
        error.in_request()
    }
}
