//! Key generation, signing, verification and export: the only place private keys are touched.
//!
//! A [`CaKey`] holds one private key of one of the seven algorithms. It prints as
//! `CaKey { algorithm: .., .. }` without key bytes, wipes its secret on drop, and leaves the
//! crate only through [`CaKey::export_pkcs8_pem`]. Each algorithm has its own code path, so a
//! build that uses fewer algorithms carries less code.
//!
//! Wiping a key on drop leaves no copy behind only if nothing else copied it, so three more
//! habits hold here; `tests/wasm_secrets.rs` searches the whole WebAssembly memory for each
//! key after its CA is removed, and found a copy whenever one of them was missing:
//!
//! - Each secret lives in its own heap allocation (the boxes of `Secret`) from the moment it
//!   is made, so moving a `CaKey` (into the account's map, out of it on removal) copies a
//!   pointer. A key held by value is copied byte for byte at every move, and only the last
//!   copy is wiped.
//! - Every operation on a secret runs in a function that is never inlined, and the stack
//!   below the public method is overwritten before it returns (`scrub_stack`): the curve
//!   crates leave scalars on the stack (an SM2 export left the scalar there, big-endian).
//! - In WebAssembly, freed heap memory is zeroed by the allocator (see `crate::env`), for
//!   the temporaries that dependencies free without wiping (the RSA crate's big integers left
//!   a prime behind).

use core::fmt;
use core::mem::ManuallyDrop;

use der::{Decode, Encode};
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::ToSec1Point;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoRef};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::{Digest, Sha256};
use signature::hazmat::{PrehashSigner, PrehashVerifier};
use signature::{Signer, Verifier};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use crate::algorithm::{
    Algorithm, EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP256R1, SECP384R1, SECP521R1, SM2_SIGNER_ID,
    SM2P256V1,
};
use crate::env::{Entropy, EntropyRng};
use crate::error::{ApiError, internal};

/// A `match` whose first arm is written once for the three NIST curves, which RustCrypto serves
/// with crates of one shape: `nist_curves!(match (x) { [p256, p384, p521 patterns] => |c, C|
/// body, other arms })`. In the body, `c` is the arm's crate (`p256`, `p384`, `p521`) and `C` its
/// curve type. Each curve still gets its own code; this only saves writing it three times.
macro_rules! nist_curves {
    (match ($on:expr) {
        [$p256:pat, $p384:pat, $p521:pat $(,)?] => |$c:ident, $curve:ident| $body:expr,
        $($rest:tt)*
    }) => {
        match $on {
            $p256 => {
                #[allow(unused_imports)]
                use {p256 as $c, p256::NistP256 as $curve};
                $body
            }
            $p384 => {
                #[allow(unused_imports)]
                use {p384 as $c, p384::NistP384 as $curve};
                $body
            }
            $p521 => {
                #[allow(unused_imports)]
                use {p521 as $c, p521::NistP521 as $curve};
                $body
            }
            $($rest)*
        }
    };
}

/// How an exported private key is protected.
#[derive(Clone, Copy)]
pub enum KeyProtection<'a> {
    /// PKCS#8 `EncryptedPrivateKeyInfo`, PBES2 with scrypt and AES-256-CBC.
    Passphrase(&'a str),
    /// A plain PKCS#8 `PrivateKeyInfo`. Only when the caller asks for it explicitly.
    Plain,
}

impl fmt::Debug for KeyProtection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Passphrase(_) => f.write_str("Passphrase(..)"),
            Self::Plain => f.write_str("Plain"),
        }
    }
}

/// A CA's private key.
pub struct CaKey {
    algorithm: Algorithm,
    secret: Secret,
}

/// The key itself, always behind a `Box`: see the module documentation.
enum Secret {
    Rsa(Box<RsaPrivateKey>),
    P256(Box<p256::ecdsa::SigningKey>),
    P384(Box<p384::ecdsa::SigningKey>),
    P521(Box<p521::ecdsa::SigningKey>),
    Sm2(Box<Sm2Key>),
    /// A NIST-curve key as a trusted maker exported it (see
    /// [`CaKey::from_trusted_pkcs8_der`]), made into a signing key only when Rust signs.
    Parts(Box<EcParts>),
}

impl From<Box<p256::ecdsa::SigningKey>> for Secret {
    fn from(key: Box<p256::ecdsa::SigningKey>) -> Self {
        Secret::P256(key)
    }
}

impl From<Box<p384::ecdsa::SigningKey>> for Secret {
    fn from(key: Box<p384::ecdsa::SigningKey>) -> Self {
        Secret::P384(key)
    }
}

impl From<Box<p521::ecdsa::SigningKey>> for Secret {
    fn from(key: Box<p521::ecdsa::SigningKey>) -> Self {
        Secret::P521(key)
    }
}

/// An EC key as its scalar (fixed size, big-endian, checked to be in range) and the
/// uncompressed public point that came with it.
struct EcParts {
    curve: der::asn1::ObjectIdentifier,
    scalar: Zeroizing<Vec<u8>>,
    point: Vec<u8>,
}

impl fmt::Debug for CaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl CaKey {
    /// Generates a fresh key for `algorithm` from `entropy`.
    ///
    /// # Errors
    ///
    /// `InternalError` when the random number source fails.
    pub fn generate(algorithm: Algorithm, entropy: &mut dyn Entropy) -> Result<Self, ApiError> {
        let secret = generate_secret(algorithm, entropy);
        scrub_stack();
        Ok(Self {
            algorithm,
            secret: secret?,
        })
    }

