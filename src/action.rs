//! The dispatcher: every action by name, each a request type, its validation and a handler on
//! the [`Account`].
//!
//! The JavaScript API and a future HTTP endpoint speaking the cloud's wire protocol both call
//! [`dispatch`]. Adding an action means adding a variant to [`Action`], its parameters and a
//! handler below.

use der::pem::PemLabel;
use der::{Decode, Encode};
use pkcs8::EncryptedPrivateKeyInfoRef;
use serde_json::Value;
use x509_cert::Certificate;
use x509_cert::ext::pkix::BasicConstraints;
use zeroize::Zeroizing;

use crate::account::Account;
use crate::error::{ApiError, ErrorBody};
use crate::keys::{CaKey, KeyProtection};
use crate::profile::IssuedCertificate;
use crate::request::Params;

/// Longest passphrase accepted, in characters.
pub const MAX_PASSPHRASE_CHARS: usize = 1024;

/// The actions this crate implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `CreateRootCACertificate`: a new root CA with a fresh key.
    CreateRootCaCertificate,
    /// `ExportCAPrivateKey` **(ours)**: a CA's private key as PKCS#8 PEM.
    ExportCaPrivateKey,
    /// `ImportCACertificate` **(ours)**: a CA certificate and its private key into the account.
    ImportCaCertificate,
    /// `RemoveCACertificate` **(ours)**: removes a CA and wipes its key.
    RemoveCaCertificate,
}

impl Action {
    /// Every action, with its API name.
    pub const ALL: [(&'static str, Action); 4] = [
        ("CreateRootCACertificate", Action::CreateRootCaCertificate),
        ("ExportCAPrivateKey", Action::ExportCaPrivateKey),
        ("ImportCACertificate", Action::ImportCaCertificate),
        ("RemoveCACertificate", Action::RemoveCaCertificate),
    ];

    /// Looks up an action by its API name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
}

/// A failed call: the error and the RequestId it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The call's RequestId (empty if even that could not be made).
    pub request_id: String,
    /// What went wrong.
    pub error: ApiError,
}

impl Failure {
    /// The cloud API's error body.
    pub fn body(&self) -> ErrorBody {
        self.error.to_body(&self.request_id)
    }
}

/// Runs one action by name with JSON parameters and returns the JSON response.
///
/// # Errors
///
/// A [`Failure`] carrying the API error and the RequestId; the account is then unchanged.
pub fn dispatch(account: &mut Account, action: &str, params: &Value) -> Result<Value, Failure> {
    let request_id = account.new_request_id().map_err(|error| Failure {
        request_id: String::new(),
        error,
    })?;
    let fail = |error| Failure {
        request_id: request_id.clone(),
        error,
    };
    let action = Action::from_name(action).ok_or_else(|| {
        fail(ApiError::UnsupportedAction {
            action: action.to_owned(),
        })
    })?;
    let result = match action {
        Action::CreateRootCaCertificate => account
            .create_root_ca_certificate(params, request_id.clone())
            .and_then(|response| to_value(&response)),
        Action::ExportCaPrivateKey => export_private_key(account, params).map(|pem| {
            object([
                ("RequestId", request_id.as_str().into()),
                ("PrivateKey", pem.as_str().into()),
            ])
        }),
        Action::ImportCaCertificate => import_ca(account, params).map(|identifier| {
            object([
                ("RequestId", request_id.as_str().into()),
                ("Identifier", identifier.into()),
            ])
        }),
        Action::RemoveCaCertificate => {
            remove_ca(account, params).map(|()| object([("RequestId", request_id.as_str().into())]))
        }
    };
    result.map_err(fail)
}

/// A JSON object with these members, in this order: what `json!({...})` makes, without the
/// `unwrap` (and so the formatting of serde_json's errors) that the macro carries for each
/// member.
pub(crate) fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

fn to_value(response: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(response)
        .map_err(|_| ApiError::internal("the response could not be encoded"))
}

