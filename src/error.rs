//! The one error type of the crate and its table of API error codes.
//!
//! Every failure a caller can see is an [`ApiError`]. Each variant names the finding and carries
//! the field and the rule that was broken; [`ApiError::code`] maps it to the cloud API's `Code`
//! and [`ApiError::status`] to its HTTP status, in one `match` each. Errors of the libraries
//! underneath (DER, PKCS#8, RSA, getrandom) are translated inside the crate into
//! [`ApiError::Internal`] or an `InvalidParameter` finding and never leak into this API.
//!
//! Display text is a short phrase fit for a console. It never holds key material.

use core::fmt;

use serde::Serialize;

/// A failed call, in the cloud API's terms.
///
/// Variants are in alphabetical order. Messages name the field and the rule; they never contain
/// private key bytes or passphrases.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// The same `ClientToken` came with different parameters.
    IdempotentParameterMismatch,
    /// Something that should not happen did: a signature that does not verify with its own
    /// public key, a failing random number source, a clock out of range.
    Internal {
        /// What went wrong, for people; no secrets.
        reason: String,
    },
    /// A value breaks its rule.
    ///
    /// `field` is the request field (`CommonName`, `Tags`, ...) or `None` when the request itself
    /// is not an object.
    InvalidParameter {
        /// The PascalCase field name, or `None` for the request as a whole.
        field: Option<&'static str>,
        /// The rule and what was wrong with the value.
        message: String,
    },
    /// A required field is absent or blank.
    Missing {
        /// The PascalCase field name.
        field: &'static str,
    },
    /// The emulated account has no purchased root CA instance left.
    NoAvailableInstance,
    /// The account holds no CA with this Identifier.
    NotFound {
        /// The Identifier that was asked for.
        identifier: String,
    },
    /// The emulated account's rate limit was exceeded.
    Throttled,
    /// The action name is not one this crate implements.
    UnsupportedAction {
        /// The action that was asked for.
        action: String,
    },
}

/// Which family of SDK error a failure maps to, after the official Alibaba Cloud SDKs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A 4xx error caused by the request.
    Client,
    /// The caller was throttled.
    Throttling,
    /// A 5xx error on our side.
    Server,
}

impl ApiError {
    /// Shorthand for an `InvalidParameter.<Field>` error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidParameter {
            field: Some(field),
            message: message.into(),
        }
    }

    /// Shorthand for an `InternalError`.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::Internal {
            reason: reason.into(),
        }
    }

    /// The API's error `Code`, e.g. `MissingCommonName` or `InvalidParameter.Years`.
    pub fn code(&self) -> String {
        match self {
            Self::IdempotentParameterMismatch => "IdempotentParameterMismatch".into(),
            Self::Internal { .. } => "InternalError".into(),
            Self::InvalidParameter { field: None, .. } => "InvalidParameter".into(),
            Self::InvalidParameter {
                field: Some(field), ..
            } => format!("InvalidParameter.{field}"),
            Self::Missing { field } => format!("Missing{field}"),
            Self::NoAvailableInstance => "NoAvailableInstance".into(),
            Self::NotFound { .. } => "NotFound".into(),
            Self::Throttled => "Throttling.User".into(),
            Self::UnsupportedAction { .. } => "InvalidAction.NotFound".into(),
        }
    }

    /// The HTTP status the cloud API would answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Internal { .. } => 500,
            Self::NotFound { .. } => 404,
            _ => 400,
        }
    }

    /// The SDK error family: `ClientError`, `ThrottlingError` or `ServerError`.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Throttled => ErrorKind::Throttling,
            Self::Internal { .. } => ErrorKind::Server,
            _ => ErrorKind::Client,
        }
    }

    /// The error body the cloud API would return for this error.
    pub fn to_body(&self, request_id: &str) -> ErrorBody {
        ErrorBody {
            request_id: request_id.to_owned(),
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IdempotentParameterMismatch => f.write_str(
                "The ClientToken was already used with different parameters; \
                 use a new ClientToken for a different request.",
            ),
            Self::Internal { reason } => write!(f, "An internal error occurred: {reason}."),
            Self::InvalidParameter { message, .. } => f.write_str(message),
            Self::Missing { field } => write!(f, "{field} is mandatory for this action."),
            Self::NoAvailableInstance => f.write_str(
                "No purchased private root CA instance is left; buy one before creating a root CA.",
            ),
            Self::NotFound { identifier } => {
                write!(
                    f,
                    "No CA with Identifier {identifier:?} exists in this account."
                )
            }
            Self::Throttled => f.write_str("Request was denied due to user flow control."),
            Self::UnsupportedAction { action } => {
                write!(
                    f,
                    "The action {} is not supported.",
                    crate::request::quote(action)
                )
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// Maps any foreign error to an `InternalError` with a fixed reason, dropping the foreign
/// error (whose text may come from a dependency and is not part of this API).
pub(crate) fn internal<E>(reason: &'static str) -> impl FnOnce(E) -> ApiError {
    move |_| ApiError::internal(reason)
}

/// The error body of the cloud API: `RequestId`, `Code`, `Message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// The failed call's RequestId.
    pub request_id: String,
    /// The error code, e.g. `InvalidParameter.Years`.
    pub code: String,
    /// A sentence naming the field and the rule.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_api_table() {
        let cases = [
            (
                ApiError::Missing {
                    field: "CommonName",
                },
                "MissingCommonName",
                400,
            ),
            (
                ApiError::invalid("Years", "x"),
                "InvalidParameter.Years",
                400,
            ),
            (
                ApiError::InvalidParameter {
                    field: None,
                    message: "x".into(),
                },
                "InvalidParameter",
                400,
            ),
            (
                ApiError::IdempotentParameterMismatch,
                "IdempotentParameterMismatch",
                400,
            ),
            (ApiError::Throttled, "Throttling.User", 400),
            (ApiError::NoAvailableInstance, "NoAvailableInstance", 400),
            (
                ApiError::NotFound {
                    identifier: "ab".into(),
                },
                "NotFound",
                404,
            ),
            (ApiError::internal("boom"), "InternalError", 500),
        ];
        for (error, code, status) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.status(), status);
        }
    }

    #[test]
    fn missing_message_is_the_clouds_sentence() {
        let error = ApiError::Missing { field: "Years" };
        assert_eq!(error.to_string(), "Years is mandatory for this action.");
        assert_eq!(error.kind(), ErrorKind::Client);
        assert_eq!(ApiError::Throttled.kind(), ErrorKind::Throttling);
        assert_eq!(ApiError::internal("x").kind(), ErrorKind::Server);
    }
}