    /// Reads a plain PKCS#8 `PrivateKeyInfo` (DER) of one of the seven algorithms.
    ///
    /// The algorithm follows from the key: the RSA modulus size, or the named curve. `field`
    /// names the request field in errors.
    ///
    /// # Errors
    ///
    /// `InvalidParameter.<field>` when the DER is not a key of a supported algorithm.
    pub fn from_pkcs8_der(field: &'static str, der: &[u8]) -> Result<Self, ApiError> {
        let key = read_pkcs8(field, der);
        scrub_stack();
        key
    }

    /// Reads a PKCS#8 key as [`CaKey::from_pkcs8_der`] does, but takes a P-256, P-384 or
    /// P-521 key's public key from the document instead of computing it from the scalar: the
    /// costliest step of reading such a key in WebAssembly (a scalar multiplication, half a
    /// millisecond for P-256 in Node).
    ///
    /// Only for keys from a trusted maker (WebCrypto's export of a pair it generated) whose
    /// signature is then verified with that public key, which proves that the two belong
    /// together. Other keys, and documents without an uncompressed public key, are read in
    /// full.
    ///
    /// # Errors
    ///
    /// As [`CaKey::from_pkcs8_der`].
    pub fn from_trusted_pkcs8_der(field: &'static str, der: &[u8]) -> Result<Self, ApiError> {
        let parts = read_ec_parts(field, der);
        scrub_stack();
        match parts? {
            Some((algorithm, parts)) => Ok(CaKey {
                algorithm,
                secret: Secret::Parts(Box::new(parts)),
            }),
            None => Self::from_pkcs8_der(field, der),
        }
    }

    /// The algorithm this key belongs to.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The SubjectPublicKeyInfo, with the algorithm identifier of the algorithm table.
    ///
    /// # Errors
    ///
    /// `InternalError` if the public key cannot be encoded (it always can).
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, ApiError> {
        let encoding = "the public key could not be encoded";
        let subject_public_key = nist_curves!(match (&self.secret) {
            [Secret::P256(key), Secret::P384(key), Secret::P521(key)] =>
                |_c, _C| key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Secret::Rsa(key) => {
                let public = RsaPublicKey::from(key.as_ref());
                rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&public)
                    .map_err(internal(encoding))?
                    .into_vec()
            }
            Secret::Sm2(key) => key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Secret::Parts(parts) => parts.point.clone(),
        });
        Ok(SubjectPublicKeyInfoOwned {
            algorithm: self.algorithm.spki_algorithm(),
            subject_public_key: der::asn1::BitString::from_bytes(&subject_public_key)
                .map_err(internal(encoding))?,
        })
    }

    /// Signs `message` with the algorithm's signature scheme and returns the signature as it
    /// goes into a certificate's BIT STRING: the RSA signature block, or DER `ECDSA-Sig-Value`
    /// for ECDSA and SM2.
    ///
    /// # Errors
    ///
    /// `InternalError` when signing fails.
    pub fn sign(&self, message: &[u8], entropy: &mut dyn Entropy) -> Result<Vec<u8>, ApiError> {
        let signature = sign_with(&self.secret, message, entropy);
        scrub_stack();
        signature
    }

    /// Verifies `signature` over `message` with this key's public half, as [`verify_signature`]
    /// does with a SubjectPublicKeyInfo. An RSA key's Montgomery parameters are already
    /// computed here, where reading them from a SubjectPublicKeyInfo costs 0.5 ms for RSA_4096
    /// in WebAssembly.
    ///
    /// # Errors
    ///
    /// `InternalError` when the signature does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), ApiError> {
        match &self.secret {
            Secret::Rsa(key) => key
                .as_public_key()
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(message),
                    signature,
                )
                .map_err(internal(BAD_SIGNATURE)),
            _ => {
                let der = self
                    .public_key_info()?
                    .to_der()
                    .map_err(internal("the public key could not be encoded"))?;
                let spki = SubjectPublicKeyInfoRef::from_der(&der)
                    .map_err(internal("the public key could not be encoded"))?;
                verify_signature(self.algorithm, spki, message, signature)
            }
        }
    }

    /// The private key as an unencrypted PKCS#8 DER document, wiped when dropped.
    pub(crate) fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, ApiError> {
        let der = pkcs8_der(&self.secret);
        scrub_stack();
        der
    }

    /// Exports the private key as PKCS#8 PEM: `ENCRYPTED PRIVATE KEY` (PBES2, scrypt,
    /// AES-256-CBC) with a passphrase, or `PRIVATE KEY` when plain is asked for.
    ///
    /// # Errors
    ///
    /// `InternalError` when encoding or encryption fails.
    pub fn export_pkcs8_pem(
        &self,
        protection: KeyProtection<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<Zeroizing<String>, ApiError> {
        let pem = export_pem(self, protection, entropy);
        scrub_stack();
        pem
    }
}

/// The algorithm and SubjectPublicKeyInfo of a PKCS#8 private key, read without the checks
/// and computation of [`CaKey::from_pkcs8_der`], so that a certificate can be built and signed
/// elsewhere while the key is read in full. That takes milliseconds in WebAssembly: an RSA
/// key's checks and CRT precomputation, an EC key's public key computed from its scalar.
///
/// An RSA key's public half is its modulus and exponent. An EC or SM2 key's is the public
/// key its `ECPrivateKey` carries, if uncompressed and on the curve; without one, `None`.
/// Whatever is read here is only a claim until the full read confirms it (the signed
/// certificate's public key must be the full key's).
///
/// # Errors
///
/// `InvalidParameter.<field>` when the key cannot be read or its algorithm or size is not
/// supported.
pub fn pkcs8_public_key_info(
    field: &'static str,
    der: &[u8],
) -> Result<Option<(Algorithm, SubjectPublicKeyInfoOwned)>, ApiError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(|_| unreadable_key(field))?;
    let (algorithm, subject_public_key) = if info.algorithm.oid == RSA_ENCRYPTION {
        rsa_public_key(field, info.private_key.as_bytes())?
    } else {
        let curve = (info.algorithm.oid == EC_PUBLIC_KEY)
            .then(|| info.algorithm.parameters_oid().ok())
            .flatten();
        let algorithm = Algorithm::ALL
            .into_iter()
            .find(|a| curve.is_some() && a.curve() == curve)
            .ok_or_else(|| unsupported_key(field))?;
        let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
            .map_err(|_| unreadable_key(field))?;
        let Some(point) = ec.public_key.filter(|point| on_curve(algorithm, point)) else {
            return Ok(None);
        };
        (algorithm, point.to_vec())
    };
    Ok(Some((
        algorithm,
        SubjectPublicKeyInfoOwned {
            algorithm: algorithm.spki_algorithm(),
            subject_public_key: der::asn1::BitString::from_bytes(&subject_public_key)
                .map_err(|_| unreadable_key(field))?,
        },
    )))
}