/// `ExportCAPrivateKey`: `Identifier`, and either `Passphrase` (encrypted PKCS#8) or
/// `Plain: true` (unencrypted PKCS#8). Returns the PEM, wiped when dropped.
///
/// # Errors
///
/// `MissingIdentifier`, `NotFound`, `InvalidParameter.Passphrase` / `.Plain`.
pub fn export_private_key(
    account: &mut Account,
    params: &Value,
) -> Result<Zeroizing<String>, ApiError> {
    let params = Params::new(params, &["Identifier", "Passphrase", "Plain"])?;
    let identifier = params.required_text("Identifier", 64)?;
    let passphrase = passphrase(&params)?;
    let plain = match params.optional_bool("Plain")? {
        Some(true) => true,
        Some(false) | None => false,
    };
    let protection = match (passphrase.as_deref(), plain) {
        (Some(_), true) => {
            return Err(ApiError::invalid(
                "Plain",
                "Plain must not be true when a Passphrase is given.",
            ));
        }
        (Some(passphrase), false) => KeyProtection::Passphrase(passphrase),
        (None, true) => KeyProtection::Plain,
        (None, false) => {
            return Err(ApiError::invalid(
                "Passphrase",
                "Passphrase is mandatory to export a private key, unless Plain is true.",
            ));
        }
    };
    account.export_private_key(&identifier, protection)
}

/// `ImportCACertificate`: `Certificate` (PEM), `PrivateKey` (PKCS#8 PEM, plain or encrypted)
/// and `Passphrase` for an encrypted key. Returns the Identifier.
///
/// # Errors
///
/// `InvalidParameter.Certificate` for a non-CA or unreadable certificate,
/// `InvalidParameter.PrivateKey` for an unreadable key or one that does not match,
/// `InvalidParameter.Passphrase` for a wrong or missing passphrase.
pub fn import_ca(account: &mut Account, params: &Value) -> Result<String, ApiError> {
    let params = Params::new(params, &["Certificate", "PrivateKey", "Passphrase"])?;
    let certificate_pem = params.required_pem("Certificate")?;
    let key_pem = Zeroizing::new(params.required_pem("PrivateKey")?);
    let passphrase = passphrase(&params)?;
    let certificate = read_ca_certificate(&certificate_pem)?;
    let key = read_private_key(&key_pem, passphrase.as_deref().map(String::as_str))?;
    let spki = key.public_key_info()?;
    if spki
        != certificate
            .tbs_certificate()
            .subject_public_key_info()
            .clone()
    {
        return Err(ApiError::invalid(
            "PrivateKey",
            "PrivateKey does not match the certificate's public key.",
        ));
    }
    let der = certificate
        .to_der()
        .map_err(|_| ApiError::internal("the certificate could not be encoded"))?;
    account.insert_imported(IssuedCertificate { der }, key)
}

/// `RemoveCACertificate`: `Identifier`.
///
/// # Errors
///
/// `MissingIdentifier`, `NotFound`.
pub fn remove_ca(account: &mut Account, params: &Value) -> Result<(), ApiError> {
    let params = Params::new(params, &["Identifier"])?;
    let identifier = params.required_text("Identifier", 64)?;
    account.remove_ca(&identifier)
}

fn passphrase(params: &Params<'_>) -> Result<Option<Zeroizing<String>>, ApiError> {
    // Passphrases are taken as given: no trimming, since spaces may be part of them.
    let Some(passphrase) = params.raw_string("Passphrase")? else {
        return Ok(None);
    };
    let passphrase = Zeroizing::new(passphrase);
    let count = passphrase.chars().count();
    if count == 0 || count > MAX_PASSPHRASE_CHARS {
        return Err(ApiError::invalid(
            "Passphrase",
            format!("Passphrase must be 1 to {MAX_PASSPHRASE_CHARS} characters long; got {count}."),
        ));
    }
    Ok(Some(passphrase))
}

fn read_ca_certificate(pem: &str) -> Result<Certificate, ApiError> {
    let invalid = |why: &str| ApiError::invalid("Certificate", format!("Certificate {why}"));
    let unreadable = |_| invalid("is not a readable PEM X.509 certificate.");
    // What `Certificate::from_pem` does, but with the certificate itself decoded from a slice:
    // the PEM reader only hands over the bytes of the first DER element (the rest of the text is
    // not read, as before), so the certificate decoder exists once in WebAssembly, for the
    // slice reader that decoding keys and names uses too.
    let mut reader = der::PemReader::new(pem.trim().as_bytes()).map_err(unreadable)?;
    Certificate::validate_pem_label(reader.type_label())
        .map_err(|_| invalid("is not a readable PEM X.509 certificate."))?;
    let element = der::Any::decode(&mut reader)
        .and_then(|element| element.to_der())
        .map_err(unreadable)?;
    let certificate = Certificate::from_der(&element).map_err(unreadable)?;
    let is_ca = certificate
        .tbs_certificate()
        .get_extension::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, constraints)| constraints.ca);
    if !is_ca {
        return Err(invalid(
            "is not a CA certificate (basicConstraints cA is not TRUE).",
        ));
    }
    Ok(certificate)
}

