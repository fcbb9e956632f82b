//! What a root CA certificate contains: subject, serial, validity and extensions.
//!
//! This is the certificate profile of the contract ("The certificate"), written as an
//! `x509-cert` [`BuilderProfile`]. The ready-made CA/Browser Forum root profile of `x509-cert`
//! refuses an OU attribute, which every request here carries, so the profile is our own.

use der::asn1::{Any, BitString, GeneralizedTime, ObjectIdentifier, OctetString};
use der::asn1::{PrintableStringRef, Utf8StringRef};
use der::{DateTime, Decode, Encode, Tagged};
use sha1::{Digest, Sha1};
use signature::Keypair;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef,
};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::algorithm::Algorithm;
use crate::env::{Entropy, UnixMillis};
use crate::error::{ApiError, internal};
use crate::keys::CaKey;
use crate::request::SubjectFields;

/// Seconds by which notBefore precedes the issuance instant, for clock skew.
pub const BACKDATE_SECONDS: u64 = 60;
/// Octets of a serial number.
pub const SERIAL_OCTETS: usize = 16;

const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const STATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const LOCALITY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const ORGANIZATION_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// A self-signed root CA certificate, DER-encoded and verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The certificate's DER bytes.
    pub der: Vec<u8>,
}

impl IssuedCertificate {
    /// The PEM text: base64 in lines of 64, LF line ends, no trailing newline.
    pub fn pem(&self) -> String {
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.der)
            // Encoding bytes as PEM cannot fail for a label this short.
            .unwrap_or_default();
        pem.trim_end_matches('\n').to_owned()
    }
}

/// A root CA certificate complete but for its signature: the DER `TBSCertificate` waits to be
/// signed by the certificate's own key, here ([`crate::keys::CaKey::sign`]) or by a signer
/// outside the crate (WebCrypto).
pub struct UnsignedRoot {
    builder: CertificateBuilder<RootProfile>,
    signer: SignerInfo,
    tbs: Vec<u8>,
}

impl core::fmt::Debug for UnsignedRoot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UnsignedRoot")
            .field("algorithm", &self.signer.algorithm)
            .field("tbs_len", &self.tbs.len())
            .finish_non_exhaustive()
    }
}

impl UnsignedRoot {
    /// The DER `TBSCertificate`: the bytes the signature covers.
    pub fn to_be_signed(&self) -> &[u8] {
        &self.tbs
    }

    /// The SubjectPublicKeyInfo the certificate carries: the key its signature must verify
    /// with.
    pub fn public_key_info(&self) -> &SubjectPublicKeyInfoOwned {
        &self.signer.spki
    }

    /// Checks that `key` is the certificate's key, verifies `signature` (in the certificate's
    /// encoding: the RSA signature block, or DER `ECDSA-Sig-Value` for ECDSA and SM2) over the
    /// `TBSCertificate` with that public key, then assembles the certificate.
    ///
    /// # Errors
    ///
    /// `InternalError` when the key is not the certificate's, the signature does not verify,
    /// or the certificate cannot be encoded.
    pub fn finish(self, key: &CaKey, signature: &[u8]) -> Result<IssuedCertificate, ApiError> {
        self.check_key(key)?;
        key.verify(&self.tbs, signature)?;
        self.assemble(signature)
    }

    /// [`UnsignedRoot::finish`] for a signature that the platform's own cryptography has
    /// verified over [`UnsignedRoot::to_be_signed`] with [`UnsignedRoot::public_key_info`]
    /// (WebCrypto's `verify`, given exactly these bytes).
    ///
    /// # Errors
    ///
    /// `InternalError` when the key is not the certificate's or the certificate cannot be
    /// encoded.
    pub fn finish_verified(
        self,
        key: &CaKey,
        signature: &[u8],
    ) -> Result<IssuedCertificate, ApiError> {
        self.check_key(key)?;
        self.assemble(signature)
    }

    fn check_key(&self, key: &CaKey) -> Result<(), ApiError> {
        if key.public_key_info()? != self.signer.spki {
            return Err(ApiError::internal(
                "the key does not match the certificate's public key",
            ));
        }
        Ok(())
    }

    fn assemble(self, signature: &[u8]) -> Result<IssuedCertificate, ApiError> {
        let failed =
            |what: &str| ApiError::internal(format!("the certificate could not be built: {what}"));
        let signature = BitString::from_bytes(signature).map_err(|_| failed("signature"))?;
        let certificate = self
            .builder
            .assemble(signature, &self.signer)
            .map_err(|e| failed(&e.to_string()))?;
        let der = certificate.to_der().map_err(|_| failed("encoding"))?;
        Ok(IssuedCertificate { der })
    }
}