/// The algorithm and DER `RSAPublicKey` of a PKCS#1 `RSAPrivateKey`.
fn rsa_public_key(field: &'static str, der: &[u8]) -> Result<(Algorithm, Vec<u8>), ApiError> {
    let key = rsa::pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(der)
        .map_err(|_| unreadable_key(field))?;
    let modulus = key.modulus.as_bytes();
    let bits = match modulus.first() {
        Some(&top) => modulus.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    };
    let algorithm = rsa_algorithm(field, bits)?;
    let public = rsa::pkcs1::RsaPublicKey {
        modulus: key.modulus,
        public_exponent: key.public_exponent,
    };
    let encoded = public.to_der().map_err(|_| unreadable_key(field))?;
    Ok((algorithm, encoded))
}

/// Whether `point` is an uncompressed SEC 1 point on `algorithm`'s curve.
fn on_curve(algorithm: Algorithm, point: &[u8]) -> bool {
    nist_curves!(match (algorithm) {
        [Algorithm::Ecc256, Algorithm::Ecc384, Algorithm::Ecc512] =>
            |_c, C| uncompressed_point::<C>(point).is_some(),
        Algorithm::Sm2_256 => uncompressed_point::<sm2::Sm2>(point).is_some(),
        Algorithm::Rsa1024 | Algorithm::Rsa2048 | Algorithm::Rsa4096 => false,
    })
}

/// A signature in the encoding a certificate carries, from the fixed-size encoding that
/// WebCrypto and IEEE P1363 use: ECDSA's and SM2's `r || s` become DER `ECDSA-Sig-Value`;
/// an RSA signature block is the same in both.
///
/// # Errors
///
/// `InternalError` when `fixed` is not a signature of `algorithm`'s size, or r or s is zero
/// or not below the group order.
pub fn signature_from_fixed(algorithm: Algorithm, fixed: &[u8]) -> Result<Vec<u8>, ApiError> {
    let bad = internal("the signature is not one of this algorithm");
    nist_curves!(match (algorithm) {
        [Algorithm::Ecc256, Algorithm::Ecc384, Algorithm::Ecc512] => |c, _C| {
            let signature = c::ecdsa::Signature::from_slice(fixed).map_err(bad)?;
            Ok(signature.to_der().as_bytes().to_vec())
        },
        Algorithm::Rsa1024 | Algorithm::Rsa2048 | Algorithm::Rsa4096 => Ok(fixed.to_vec()),
        Algorithm::Sm2_256 => {
            let signature = sm2::dsa::Signature::from_slice(fixed).map_err(bad)?;
            Ok(signature.to_der().as_bytes().to_vec())
        }
    })
}

/// The algorithm of an RSA key of `bits`.
fn rsa_algorithm(field: &'static str, bits: usize) -> Result<Algorithm, ApiError> {
    match bits {
        1024 => Ok(Algorithm::Rsa1024),
        2048 => Ok(Algorithm::Rsa2048),
        4096 => Ok(Algorithm::Rsa4096),
        bits => Err(ApiError::invalid(
            field,
            format!(
                "{field} is a {bits}-bit RSA key; only 1024, 2048 and 4096 bits are supported."
            ),
        )),
    }
}

const BAD_SIGNATURE: &str = "the certificate's signature did not verify with its public key";

/// Verifies `signature` over `message` with the public key in `spki`, for `algorithm`.
///
/// EC and SM2 public keys must be uncompressed points, as [`CaKey::public_key_info`] writes
/// them; a compressed point does not verify.
///
/// # Errors
///
/// `InternalError` when the key cannot be read or the signature does not verify.
pub fn verify_signature(
    algorithm: Algorithm,
    spki: SubjectPublicKeyInfoRef<'_>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), ApiError> {
    let bad = BAD_SIGNATURE;
    let bad_key = || ApiError::internal(bad);
    let point = spki.subject_public_key.raw_bytes();
    let digest = || Sha256::digest(message);
    nist_curves!(match (algorithm) {
        [Algorithm::Ecc256, Algorithm::Ecc384, Algorithm::Ecc512] => |c, C| {
            let point = uncompressed_point::<C>(point).ok_or_else(bad_key)?;
            let key = c::ecdsa::VerifyingKey::from_affine(point).map_err(internal(bad))?;
            let signature = c::ecdsa::Signature::from_der(signature).map_err(internal(bad))?;
            key.verify_prehash(&digest(), &signature)
                .map_err(internal(bad))
        },
        Algorithm::Rsa1024 | Algorithm::Rsa2048 | Algorithm::Rsa4096 => {
            let key = RsaPublicKey::try_from(spki)
                .map_err(|_| ApiError::internal("unreadable RSA public key"))?;
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest(), signature)
                .map_err(internal(bad))
        }
        Algorithm::Sm2_256 => {
            let point = uncompressed_point::<sm2::Sm2>(point).ok_or_else(bad_key)?;
            let key =
                sm2::dsa::VerifyingKey::from_affine(SM2_SIGNER_ID, point).map_err(internal(bad))?;
            let signature = sm2::dsa::Signature::from_der(signature).map_err(internal(bad))?;
            key.verify(message, &signature).map_err(internal(bad))
        }
    })
}

