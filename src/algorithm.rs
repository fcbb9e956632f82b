//! The algorithm table: for each documented `Algorithm` value, the key, the
//! SubjectPublicKeyInfo algorithm and the signature algorithm, with their OIDs.
//!
//! This file is the one place that says which OIDs a certificate carries. Key generation and
//! signing for each row live in [`crate::keys`].

use core::fmt;

use der::asn1::{AnyRef, ObjectIdentifier};
use spki::AlgorithmIdentifierOwned;

use crate::error::ApiError;

/// rsaEncryption (RFC 8017).
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption (RFC 8017).
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// id-ecPublicKey (RFC 5480).
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// ecdsa-with-SHA256 (RFC 5758).
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// NIST P-256, secp256r1 (RFC 5480).
pub const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// NIST P-384, secp384r1 (RFC 5480).
pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// NIST P-521, secp521r1 (RFC 5480).
pub const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
/// sm2p256v1 (GB/T 35276).
pub const SM2P256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
/// SM2-with-SM3 (GB/T 35276).
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");

/// The signer ID that SM2 signatures use (GB/T 35276), in the Z value of GB/T 32918.
pub const SM2_SIGNER_ID: &str = "1234567812345678";

/// A key algorithm of `CreateRootCACertificate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// RSA 1024, e = 65537, sha256WithRSAEncryption. Refused by modern verifiers.
    Rsa1024,
    /// RSA 2048, e = 65537, sha256WithRSAEncryption. The default.
    Rsa2048,
    /// RSA 4096, e = 65537, sha256WithRSAEncryption.
    Rsa4096,
    /// NIST P-256 with ecdsa-with-SHA256.
    Ecc256,
    /// NIST P-384 with ecdsa-with-SHA256 (as documented; not the usual SHA-384).
    Ecc384,
    /// NIST P-521 with ecdsa-with-SHA256 (as documented; there is no 512-bit NIST curve).
    Ecc512,
    /// SM2 with SM3 and signer ID `1234567812345678`.
    Sm2_256,
}

/// The key family of an algorithm, which purchased instances are bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyFamily {
    /// RSA keys.
    Rsa,
    /// NIST elliptic curves.
    Ecc,
    /// The SM2 curve.
    Sm2,
}

/// One row of the table.
struct Row {
    algorithm: Algorithm,
    name: &'static str,
    family: KeyFamily,
    /// RSA modulus size or curve size in bits.
    key_bits: u32,
    /// The namedCurve parameter of id-ecPublicKey, for EC keys.
    curve: Option<ObjectIdentifier>,
    signature: ObjectIdentifier,
}

const TABLE: [Row; 7] = [
    row(
        Algorithm::Rsa1024,
        "RSA_1024",
        KeyFamily::Rsa,
        1024,
        None,
        SHA256_WITH_RSA,
    ),
    row(
        Algorithm::Rsa2048,
        "RSA_2048",
        KeyFamily::Rsa,
        2048,
        None,
        SHA256_WITH_RSA,
    ),
    row(
        Algorithm::Rsa4096,
        "RSA_4096",
        KeyFamily::Rsa,
        4096,
        None,
        SHA256_WITH_RSA,
    ),
    row(
        Algorithm::Ecc256,
        "ECC_256",
        KeyFamily::Ecc,
        256,
        Some(SECP256R1),
        ECDSA_WITH_SHA256,
    ),
    row(
        Algorithm::Ecc384,
        "ECC_384",
        KeyFamily::Ecc,
        384,
        Some(SECP384R1),
        ECDSA_WITH_SHA256,
    ),
    row(
        Algorithm::Ecc512,
        "ECC_512",
        KeyFamily::Ecc,
        521,
        Some(SECP521R1),
        ECDSA_WITH_SHA256,
    ),
    row(
        Algorithm::Sm2_256,
        "SM2_256",
        KeyFamily::Sm2,
        256,
        Some(SM2P256V1),
        SM2_WITH_SM3,
    ),
];

const fn row(
    algorithm: Algorithm,
    name: &'static str,
    family: KeyFamily,
    key_bits: u32,
    curve: Option<ObjectIdentifier>,
    signature: ObjectIdentifier,
) -> Row {
    Row {
        algorithm,
        name,
        family,
        key_bits,
        curve,
        signature,
    }
}

