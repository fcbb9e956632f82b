//! The certificate profile of the contract ("Algorithms", "The certificate"), asserted through
//! x509-parser (rusticata, independent of the x509-cert crate that builds the certificates) and
//! through raw DER where the exact encoding matters.

use private_ca::Algorithm;
use sha1::{Digest, Sha1};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{AlgorithmIdentifier, X509Name, X509Version};

use crate::der_walk::{self, Tlv};
use crate::issue::{Issued, Subject};

/// What the tests need of one row of the contract's algorithm table.
pub struct Expected {
    /// The signature AlgorithmIdentifier, DER, exactly.
    pub signature_algorithm: &'static [u8],
    /// The dotted signature OID.
    pub signature_oid: &'static str,
    /// The dotted SubjectPublicKeyInfo algorithm OID.
    pub key_oid: &'static str,
    /// The namedCurve, dotted; `None` for RSA.
    pub curve: Option<&'static str>,
    /// RSA modulus bits, or the curve's field size in octets for EC points.
    pub size: usize,
}

/// sha256WithRSAEncryption with NULL parameters.
const SHA256_WITH_RSA: &[u8] = &[
    0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00,
];
/// ecdsa-with-SHA256, parameters absent.
const ECDSA_WITH_SHA256: &[u8] = &[
    0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
];
/// SM2-with-SM3 (1.2.156.10197.1.501), parameters absent.
const SM2_WITH_SM3: &[u8] = &[
    0x30, 0x0A, 0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75,
];

/// The contract's row for `algorithm`.
pub fn expected(algorithm: Algorithm) -> Expected {
    let rsa = |bits| Expected {
        signature_algorithm: SHA256_WITH_RSA,
        signature_oid: "1.2.840.113549.1.1.11",
        key_oid: "1.2.840.113549.1.1.1",
        curve: None,
        size: bits,
    };
    let ec = |signature_algorithm, signature_oid, curve, octets| Expected {
        signature_algorithm,
        signature_oid,
        key_oid: "1.2.840.10045.2.1",
        curve: Some(curve),
        size: octets,
    };
    match algorithm {
        Algorithm::Rsa1024 => rsa(1024),
        Algorithm::Rsa2048 => rsa(2048),
        Algorithm::Rsa4096 => rsa(4096),
        Algorithm::Ecc256 => ec(
            ECDSA_WITH_SHA256,
            "1.2.840.10045.4.3.2",
            "1.2.840.10045.3.1.7",
            32,
        ),
        Algorithm::Ecc384 => ec(ECDSA_WITH_SHA256, "1.2.840.10045.4.3.2", "1.3.132.0.34", 48),
        Algorithm::Ecc512 => ec(ECDSA_WITH_SHA256, "1.2.840.10045.4.3.2", "1.3.132.0.35", 66),
        Algorithm::Sm2_256 => ec(
            SM2_WITH_SM3,
            "1.2.156.10197.1.501",
            "1.2.156.10197.1.301",
            32,
        ),
    }
}

/// What the later checks (OpenSSL, bulk statistics) need from a certificate.
pub struct Facts {
    /// The serial's 16 contents octets.
    pub serial: Vec<u8>,
    /// The subjectKeyIdentifier (20 octets).
    pub key_id: Vec<u8>,
    /// The DER TBSCertificate, as signed.
    pub tbs: Vec<u8>,
    /// The signature BIT STRING's contents (unused-bits octet stripped).
    pub signature: Vec<u8>,
    /// The SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
    /// For ECDSA and SM2: (r, s) magnitudes without sign octets, and whether each needed a
    /// leading 0x00 in DER.
    pub ec_signature: Option<EcSignature>,
    /// notBefore: DER tag and text.
    pub not_before: (u8, String),
    /// notAfter: DER tag and text.
    pub not_after: (u8, String),
    /// notBefore and notAfter in Unix seconds, as x509-parser reads them.
    pub validity_seconds: (i64, i64),
}

/// An ECDSA or SM2 signature's two integers as they were encoded.
pub struct EcSignature {
    /// Octets of r without its sign octet.
    pub r_len: usize,
    /// Octets of s without its sign octet.
    pub s_len: usize,
    /// Whether r carried a 0x00 sign octet.
    pub r_padded: bool,
    /// Whether s carried a 0x00 sign octet.
    pub s_padded: bool,
}