/// [`CaKey::generate`] without the stack scrub.
#[inline(never)]
fn generate_secret(algorithm: Algorithm, entropy: &mut dyn Entropy) -> Result<Secret, ApiError> {
    let mut rng = EntropyRng::new(entropy);
    Ok(match algorithm {
        Algorithm::Rsa1024 | Algorithm::Rsa2048 | Algorithm::Rsa4096 => {
            let bits = algorithm.key_bits() as usize;
            let key =
                RsaPrivateKey::new(&mut rng, bits).map_err(internal("key generation failed"))?;
            Secret::Rsa(Box::new(key))
        }
        Algorithm::Ecc256 => Secret::P256(generate_ec(&mut rng)?),
        Algorithm::Ecc384 => Secret::P384(generate_ec(&mut rng)?),
        Algorithm::Ecc512 => Secret::P521(generate_ec(&mut rng)?),
        Algorithm::Sm2_256 => {
            let secret = <sm2::SecretKey as p256::elliptic_curve::Generate>::try_generate_from_rng(
                &mut rng,
            )?;
            Secret::Sm2(Sm2Key::new(&secret)?)
        }
    })
}

/// [`CaKey::from_pkcs8_der`] without the stack scrub.
#[inline(never)]
fn read_pkcs8(field: &'static str, der: &[u8]) -> Result<CaKey, ApiError> {
    let unreadable = |_: pkcs8::Error| unreadable_key(field);
    let info = PrivateKeyInfoRef::from_der(der).map_err(|_| unreadable_key(field))?;
    let oid = info.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        let key = RsaPrivateKey::from_pkcs8_der(der).map_err(unreadable)?;
        let algorithm = rsa_algorithm(field, key.size() * 8)?;
        return Ok(CaKey {
            algorithm,
            secret: Secret::Rsa(Box::new(key)),
        });
    }
    let curve = (oid == EC_PUBLIC_KEY)
        .then(|| info.algorithm.parameters_oid().ok())
        .flatten();
    let algorithm = Algorithm::ALL
        .into_iter()
        .find(|a| curve.is_some() && a.curve() == curve);
    // What each curve's `from_pkcs8_der` does after the algorithm check, with the SEC 1
    // structure parsed once here rather than once per curve in WebAssembly, and the public
    // key computed once: `SecretKey::try_from(EcPrivateKey)` computes it to compare with the
    // embedded one, and the signing key computes it again.
    let ec = match algorithm {
        Some(_) => sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
            .map_err(|_| unreadable_key(field))?,
        None => return Err(unsupported_key(field)),
    };
    let secret = nist_curves!(match (algorithm) {
        [
            Some(Algorithm::Ecc256),
            Some(Algorithm::Ecc384),
            Some(Algorithm::Ecc512),
        ] => |c, C| {
            let key: Box<c::ecdsa::SigningKey> = Box::new(ec_scalar::<C>(field, &ec)?.into());
            check_public_point(field, &ec, |compressed| {
                key.verifying_key()
                    .to_sec1_point(compressed)
                    .as_bytes()
                    .to_vec()
            })?;
            Secret::from(key)
        },
        Some(Algorithm::Sm2_256) => {
            let key = Sm2Key::new(&ec_scalar(field, &ec)?)?;
            check_public_point(field, &ec, |c| {
                key.verifying_key().to_sec1_point(c).as_bytes().to_vec()
            })?;
            Secret::Sm2(key)
        }
        _ => return Err(unsupported_key(field)),
    });
    Ok(CaKey {
        algorithm: algorithm.unwrap_or(Algorithm::DEFAULT),
        secret,
    })
}

/// [`CaKey::sign`] without the stack scrub.
#[inline(never)]
fn sign_with(
    secret: &Secret,
    message: &[u8],
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, ApiError> {
    let failed = "signing failed";
    let digest = || Sha256::digest(message);
    nist_curves!(match (secret) {
        [Secret::P256(key), Secret::P384(key), Secret::P521(key)] => |c, _C| {
            let signature: c::ecdsa::Signature =
                key.sign_prehash(&digest()).map_err(internal(failed))?;
            Ok(signature.to_der().as_bytes().to_vec())
        },
        Secret::Rsa(key) => {
            // Blinded with fresh randomness against timing attacks on the private exponent.
            let mut rng = EntropyRng::new(entropy);
            key.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha256>(), &digest())
                .map_err(internal(failed))
        }
        Secret::Sm2(key) => {
            let signature: sm2::dsa::Signature = key
                .signing_key()
                .try_sign(message)
                .map_err(internal(failed))?;
            Ok(signature.to_der().as_bytes().to_vec())
        }
        Secret::Parts(parts) => sign_with(&parts.signing_key()?, message, entropy),
    })
}

/// [`CaKey::to_pkcs8_der`] without the stack scrub.
#[inline(never)]
fn pkcs8_der(secret: &Secret) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let failed = "the private key could not be encoded";
    let document = nist_curves!(match (secret) {
        [Secret::P256(key), Secret::P384(key), Secret::P521(key)] => |_c, C| ec_pkcs8_der(
            <C as der::oid::AssociatedOid>::OID,
            &Zeroizing::new(key.to_bytes()),
            key.verifying_key().to_sec1_point(false).as_bytes(),
        ),
        Secret::Rsa(key) => key.to_pkcs8_der(),
        Secret::Sm2(key) => ec_pkcs8_der(
            SM2P256V1,
            &Zeroizing::new(key.secret_key().to_bytes()),
            key.verifying_key().to_sec1_point(false).as_bytes(),
        ),
        Secret::Parts(parts) => ec_pkcs8_der(parts.curve, &parts.scalar, &parts.point),
    })
    .map_err(internal(failed))?;
    Ok(Zeroizing::new(document.as_bytes().to_vec()))
}