/// Builds the self-signed root CA certificate of a key, given by its algorithm and public key,
/// up to its signature.
///
/// # Errors
///
/// `InternalError` when the clock is out of range, randomness fails, or encoding fails.
pub fn build_root(
    subject: &SubjectFields,
    years: u8,
    algorithm: Algorithm,
    spki: SubjectPublicKeyInfoOwned,
    now: UnixMillis,
    entropy: &mut dyn Entropy,
) -> Result<UnsignedRoot, ApiError> {
    let failed =
        |what: &str| ApiError::internal(format!("the certificate could not be built: {what}"));
    let profile = RootProfile {
        subject: subject_name(subject)?,
    };
    let signer = SignerInfo { algorithm, spki };
    let mut builder = CertificateBuilder::new(
        profile,
        serial_number(entropy)?,
        validity(now, years)?,
        signer.spki.clone(),
    )
    .map_err(|e| failed(&e.to_string()))?;
    let tbs = builder
        .finalize(&signer)
        .map_err(|e| failed(&e.to_string()))?;
    Ok(UnsignedRoot {
        builder,
        signer,
        tbs,
    })
}

/// The subject: C (if given), ST, L, O, OU, CN, one attribute per RDN. C is a
/// PrintableString, all others UTF8String.
///
/// # Errors
///
/// `InternalError` if an attribute cannot be encoded (validated input always can).
pub fn subject_name(fields: &SubjectFields) -> Result<Name, ApiError> {
    let failed = "the subject could not be encoded";
    let mut rdns = RdnSequence::default();
    if let Some(country) = fields.country {
        let value = PrintableStringRef::new(country).map_err(internal(failed))?;
        rdns.push(rdn(COUNTRY, &value)?);
    }
    let texts = [
        (STATE, &fields.state),
        (LOCALITY, &fields.locality),
        (ORGANIZATION, &fields.organization),
        (ORGANIZATION_UNIT, &fields.organization_unit),
        (COMMON_NAME, &fields.common_name),
    ];
    for (oid, text) in texts {
        let value = Utf8StringRef::new(text).map_err(internal(failed))?;
        rdns.push(rdn(oid, &value)?);
    }
    // `Name` has no public constructor from an RDN sequence without the `hazmat` feature;
    // the two share one encoding.
    let der = rdns.to_der().map_err(internal(failed))?;
    Name::from_der(&der).map_err(internal(failed))
}

fn rdn(
    oid: ObjectIdentifier,
    value: &(impl der::EncodeValue + Tagged),
) -> Result<RelativeDistinguishedName, ApiError> {
    let failed = "the subject could not be encoded";
    let mut rdn = RelativeDistinguishedName::default();
    rdn.insert(AttributeTypeAndValue {
        oid,
        value: Any::encode_from(value).map_err(internal(failed))?,
    })
    .map_err(internal(failed))?;
    Ok(rdn)
}

/// The validity period for an issuance at `now`: notBefore is `now` (truncated to whole
/// seconds) less [`BACKDATE_SECONDS`]; notAfter is `now` plus `years` calendar years, same
/// month, day and time, with 29 February becoming 28 February in a common year. The builder
/// encodes years up to 2049 as UTCTime and later ones as GeneralizedTime (RFC 5280 §4.1.2.5).
///
/// # Errors
///
/// `InternalError` when `now` is before 1970 or the result is past 9999.
pub fn validity(now: UnixMillis, years: u8) -> Result<Validity, ApiError> {
    let out_of_range = "the clock is out of range";
    let seconds = u64::try_from(now.div_euclid(1000)).map_err(internal(out_of_range))?;
    let not_before = seconds
        .checked_sub(BACKDATE_SECONDS)
        .ok_or(ApiError::internal("the clock is out of range"))?;
    let issued = DateTime::from_unix_duration(core::time::Duration::from_secs(seconds))
        .map_err(internal(out_of_range))?;
    let not_before = DateTime::from_unix_duration(core::time::Duration::from_secs(not_before))
        .map_err(internal(out_of_range))?;
    let year = issued.year() + u16::from(years);
    let day = if issued.month() == 2 && issued.day() == 29 && !is_leap_year(year) {
        28
    } else {
        issued.day()
    };
    let not_after = DateTime::new(
        year,
        issued.month(),
        day,
        issued.hour(),
        issued.minutes(),
        issued.seconds(),
    )
    .map_err(internal(out_of_range))?;
    Ok(Validity::new(
        Time::GeneralTime(GeneralizedTime::from_date_time(not_before)),
        Time::GeneralTime(GeneralizedTime::from_date_time(not_after)),
    ))
}

