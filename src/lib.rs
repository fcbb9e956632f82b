//! `private-ca`: a private certificate authority that runs on your own machine.
//!
//! It speaks the JSON of Alibaba Cloud Certificate Management Service's private CA API
//! (`cas`, version `2020-06-30`), starting with `CreateRootCACertificate`, and issues root CA
//! certificates for all seven documented algorithms (RSA 1024/2048/4096, NIST P-256/P-384/P-521
//! and SM2) in pure Rust, natively or compiled to WebAssembly.
//!
//! ```
//! use private_ca::{Account, AccountOptions, dispatch};
//! use serde_json::json;
//!
//! let mut account = Account::with_system(AccountOptions::default());
//! let response = dispatch(&mut account, "CreateRootCACertificate", &json!({
//!     "CommonName": "Example Root", "OrganizationUnit": "Security", "Organization": "Example",
//!     "Locality": "Hangzhou", "State": "Zhejiang", "CountryCode": "cn",
//!     "Algorithm": "ECC_256", "Years": 10,
//! })).unwrap();
//! assert!(response["Certificate"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
//! assert_eq!(response["Identifier"].as_str().unwrap().len(), 32);
//! ```
//!
//! Modules, in the order a request meets them: [`request`] (validation rules), [`action`] (the
//! dispatcher), [`account`] (state and handlers), [`algorithm`] (the algorithm table),
//! [`keys`] (private keys), [`profile`] (what a root certificate contains), [`error`].

#![deny(missing_docs)]

pub mod account;
pub mod action;
pub mod algorithm;
pub mod env;
pub mod error;
pub mod keys;
pub mod profile;
pub mod request;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use account::{Account, AccountOptions, CreateRootCaResponse, PendingRoot, Prepared};
pub use action::{Action, Failure, dispatch};
pub use algorithm::{Algorithm, KeyFamily};
pub use error::{ApiError, ErrorBody, ErrorKind};
pub use keys::{CaKey, KeyProtection};
pub use request::CreateRootCaRequest;