/// [`CaKey::export_pkcs8_pem`] without the stack scrub.
#[inline(never)]
fn export_pem(
    key: &CaKey,
    protection: KeyProtection<'_>,
    entropy: &mut dyn Entropy,
) -> Result<Zeroizing<String>, ApiError> {
    let failed = "the private key could not be exported";
    let der = key.to_pkcs8_der()?;
    let info = PrivateKeyInfoRef::from_der(&der).map_err(internal(failed))?;
    let (label, document) = match protection {
        KeyProtection::Plain => ("PRIVATE KEY", der.to_vec()),
        KeyProtection::Passphrase(passphrase) => {
            let mut rng = EntropyRng::new(entropy);
            let plain = Zeroizing::new(info.to_der().map_err(internal(failed))?);
            let encrypted =
                encrypt_pkcs8(&mut rng, passphrase.as_bytes(), &plain).map_err(internal(failed))?;
            ("ENCRYPTED PRIVATE KEY", encrypted.as_bytes().to_vec())
        }
    };
    let document = Zeroizing::new(document);
    let pem = der::pem::encode_string(label, der::pem::LineEnding::LF, &document)
        .map_err(internal(failed))?;
    Ok(Zeroizing::new(pem))
}

/// Bytes of stack that [`scrub_stack`] overwrites: several times what the key operations here
/// use (the copies `tests/wasm_secrets.rs` found before scrubbing lay within 10 KiB of the
/// caller's frame).
const STACK_SCRUB_BYTES: usize = 64 * 1024;

/// Overwrites the stack below the caller's frame, where the functions it called kept copies of
/// scalars, nonces and big-integer temporaries. Never inlined, so its frame sits right below
/// the caller's; the writes are volatile, so they are not optimized away.
#[inline(never)]
fn scrub_stack() {
    let mut area = [0u8; STACK_SCRUB_BYTES];
    zeroize::Zeroize::zeroize(&mut area[..]);
    core::hint::black_box(&area);
}

/// The point of an uncompressed SEC 1 encoding (`04 || x || y`), checked to be on the curve:
/// what [`CaKey::public_key_info`] writes. Compressed and compact encodings are refused, so
/// that WebAssembly does not carry point decompression (a square root per curve) for a check
/// of our own certificates.
fn uncompressed_point<C>(encoded: &[u8]) -> Option<p256::elliptic_curve::AffinePoint<C>>
where
    C: p256::elliptic_curve::CurveArithmetic,
    p256::elliptic_curve::AffinePoint<C>:
        AffineCoordinates<FieldRepr = p256::elliptic_curve::FieldBytes<C>>,
{
    let size = p256::elliptic_curve::FieldBytes::<C>::default().len();
    let (&tag, coordinates) = encoded.split_first()?;
    if tag != 0x04 || coordinates.len() != 2 * size {
        return None;
    }
    let (x, y) = coordinates.split_at(size);
    let x = p256::elliptic_curve::FieldBytes::<C>::try_from(x).ok()?;
    let y = p256::elliptic_curve::FieldBytes::<C>::try_from(y).ok()?;
    Option::from(<p256::elliptic_curve::AffinePoint<C>>::from_coordinates(
        &x, &y,
    ))
}

/// The PKCS#8 document of an EC or SM2 key, byte for byte what `elliptic-curve`'s
/// `EncodePrivateKey` writes (id-ecPublicKey with the namedCurve; SEC 1 `ECPrivateKey` with
/// the scalar and the uncompressed public point, without parameters), encoded once here rather
/// than once per curve in WebAssembly.
fn ec_pkcs8_der(
    curve: der::asn1::ObjectIdentifier,
    private_key: &[u8],
    public_point: &[u8],
) -> pkcs8::Result<der::SecretDocument> {
    let ec_private_key = Zeroizing::new(
        sec1::EcPrivateKey {
            private_key,
            parameters: None,
            public_key: Some(public_point),
        }
        .to_der()?,
    );
    let info = PrivateKeyInfoRef::new(
        pkcs8::AlgorithmIdentifierRef {
            oid: EC_PUBLIC_KEY,
            parameters: Some((&curve).into()),
        },
        der::asn1::OctetStringRef::new(&ec_private_key)?,
    );
    Ok(der::SecretDocument::encode_msg(&info)?)
}