/// Asserts everything the contract says about the certificate's contents, for `issued`.
pub fn assert_root_profile(issued: &Issued) -> Facts {
    let what = issued.algorithm.name();
    let want = expected(issued.algorithm);
    let (rest, cert) = x509_parser::parse_x509_certificate(&issued.der)
        .unwrap_or_else(|e| panic!("{what}: x509-parser refuses the certificate: {e:?}"));
    assert!(rest.is_empty(), "{what}: bytes after the certificate");
    let tbs = &cert.tbs_certificate;

    assert_eq!(tbs.version, X509Version::V3, "{what}: version");
    assert!(tbs.issuer_uid.is_none() && tbs.subject_uid.is_none());

    let serial = tbs.raw_serial().to_vec();
    assert_eq!(serial.len(), 16, "{what}: serial {serial:02x?}");
    assert!(
        (0x40..=0x7F).contains(&serial[0]),
        "{what}: serial {serial:02x?}"
    );

    assert_signature_algorithm(&tbs.signature, &want, what);
    assert_signature_algorithm(&cert.signature_algorithm, &want, what);

    assert_eq!(
        tbs.issuer.as_raw(),
        tbs.subject.as_raw(),
        "{what}: issuer and subject differ"
    );
    assert_subject(&tbs.subject, &issued.subject, what);

    let spki = tbs.subject_pki.raw.to_vec();
    assert_public_key(&cert, &want, what);
    let key_id = assert_extensions(&cert, what);

    let raw = assert_raw_layout(&issued.der, &want, what);
    assert_eq!(raw.tbs, tbs.as_ref(), "{what}: TBS bytes");
    assert_eq!(raw.serial_content, serial, "{what}: serial bytes");
    assert_eq!(
        cert.signature_value.unused_bits, 0,
        "{what}: signature bits"
    );
    let signature = cert.signature_value.data.to_vec();
    let ec_signature = if want.curve.is_some() {
        Some(assert_ec_signature(&signature, want.size, what))
    } else {
        // RSASSA-PKCS1-v1_5: the signature is exactly as long as the modulus (RFC 8017 §8.2.1).
        assert_eq!(
            signature.len(),
            want.size / 8,
            "{what}: RSA signature length"
        );
        None
    };
    assert_validity_agrees(&cert, &raw, what);
    Facts {
        serial,
        key_id,
        tbs: raw.tbs.to_vec(),
        signature,
        spki,
        ec_signature,
        not_before: raw.not_before,
        not_after: raw.not_after,
        validity_seconds: (
            cert.validity().not_before.timestamp(),
            cert.validity().not_after.timestamp(),
        ),
    }
}

fn assert_signature_algorithm(algorithm: &AlgorithmIdentifier<'_>, want: &Expected, what: &str) {
    assert_eq!(
        algorithm.algorithm.to_id_string(),
        want.signature_oid,
        "{what}: signature OID"
    );
    match (&algorithm.parameters, want.curve) {
        (None, Some(_)) => {}
        (Some(null), None) => {
            assert_eq!(null.tag().0, 0x05, "{what}: RSA parameters are not NULL");
            assert!(null.data.is_empty(), "{what}: NULL with contents");
        }
        (parameters, _) => panic!("{what}: signature parameters {parameters:?}"),
    }
}

/// C (PrintableString, only if sent), ST, L, O, OU, CN (UTF8String), one attribute per RDN, in
/// that order.
fn assert_subject(name: &X509Name<'_>, subject: &Subject, what: &str) {
    let expected = subject.expected_rdns();
    let rdns: Vec<_> = name.iter_rdn().collect();
    assert_eq!(rdns.len(), expected.len(), "{what}: RDN count");
    for (rdn, (oid, _, tag, value)) in rdns.iter().zip(&expected) {
        let attributes: Vec<_> = rdn.iter().collect();
        assert_eq!(attributes.len(), 1, "{what}: {oid} shares its RDN");
        let attribute = attributes[0];
        assert_eq!(
            attribute.attr_type().to_id_string(),
            *oid,
            "{what}: RDN order"
        );
        let found = attribute.attr_value().tag().0;
        assert_eq!(found, u32::from(*tag), "{what}: string type of {oid}");
        assert_eq!(attribute.as_str().unwrap(), value, "{what}: value of {oid}");
    }
    // The same, on the raw bytes: Name ::= SEQUENCE OF SET OF SEQUENCE { OID, value }.
    let name = der_walk::read_all(name.as_raw());
    let sets = der_walk::children(&name);
    assert_eq!(sets.len(), expected.len(), "{what}: raw RDN count");
    for (set, (_, _, tag, value)) in sets.iter().zip(&expected) {
        assert_eq!(set.tag, 0x31, "{what}: RDN is not a SET");
        let inner = der_walk::children(set);
        assert_eq!(inner.len(), 1);
        let pair = der_walk::children(&inner[0]);
        assert_eq!(pair[1].tag, *tag, "{what}: raw string tag");
        assert_eq!(
            pair[1].content,
            value.as_bytes(),
            "{what}: raw string bytes"
        );
    }
}