impl Algorithm {
    /// All seven values, in the documented order.
    pub const ALL: [Algorithm; 7] = [
        Algorithm::Rsa1024,
        Algorithm::Rsa2048,
        Algorithm::Rsa4096,
        Algorithm::Ecc256,
        Algorithm::Ecc384,
        Algorithm::Ecc512,
        Algorithm::Sm2_256,
    ];

    /// The default when a request names none **(ours)**.
    pub const DEFAULT: Algorithm = Algorithm::Rsa2048;

    fn row(self) -> &'static Row {
        // The table lists every variant once, in declaration order.
        &TABLE[self as usize]
    }

    /// The API name, e.g. `RSA_2048`.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// Looks up an API name exactly (letter case included).
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE
            .iter()
            .find(|row| row.name == name)
            .map(|row| row.algorithm)
    }

    /// The key family (RSA, ECC or SM2).
    pub fn family(self) -> KeyFamily {
        self.row().family
    }

    /// RSA modulus bits or curve bits (521 for `ECC_512`).
    pub fn key_bits(self) -> u32 {
        self.row().key_bits
    }

    /// The namedCurve OID for EC and SM2 keys; `None` for RSA.
    pub fn curve(self) -> Option<ObjectIdentifier> {
        self.row().curve
    }

    /// The signature algorithm OID of certificates this key signs.
    pub fn signature_oid(self) -> ObjectIdentifier {
        self.row().signature
    }

    /// The AlgorithmIdentifier of the SubjectPublicKeyInfo: rsaEncryption with NULL
    /// parameters, or id-ecPublicKey with the namedCurve.
    pub fn spki_algorithm(self) -> AlgorithmIdentifierOwned {
        match self.curve() {
            None => AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(AnyRef::NULL.into()),
            },
            Some(curve) => AlgorithmIdentifierOwned {
                oid: EC_PUBLIC_KEY,
                parameters: Some(curve.into()),
            },
        }
    }

    /// The AlgorithmIdentifier in `signature` and `signatureAlgorithm`: NULL parameters for
    /// RSA (RFC 4055 §5), absent for ECDSA (RFC 5758 §3.2) and SM2.
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        let parameters = match self.family() {
            KeyFamily::Rsa => Some(AnyRef::NULL.into()),
            KeyFamily::Ecc | KeyFamily::Sm2 => None,
        };
        AlgorithmIdentifierOwned {
            oid: self.signature_oid(),
            parameters,
        }
    }

    /// Parses a request's `Algorithm` value, with a hint when only the letter case is off.
    pub(crate) fn parse(field: &'static str, value: &str) -> Result<Self, ApiError> {
        if let Some(algorithm) = Self::from_name(value) {
            return Ok(algorithm);
        }
        let names: Vec<&str> = TABLE.iter().map(|row| row.name).collect();
        let hint = TABLE
            .iter()
            .find(|row| row.name.eq_ignore_ascii_case(value))
            .map(|row| format!(" Did you mean {}?", row.name))
            .unwrap_or_default();
        Err(ApiError::invalid(
            field,
            format!(
                "{field} must be one of {}; got {}.{hint}",
                names.join(", "),
                crate::request::quote(value)
            ),
        ))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl KeyFamily {
    /// The family's name as the cloud console shows it: `RSA`, `ECC` or `SM2`.
    pub fn name(self) -> &'static str {
        match self {
            KeyFamily::Rsa => "RSA",
            KeyFamily::Ecc => "ECC",
            KeyFamily::Sm2 => "SM2",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_match_their_variants() {
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.row().algorithm, algorithm);
            assert_eq!(Algorithm::from_name(algorithm.name()), Some(algorithm));
        }
    }

    #[test]
    fn names_are_exact() {
        assert_eq!(Algorithm::from_name("rsa_2048"), None);
        let error = Algorithm::parse("Algorithm", "ecc_256").unwrap_err();
        assert_eq!(error.code(), "InvalidParameter.Algorithm");
        assert!(error.to_string().contains("Did you mean ECC_256?"));
    }

    #[test]
    fn p384_and_p521_use_sha256_as_documented() {
        assert_eq!(Algorithm::Ecc384.signature_oid(), ECDSA_WITH_SHA256);
        assert_eq!(Algorithm::Ecc512.signature_oid(), ECDSA_WITH_SHA256);
        assert_eq!(Algorithm::Ecc512.curve(), Some(SECP521R1));
    }
}