/// A PKCS#8 `EncryptedPrivateKeyInfo` of `document`: PBES2 with scrypt (N = 2^14, r = 8,
/// p = 1, a 16-byte salt) and AES-256-CBC. Byte for byte what `pkcs8`'s `encrypt_with_rng`
/// writes for the same random bytes (the IV is drawn first, then the salt), but without its
/// dispatch over every PBES2 cipher, which would bring the AES-128/192-CBC and AES-GCM
/// encryptors into WebAssembly for nothing.
fn encrypt_pkcs8(
    rng: &mut EntropyRng<'_>,
    password: &[u8],
    document: &[u8],
) -> pkcs8::Result<der::SecretDocument> {
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    use pkcs8::pkcs5::{self, pbes2};

    let parameters = pbes2::Parameters::generate_recommended(rng)?;
    let (pbes2::Kdf::Scrypt(kdf), pbes2::EncryptionScheme::Aes256Cbc { iv }) =
        (&parameters.kdf, parameters.encryption)
    else {
        return Err(pkcs5::Error::EncryptFailed.into());
    };
    // `generate_recommended` leaves the optional keyLength out, so the key is AES-256's.
    let mut key = Zeroizing::new([0u8; 32]);
    pkcs5::scrypt::scrypt(password, kdf.salt.as_ref(), &kdf.try_into()?, &mut key[..])
        .map_err(|_| pkcs5::Error::EncryptFailed)?;
    // Encrypted in place, with room for the padding, as `pbes2::Parameters::encrypt` does.
    let mut buffer = Zeroizing::new(Vec::with_capacity(document.len() + 16));
    buffer.extend_from_slice(document);
    buffer.extend_from_slice(&[0; 16]);
    let length = cbc::Encryptor::<aes::Aes256Enc>::new_from_slices(&key[..], &iv)
        .map_err(|_| pkcs5::Error::EncryptFailed)?
        .encrypt_padded::<Pkcs7>(&mut buffer, document.len())
        .map_err(|_| pkcs5::Error::EncryptFailed)?
        .len();
    buffer.truncate(length);
    let info = pkcs8::EncryptedPrivateKeyInfoRef {
        encryption_algorithm: parameters.into(),
        encrypted_data: der::asn1::OctetStringRef::new(&buffer)?,
    };
    Ok(der::SecretDocument::encode_msg(&info)?)
}

/// [`CaKey::from_trusted_pkcs8_der`] without the stack scrub: the parts of a P-256, P-384 or
/// P-521 key that carries an uncompressed public point on its curve, else `None`.
#[inline(never)]
fn read_ec_parts(
    field: &'static str,
    der: &[u8],
) -> Result<Option<(Algorithm, EcParts)>, ApiError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(|_| unreadable_key(field))?;
    let curve = match (info.algorithm.oid, info.algorithm.parameters_oid()) {
        (EC_PUBLIC_KEY, Ok(curve)) => curve,
        _ => return Ok(None),
    };
    let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
        .map_err(|_| unreadable_key(field))?;
    let scalar = nist_curves!(match (curve) {
        [SECP256R1, SECP384R1, SECP521R1] =>
            |_c, C| Zeroizing::new(ec_scalar::<C>(field, &ec)?.to_bytes().to_vec()),
        _ => return Ok(None),
    });
    let Some(algorithm) = Algorithm::ALL
        .into_iter()
        .find(|a| a.curve() == Some(curve))
    else {
        return Ok(None);
    };
    let Some(point) = ec.public_key.filter(|point| on_curve(algorithm, point)) else {
        return Ok(None);
    };
    Ok(Some((
        algorithm,
        EcParts {
            curve,
            scalar,
            point: point.to_vec(),
        },
    )))
}

impl EcParts {
    /// The signing key of these parts, whose public key must be the point they carry.
    fn signing_key(&self) -> Result<Secret, ApiError> {
        let unreadable = internal("the key could not be read");
        let (secret, point) = nist_curves!(match (self.curve) {
            [SECP256R1, SECP384R1, SECP521R1] => |c, _C| {
                let key = c::ecdsa::SigningKey::from_slice(&self.scalar).map_err(unreadable)?;
                let point = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
                (Secret::from(Box::new(key)), point)
            },
            // `read_ec_parts` makes parts of the three NIST curves only.
            _ => return Err(ApiError::internal("the key is of an unknown curve")),
        });
        if point != self.point {
            return Err(ApiError::internal(
                "the key does not match the public key it came with",
            ));
        }
        Ok(secret)
    }
}

fn unsupported_key(field: &'static str) -> ApiError {
    ApiError::invalid(
        field,
        format!("{field} is not an RSA, P-256, P-384, P-521 or SM2 private key."),
    )
}

/// The secret scalar of a SEC 1 `ECPrivateKey`, after the checks of `SecretKey::try_from`:
/// a curve parameter, if present, names `C`, and the scalar is in range.
fn ec_scalar<C>(
    field: &'static str,
    ec: &sec1::EcPrivateKey<'_>,
) -> Result<p256::elliptic_curve::SecretKey<C>, ApiError>
where
    C: p256::elliptic_curve::Curve + der::oid::AssociatedOid,
{
    if let Some(sec1::EcParameters::NamedCurve(curve)) = ec.parameters {
        if curve != C::OID {
            return Err(unreadable_key(field));
        }
    }
    p256::elliptic_curve::SecretKey::from_slice(ec.private_key).map_err(|_| unreadable_key(field))
}

/// Checks the public key a SEC 1 `ECPrivateKey` may carry against the one computed from its
/// scalar, given by `computed(compressed)` in either SEC 1 form.
fn check_public_point(
    field: &'static str,
    ec: &sec1::EcPrivateKey<'_>,
    computed: impl Fn(bool) -> Vec<u8>,
) -> Result<(), ApiError> {
    let Some(embedded) = ec.public_key else {
        return Ok(());
    };
    let compressed = match embedded.first() {
        Some(0x04) => false,
        Some(0x02 | 0x03) => true,
        _ => return Err(unreadable_key(field)),
    };
    if computed(compressed) != embedded {
        return Err(ApiError::invalid(
            field,
            format!("{field} holds a public key that does not belong to its private key."),
        ));
    }
    Ok(())
}

fn unreadable_key(field: &'static str) -> ApiError {
    ApiError::invalid(
        field,
        format!("{field} is not a readable PKCS#8 private key."),
    )
}

fn generate_ec<K: p256::elliptic_curve::Generate>(
    rng: &mut EntropyRng<'_>,
) -> Result<Box<K>, ApiError> {
    Ok(Box::new(K::try_generate_from_rng(rng)?))
}

/// An SM2 signing key that is wiped on drop.
///
/// `sm2::dsa::SigningKey` keeps its secret scalar without zeroizing it on drop, so the key is
/// held in a `ManuallyDrop` and its bytes are overwritten after its fields were dropped.
struct Sm2Key(ManuallyDrop<sm2::dsa::SigningKey>);