fn assert_public_key(cert: &X509Certificate<'_>, want: &Expected, what: &str) {
    let spki = cert.public_key();
    assert_eq!(
        spki.algorithm.algorithm.to_id_string(),
        want.key_oid,
        "{what}"
    );
    assert_eq!(spki.subject_public_key.unused_bits, 0, "{what}: key bits");
    let parameters = spki.algorithm.parameters.as_ref().expect("parameters");
    match (spki.parsed().expect("a readable public key"), want.curve) {
        (PublicKey::RSA(key), None) => {
            assert_eq!(parameters.tag().0, 0x05, "{what}: rsaEncryption NULL");
            assert!(parameters.data.is_empty());
            assert_eq!(key.key_size(), want.size, "{what}: modulus bits");
            // DER INTEGER of an n-bit modulus: 0x00 sign octet, then n/8 octets, top bit set.
            assert_eq!(
                key.modulus.len(),
                want.size / 8 + 1,
                "{what}: modulus octets"
            );
            assert_eq!(key.modulus[0], 0, "{what}: modulus sign octet");
            assert!(key.modulus[1] >= 0x80, "{what}: modulus top bit");
            assert_eq!(key.try_exponent().unwrap(), 65_537, "{what}: exponent");
            assert_eq!(key.exponent, [0x01, 0x00, 0x01], "{what}: exponent octets");
        }
        (PublicKey::EC(point), Some(curve)) => {
            let oid = parameters.as_oid().expect("namedCurve");
            assert_eq!(oid.to_id_string(), curve, "{what}: curve");
            let data = point.data();
            assert_eq!(data[0], 0x04, "{what}: point not uncompressed");
            assert_eq!(data.len(), 1 + 2 * want.size, "{what}: point length");
        }
        (other, _) => panic!("{what}: unexpected public key {other:?}"),
    }
}

/// Exactly basicConstraints, keyUsage, subjectKeyIdentifier and authorityKeyIdentifier; returns
/// the key identifier.
fn assert_extensions(cert: &X509Certificate<'_>, what: &str) -> Vec<u8> {
    let tbs = &cert.tbs_certificate;
    let key_id = Sha1::digest(&*tbs.subject_pki.subject_public_key.data).to_vec();
    let mut seen = Vec::new();
    for extension in tbs.extensions() {
        let oid = extension.oid.to_id_string();
        let (critical, der): (bool, Vec<u8>) = match extension.parsed_extension() {
            ParsedExtension::BasicConstraints(basic) => {
                assert!(basic.ca, "{what}: cA");
                assert_eq!(basic.path_len_constraint, None, "{what}: pathLen");
                (true, vec![0x30, 0x03, 0x01, 0x01, 0xFF])
            }
            ParsedExtension::KeyUsage(usage) => {
                // Bits 5 (keyCertSign) and 6 (cRLSign) only; x509-parser numbers bit 0 = 1.
                assert_eq!(usage.flags, 0x60, "{what}: keyUsage {usage}");
                // BIT STRING, one unused bit (DER drops trailing zero bits): 0000011.
                (true, vec![0x03, 0x02, 0x01, 0x06])
            }
            ParsedExtension::SubjectKeyIdentifier(id) => {
                assert_eq!(id.0, key_id, "{what}: SKI is not SHA-1 of the key bits");
                (false, [0x04, 0x14].iter().chain(&key_id).copied().collect())
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                let id = aki.key_identifier.as_ref().expect("AKI keyIdentifier");
                assert_eq!(id.0, key_id, "{what}: AKI differs from SKI");
                assert!(aki.authority_cert_issuer.is_none(), "{what}: AKI issuer");
                assert!(aki.authority_cert_serial.is_none(), "{what}: AKI serial");
                let der = [0x30, 0x16, 0x80, 0x14]
                    .iter()
                    .chain(&key_id)
                    .copied()
                    .collect();
                (false, der)
            }
            other => panic!("{what}: unexpected extension {oid}: {other:?}"),
        };
        assert_eq!(extension.critical, critical, "{what}: criticality of {oid}");
        assert_eq!(extension.value, der, "{what}: DER of {oid}");
        seen.push(oid);
    }
    seen.sort();
    assert_eq!(
        seen,
        ["2.5.29.14", "2.5.29.15", "2.5.29.19", "2.5.29.35"],
        "{what}: extensions"
    );
    key_id
}