fn is_leap_year(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// A serial number of exactly [`SERIAL_OCTETS`] random octets, the first in 0x40–0x7F: positive,
/// never zero, minimal in DER without padding, with 126 random bits.
///
/// # Errors
///
/// `InternalError` when the random number source fails.
pub fn serial_number(entropy: &mut dyn Entropy) -> Result<SerialNumber, ApiError> {
    let mut bytes = [0u8; SERIAL_OCTETS];
    entropy.fill(&mut bytes)?;
    bytes[0] = (bytes[0] & 0x7F) | 0x40;
    SerialNumber::new(&bytes)
        .map_err(|_| ApiError::internal("the serial number could not be encoded"))
}

/// The key identifier of RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
pub fn key_identifier(spki: SubjectPublicKeyInfoRef<'_>) -> [u8; 20] {
    Sha1::digest(spki.subject_public_key.raw_bytes()).into()
}

/// The root CA profile of the contract: issuer = subject, and four extensions.
struct RootProfile {
    subject: Name,
}

impl BuilderProfile for RootProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    /// basicConstraints (critical, cA, no pathLen), keyUsage (critical, keyCertSign and
    /// cRLSign), subjectKeyIdentifier and authorityKeyIdentifier (keyIdentifier only).
    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let key_id = key_identifier(spk);
        let basic = BasicConstraints {
            ca: true,
            path_len_constraint: None,
        };
        let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let authority = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_id.to_vec())?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        Ok(vec![
            extension(BASIC_CONSTRAINTS, true, &basic)?,
            extension(KEY_USAGE, true, &usage)?,
            extension(
                SUBJECT_KEY_IDENTIFIER,
                false,
                &OctetString::new(key_id.to_vec())?,
            )?,
            extension(AUTHORITY_KEY_IDENTIFIER, false, &authority)?,
        ])
    }
}

fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// What the builder needs to know of the signer: its public key and signature algorithm.
/// The signature itself is made by [`CaKey::sign`].
struct SignerInfo {
    algorithm: Algorithm,
    spki: SubjectPublicKeyInfoOwned,
}

#[derive(Clone)]
struct PublicKey(SubjectPublicKeyInfoOwned);

impl EncodePublicKey for PublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::encode_msg(&self.0)?)
    }
}

impl Keypair for SignerInfo {
    type VerifyingKey = PublicKey;

    fn verifying_key(&self) -> PublicKey {
        PublicKey(self.spki.clone())
    }
}

impl DynSignatureAlgorithmIdentifier for SignerInfo {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.signature_algorithm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(time: &Time) -> String {
        time.to_date_time().to_string()
    }

    #[test]
    fn leap_day_maps_to_28_february_in_common_years() {
        // 2028-02-29T12:34:56.789Z
        let now = 1_835_440_496_789;
        let one = validity(now, 1).unwrap();
        assert_eq!(date(&one.not_before), "2028-02-29T12:33:56Z");
        assert_eq!(date(&one.not_after), "2029-02-28T12:34:56Z");
        let four = validity(now, 4).unwrap();
        assert_eq!(date(&four.not_after), "2032-02-29T12:34:56Z");
    }

    #[test]
    fn serial_first_octet_is_in_range() {
        let mut zeros = |dest: &mut [u8]| dest.fill(0);
        let mut ones = |dest: &mut [u8]| dest.fill(0xFF);
        for fill in [&mut zeros as &mut dyn FnMut(&mut [u8]), &mut ones] {
            struct Fixed<'a>(&'a mut dyn FnMut(&mut [u8]));
            impl Entropy for Fixed<'_> {
                fn fill(&mut self, dest: &mut [u8]) -> Result<(), crate::env::EntropyError> {
                    (self.0)(dest);
                    Ok(())
                }
            }
            let serial = serial_number(&mut Fixed(fill)).unwrap();
            assert_eq!(serial.as_bytes().len(), SERIAL_OCTETS);
            assert!((0x40..=0x7F).contains(&serial.as_bytes()[0]));
        }
    }
}