impl Sm2Key {
    fn new(secret: &sm2::SecretKey) -> Result<Box<Self>, ApiError> {
        let key = sm2::dsa::SigningKey::new(SM2_SIGNER_ID, secret)
            .map_err(|_| ApiError::internal("invalid SM2 key"))?;
        Ok(Box::new(Self(ManuallyDrop::new(key))))
    }

    fn signing_key(&self) -> &sm2::dsa::SigningKey {
        &self.0
    }

    fn verifying_key(&self) -> &sm2::dsa::VerifyingKey {
        self.0.verifying_key()
    }

    fn secret_key(&self) -> sm2::SecretKey {
        sm2::SecretKey::from(self.0.as_nonzero_scalar())
    }
}

#[expect(
    unsafe_code,
    reason = "sm2 0.14 does not zeroize SigningKey; see the SAFETY note"
)]
impl Drop for Sm2Key {
    fn drop(&mut self) {
        let key: *mut sm2::dsa::SigningKey = &mut *self.0;
        // SAFETY: the fields are dropped exactly once here and never used again; afterwards the
        // memory is plain bytes that `self` still owns, so overwriting it with zeros is sound,
        // and `ManuallyDrop` keeps Rust from dropping the (now zeroed) value a second time.
        unsafe {
            ManuallyDrop::drop(&mut self.0);
            zeroize::zeroize_flat_type(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::OsEntropy;
    use der::Encode;

    /// The algorithms whose keys are elliptic-curve keys in SEC 1 form.
    const EC_ALGORITHMS: [Algorithm; 4] = [
        Algorithm::Ecc256,
        Algorithm::Ecc384,
        Algorithm::Ecc512,
        Algorithm::Sm2_256,
    ];

    #[test]
    fn debug_hides_the_key() {
        let key = CaKey::generate(Algorithm::Ecc256, &mut OsEntropy).unwrap();
        assert_eq!(format!("{key:?}"), "CaKey { algorithm: Ecc256, .. }");
    }

    #[test]
    fn every_algorithm_signs_and_verifies() {
        for algorithm in Algorithm::ALL {
            if algorithm == Algorithm::Rsa4096 {
                continue; // slow in debug builds; covered by the integration tests
            }
            let key = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let spki = key.public_key_info().unwrap();
            let spki_der = spki.to_der().unwrap();
            let spki_ref = SubjectPublicKeyInfoRef::from_der(&spki_der).unwrap();
            let signature = key.sign(b"tbs", &mut OsEntropy).unwrap();
            verify_signature(algorithm, spki_ref.clone(), b"tbs", &signature).unwrap();
            let error = verify_signature(algorithm, spki_ref, b"tbx", &signature).unwrap_err();
            assert_eq!(error.code(), "InternalError", "{algorithm}");
            key.verify(b"tbs", &signature).unwrap();
            let error = key.verify(b"tbx", &signature).unwrap_err();
            assert_eq!(error.code(), "InternalError", "{algorithm}");
            let other = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            other.verify(b"tbs", &signature).unwrap_err();
        }
    }

    #[test]
    fn ec_pkcs8_is_what_the_curve_crates_write() {
        for algorithm in EC_ALGORITHMS {
            let key = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let theirs = match &key.secret {
                Secret::P256(key) => key.to_pkcs8_der(),
                Secret::P384(key) => key.to_pkcs8_der(),
                Secret::P521(key) => key.to_pkcs8_der(),
                Secret::Sm2(key) => key.secret_key().to_pkcs8_der(),
                Secret::Rsa(_) | Secret::Parts(_) => unreachable!(),
            }
            .unwrap();
            let ours = key.to_pkcs8_der().unwrap();
            assert_eq!(ours.as_slice(), theirs.as_bytes(), "{algorithm}");
            let back = match algorithm {
                Algorithm::Ecc256 => p256::ecdsa::SigningKey::from_pkcs8_der(&ours)
                    .unwrap()
                    .to_bytes()
                    .to_vec(),
                Algorithm::Ecc384 => p384::ecdsa::SigningKey::from_pkcs8_der(&ours)
                    .unwrap()
                    .to_bytes()
                    .to_vec(),
                Algorithm::Ecc512 => p521::ecdsa::SigningKey::from_pkcs8_der(&ours)
                    .unwrap()
                    .to_bytes()
                    .to_vec(),
                _ => sm2::SecretKey::from_pkcs8_der(&ours)
                    .unwrap()
                    .to_bytes()
                    .to_vec(),
            };
            let read = CaKey::from_pkcs8_der("PrivateKey", &ours).unwrap();
            assert_eq!(*read.to_pkcs8_der().unwrap(), *ours);
            assert!(!back.is_empty());
        }
    }

    /// The PKCS#8 document of `key` (EC or SM2) with the public key and curve parameter of
    /// its SEC 1 `ECPrivateKey` replaced.
    fn with_ec_private_key(
        key: &CaKey,
        public_key: Option<&[u8]>,
        parameters: Option<sec1::EcParameters>,
    ) -> Vec<u8> {
        let der = key.to_pkcs8_der().unwrap();
        let info = PrivateKeyInfoRef::from_der(&der).unwrap();
        let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).unwrap();
        let inner = sec1::EcPrivateKey {
            public_key,
            parameters,
            ..ec
        }
        .to_der()
        .unwrap();
        let info = PrivateKeyInfoRef::new(
            info.algorithm,
            der::asn1::OctetStringRef::new(&inner).unwrap(),
        );
        info.to_der().unwrap()
    }

    #[test]
    fn an_ec_key_is_read_with_its_embedded_public_key_checked() {
        for algorithm in EC_ALGORITHMS {
            let key = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let spki = key.public_key_info().unwrap();
            let read = |der: &[u8]| CaKey::from_pkcs8_der("PrivateKey", der);
            // Without the public key, or with it compressed: the same key.
            let bare = with_ec_private_key(&key, None, None);
            assert_eq!(read(&bare).unwrap().public_key_info().unwrap(), spki);
            let point = spki.subject_public_key.raw_bytes();
            let half = (point.len() - 1) / 2;
            let mut compressed = point[..=half].to_vec();
            compressed[0] = 0x02 | (point[point.len() - 1] & 1);
            let short = with_ec_private_key(&key, Some(&compressed), None);
            assert_eq!(read(&short).unwrap().public_key_info().unwrap(), spki);
            // Another key's public key, or a curve parameter that names another curve.
            let other = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let other_spki = other.public_key_info().unwrap();
            let other_point = other_spki.subject_public_key.raw_bytes();
            let foreign = with_ec_private_key(&key, Some(other_point), None);
            let error = read(&foreign).unwrap_err();
            assert_eq!(error.code(), "InvalidParameter.PrivateKey", "{algorithm}");
            assert_eq!(
                error.to_string(),
                "PrivateKey holds a public key that does not belong to its private key."
            );
            let wrong_curve = if algorithm == Algorithm::Ecc256 {
                SECP384R1
            } else {
                SECP256R1
            };
            let named = with_ec_private_key(
                &key,
                Some(point),
                Some(sec1::EcParameters::NamedCurve(wrong_curve)),
            );
            assert_eq!(
                read(&named).unwrap_err().code(),
                "InvalidParameter.PrivateKey"
            );
        }
    }

    #[test]
    fn a_trusted_ec_key_keeps_its_public_key_until_it_signs() {
        for algorithm in Algorithm::ALL {
            if algorithm == Algorithm::Rsa4096 {
                continue; // slow in debug builds
            }
            let key = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let der = key.to_pkcs8_der().unwrap();
            let trusted = CaKey::from_trusted_pkcs8_der("PrivateKey", &der).unwrap();
            let nist = matches!(
                algorithm,
                Algorithm::Ecc256 | Algorithm::Ecc384 | Algorithm::Ecc512
            );
            assert_eq!(
                matches!(trusted.secret, Secret::Parts(_)),
                nist,
                "{algorithm}"
            );
            assert_eq!(trusted.algorithm(), algorithm);
            assert_eq!(
                trusted.public_key_info().unwrap(),
                key.public_key_info().unwrap()
            );
            assert_eq!(*trusted.to_pkcs8_der().unwrap(), *der);
            let signature = trusted.sign(b"tbs", &mut OsEntropy).unwrap();
            key.verify(b"tbs", &signature).unwrap();
            trusted.verify(b"tbs", &signature).unwrap();
            trusted.verify(b"tbx", &signature).unwrap_err();
            if !nist {
                continue;
            }
            // Without a public key it is read in full; with another key's, it is taken as it
            // stands, and Rust refuses to sign with it.
            let bare = with_ec_private_key(&key, None, None);
            let read = CaKey::from_trusted_pkcs8_der("PrivateKey", &bare).unwrap();
            assert!(!matches!(read.secret, Secret::Parts(_)));
            let other = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let other_spki = other.public_key_info().unwrap();
            let other_point = other_spki.subject_public_key.raw_bytes();
            let foreign = with_ec_private_key(&key, Some(other_point), None);
            let claimed = CaKey::from_trusted_pkcs8_der("PrivateKey", &foreign).unwrap();
            assert_eq!(claimed.public_key_info().unwrap(), other_spki);
            let error = claimed.sign(b"tbs", &mut OsEntropy).unwrap_err();
            assert_eq!(
                error.to_string(),
                "An internal error occurred: the key does not match the public key it came with.",
                "{algorithm}"
            );
        }
    }

    #[test]
    fn encrypted_export_is_what_pkcs8_writes() {
        /// The same bytes for every run: a counter.
        struct Counter(u8);
        impl Entropy for Counter {
            fn fill(&mut self, dest: &mut [u8]) -> Result<(), crate::env::EntropyError> {
                for byte in dest {
                    self.0 = self.0.wrapping_add(1);
                    *byte = self.0;
                }
                Ok(())
            }
        }
        let key = CaKey::generate(Algorithm::Ecc256, &mut OsEntropy).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let info = PrivateKeyInfoRef::from_der(&der).unwrap();
        let theirs = info
            .encrypt_with_rng(&mut EntropyRng::new(&mut Counter(7)), "pass phrase")
            .unwrap();
        let ours =
            encrypt_pkcs8(&mut EntropyRng::new(&mut Counter(7)), b"pass phrase", &der).unwrap();
        assert_eq!(ours.as_bytes(), theirs.as_bytes());
        let pem = key
            .export_pkcs8_pem(KeyProtection::Passphrase("pass phrase"), &mut Counter(7))
            .unwrap();
        let (_, exported) = der::pem::decode_vec(pem.as_bytes()).unwrap();
        assert_eq!(exported, theirs.as_bytes());
    }

    #[test]
    fn pkcs8_round_trip_keeps_the_algorithm() {
        for algorithm in [
            Algorithm::Rsa1024,
            Algorithm::Ecc256,
            Algorithm::Ecc384,
            Algorithm::Ecc512,
            Algorithm::Sm2_256,
        ] {
            let key = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
            let der = key.to_pkcs8_der().unwrap();
            let back = CaKey::from_pkcs8_der("PrivateKey", &der).unwrap();
            assert_eq!(back.algorithm(), algorithm);
            assert_eq!(
                back.public_key_info().unwrap(),
                key.public_key_info().unwrap()
            );
        }
    }
}
