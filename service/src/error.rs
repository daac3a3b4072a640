//! The service's error: one variant per stable code family, mapped to [`ErrorCode`] in one place.

use domain::{ErrorCode, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the input is invalid")]
    Validation(Vec<FieldError>),
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("the organisation, email or password is wrong")]
    InvalidCredentials,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("this API key is malformed or unknown")]
    InvalidToken,
    #[error("this API key belongs to another tenant than X-Tenant-Id names")]
    TenantMismatch,
    #[error("{0}")]
    TokenRevoked(&'static str),
    #[error("too many requests; retry in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: i64 },
    #[error("too many failed sign-ins; try again in {retry_after_seconds} seconds")]
    TooManyAttempts { retry_after_seconds: i64 },
    #[error("this password reset link is unknown, already used or expired")]
    InvalidResetToken,
    #[error("this organisation is suspended")]
    TenantSuspended,
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    /// A refusal with its own code, and what the code's family carries: the fields at fault, or
    /// when to try again.
    #[error("{message}")]
    Refused {
        code: ErrorCode,
        message: String,
        details: Vec<FieldError>,
        retry_after_seconds: Option<i64>,
    },
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Validation(_) => ErrorCode::ValidationFailed,
            ServiceError::Unauthenticated => ErrorCode::Unauthenticated,
            ServiceError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ServiceError::Forbidden => ErrorCode::Forbidden,
            ServiceError::InvalidToken => ErrorCode::InvalidToken,
            ServiceError::TenantMismatch => ErrorCode::TenantMismatch,
            ServiceError::TokenRevoked(_) => ErrorCode::TokenRevoked,
            ServiceError::RateLimited { .. } => ErrorCode::RateLimitExceeded,
            ServiceError::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            ServiceError::InvalidResetToken => ErrorCode::InvalidResetToken,
            ServiceError::TenantSuspended => ErrorCode::TenantSuspended,
            ServiceError::NotFound => ErrorCode::NotFound,
            ServiceError::Conflict { code, .. } | ServiceError::Refused { code, .. } => *code,
            ServiceError::Unavailable(_) => ErrorCode::Unavailable,
            ServiceError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The text shown to the caller; internal details stay in the logs.
    pub fn public_message(&self) -> String {
        self.to_string()
    }

    pub fn details(&self) -> Vec<FieldError> {
        match self {
            ServiceError::Validation(fields)
            | ServiceError::Refused {
                details: fields, ..
            } => fields.clone(),
            _ => Vec::new(),
        }
    }

    /// Seconds to wait before trying again, for `Retry-After`.
    pub fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            ServiceError::TooManyAttempts {
                retry_after_seconds,
            }
            | ServiceError::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            ServiceError::Refused {
                retry_after_seconds,
                ..
            } => *retry_after_seconds,
            _ => None,
        }
    }

    /// Logs what the caller will not see: the cause of an internal or unavailable error, with the
    /// request's id, from every surface (`/v1`, server functions, SCIM) alike.
    pub fn log_if_internal(&self, request_id: &str, surface: &str) {
        if matches!(
            self,
            ServiceError::Internal(_) | ServiceError::Unavailable(_)
        ) {
            tracing::error!(request_id, surface, error = ?self, "request failed");
        }
    }

    pub fn invalid(field: &str, message: &str) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<FieldError> for ServiceError {
    fn from(error: FieldError) -> Self {
        ServiceError::Validation(vec![error])
    }
}

impl From<Vec<FieldError>> for ServiceError {
    fn from(errors: Vec<FieldError>) -> Self {
        ServiceError::Validation(errors)
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => ServiceError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ServiceError::Unavailable(error)
            }
            other => ServiceError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Turns a named constraint's violation into the caller's error (realworld's `on_constraint`).
pub trait ResultExt<T> {
    fn on_constraint(
        self,
        name: &str,
        map: impl FnOnce() -> ServiceError,
    ) -> Result<T, ServiceError>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(
        self,
        name: &str,
        map: impl FnOnce() -> ServiceError,
    ) -> Result<T, ServiceError> {
        self.map_err(|error| match &error {
            sqlx::Error::Database(db) if db.constraint() == Some(name) => map(),
            _ => ServiceError::from(error),
        })
    }
}