/// What the raw walk found.
struct RawLayout<'a> {
    tbs: &'a [u8],
    serial_content: Vec<u8>,
    not_before: (u8, String),
    not_after: (u8, String),
}

/// Walks the certificate's DER: three elements outside, eight in the TBS, the version, the two
/// signature AlgorithmIdentifiers byte for byte, and the time tags.
fn assert_raw_layout<'a>(der: &'a [u8], want: &Expected, what: &str) -> RawLayout<'a> {
    let certificate = der_walk::read_all(der);
    let outer = der_walk::children(&certificate);
    assert_eq!(outer.len(), 3, "{what}: Certificate fields");
    let fields = der_walk::children(&outer[0]);
    assert_eq!(fields.len(), 8, "{what}: TBSCertificate fields");
    assert_eq!(fields[0].raw, [0xA0, 0x03, 0x02, 0x01, 0x02], "{what}: v3");
    let serial = der_walk::positive_integer(&fields[1], "serial");
    assert_eq!(fields[1].content.len(), 16, "{what}: serial content octets");
    assert_eq!(
        fields[2].raw, want.signature_algorithm,
        "{what}: tbs signature"
    );
    assert_eq!(
        outer[1].raw, want.signature_algorithm,
        "{what}: signatureAlgorithm"
    );
    assert_eq!(fields[3].raw, fields[5].raw, "{what}: issuer != subject");
    assert_eq!(fields[7].tag, 0xA3, "{what}: extensions [3]");
    assert_eq!(outer[2].tag, 0x03, "{what}: signature BIT STRING");
    let times = der_walk::children(&fields[4]);
    assert_eq!(times.len(), 2, "{what}: Validity");
    let time = |t: &Tlv<'_>| (t.tag, String::from_utf8(t.content.to_vec()).unwrap());
    RawLayout {
        tbs: outer[0].raw,
        serial_content: serial.to_vec(),
        not_before: time(&times[0]),
        not_after: time(&times[1]),
    }
}

/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3; GB/T 35276 for
/// SM2), both minimal and positive, each at most the field size.
fn assert_ec_signature(signature: &[u8], field: usize, what: &str) -> EcSignature {
    let sequence = der_walk::read_all(signature);
    assert_eq!(sequence.tag, 0x30, "{what}: signature is not a SEQUENCE");
    let integers = der_walk::children(&sequence);
    assert_eq!(integers.len(), 2, "{what}: signature fields");
    let r = der_walk::positive_integer(&integers[0], "r");
    let s = der_walk::positive_integer(&integers[1], "s");
    assert!(
        r.len() <= field && s.len() <= field,
        "{what}: r or s too long"
    );
    EcSignature {
        r_len: r.len(),
        s_len: s.len(),
        r_padded: integers[0].content.len() > r.len(),
        s_padded: integers[1].content.len() > s.len(),
    }
}

/// x509-parser's reading of the times matches the raw tags: UTCTime up to 2049, GeneralizedTime
/// from 2050 (RFC 5280 §4.1.2.5), and the same instants.
fn assert_validity_agrees(cert: &X509Certificate<'_>, raw: &RawLayout<'_>, what: &str) {
    let validity = cert.validity();
    for (time, (tag, text)) in [
        (validity.not_before, &raw.not_before),
        (validity.not_after, &raw.not_after),
    ] {
        let year = time.to_datetime().year();
        let utc = year <= 2049;
        assert_eq!(time.is_utctime(), utc, "{what}: {text} in {year}");
        assert_eq!(*tag, if utc { 0x17 } else { 0x18 }, "{what}: tag of {text}");
        assert!(text.ends_with('Z'), "{what}: {text} is not in UTC");
        assert_eq!(text.len(), if utc { 13 } else { 15 }, "{what}: {text}");
    }
}