pub(crate) fn read_private_key(pem: &str, passphrase: Option<&str>) -> Result<CaKey, ApiError> {
    let der = read_private_key_der(pem, passphrase)?;
    CaKey::from_pkcs8_der("PrivateKey", &der)
}

/// The plain PKCS#8 DER of a PEM private key (wiped when dropped), decrypted if need be, not
/// yet read as a key.
pub(crate) fn read_private_key_der(
    pem: &str,
    passphrase: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let unreadable = || {
        ApiError::invalid(
            "PrivateKey",
            "PrivateKey is not a readable PKCS#8 PEM private key.",
        )
    };
    let (label, der) = der::pem::decode_vec(pem.trim().as_bytes()).map_err(|_| unreadable())?;
    let der = Zeroizing::new(der);
    let plain = match label {
        "PRIVATE KEY" => der,
        "ENCRYPTED PRIVATE KEY" => {
            let passphrase = passphrase.ok_or_else(|| {
                ApiError::invalid(
                    "Passphrase",
                    "Passphrase is mandatory for an encrypted PrivateKey.",
                )
            })?;
            let encrypted = EncryptedPrivateKeyInfoRef::from_der(&der).map_err(|_| unreadable())?;
            check_key_derivation(&encrypted.encryption_algorithm)?;
            let plain = encrypted.decrypt(passphrase).map_err(|_| {
                ApiError::invalid("Passphrase", "Passphrase does not decrypt the PrivateKey.")
            })?;
            Zeroizing::new(plain.as_bytes().to_vec())
        }
        _ => return Err(unreadable()),
    };
    Ok(plain)
}

/// Most memory an imported key's scrypt parameters may ask for (128 · r · N bytes): 64 MiB,
/// twice what OpenSSL and our own export use (N = 2^14, r = 8: 16 MiB).
pub const MAX_SCRYPT_MEMORY: u64 = 64 << 20;
/// Most work an imported key's scrypt parameters may ask for (N · r · p).
pub const MAX_SCRYPT_WORK: u64 = 1 << 20;
/// Most PBKDF2 iterations an imported key may ask for (OWASP's 2023 advice is 600,000).
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;

/// Refuses key-derivation parameters that would panic in the KDF or cost more memory or time
/// than any real key file asks for: they come from the file, so from whoever made it.
fn check_key_derivation(scheme: &pkcs8::pkcs5::EncryptionScheme) -> Result<(), ApiError> {
    use pkcs8::pkcs5::{EncryptionScheme, pbes2::Kdf};
    let refuse =
        |why: String| ApiError::invalid("PrivateKey", format!("PrivateKey's encryption {why}."));
    let EncryptionScheme::Pbes2(parameters) = scheme else {
        return Err(refuse("is PBES1, which is not supported; use PBES2".into()));
    };
    match &parameters.kdf {
        Kdf::Pbkdf2(pbkdf2) => {
            let iterations = pbkdf2.iteration_count;
            if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
                return Err(refuse(format!(
                    "asks for {iterations} PBKDF2 iterations; 1 to {MAX_PBKDF2_ITERATIONS} are accepted"
                )));
            }
        }
        Kdf::Scrypt(scrypt) => {
            let n = scrypt.cost_parameter;
            let (r, p) = (
                u64::from(scrypt.block_size),
                u64::from(scrypt.parallelization),
            );
            let memory = n.checked_mul(r).and_then(|x| x.checked_mul(128));
            let work = n.checked_mul(r).and_then(|x| x.checked_mul(p));
            let fits = n >= 2
                && n.is_power_of_two()
                && r >= 1
                && p >= 1
                && memory.is_some_and(|m| m <= MAX_SCRYPT_MEMORY)
                && work.is_some_and(|w| w <= MAX_SCRYPT_WORK);
            if !fits {
                return Err(refuse(format!(
                    "asks for scrypt N = {n}, r = {r}, p = {p}; N must be a power of two, with at \
                     most {} MiB of memory and N·r·p at most {MAX_SCRYPT_WORK}",
                    MAX_SCRYPT_MEMORY >> 20
                )));
            }
        }
        _ => return Err(refuse("uses an unsupported key-derivation function".into())),
    }
    Ok(())
}
