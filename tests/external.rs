//! Every issued certificate, read by tools we did not write, with exact expected values.
//!
//! Roots are issued through `dispatch(.., "CreateRootCACertificate", ..)` with an injected
//! clock and read by:
//!
//! - **x509-parser** (rusticata; independent of RustCrypto's x509-cert, which builds them) and a
//!   small raw DER walker: version, serial, signature and key algorithms with their exact DER,
//!   key sizes and points, subject order and string tags, the four extensions byte for byte,
//!   validity times and their tags, minimal INTEGERs in ECDSA/SM2 signatures;
//! - **OpenSSL 3** (`/usr/bin/openssl`, or `$OPENSSL`): `x509 -text` and `-ocspid` (its own
//!   SHA-1 of the key bits must equal the SKI), `asn1parse` for the time tags, `verify
//!   -x509_strict -check_ss_sig` for RSA and ECC, and for SM2 `pkeyutl -verify` with signer ID
//!   `1234567812345678` (OpenSSL 3.0's `verify` uses an empty SM2 ID, see TOOLCHAIN.md), each
//!   with a negative control that must fail;
//! - **pkilint** (`.venv-lint/bin/lint_pkix_cert lint -s WARNING`): no findings. When
//!   `.venv-lint` is missing the lint is skipped with a loud message, except under `CI`, where
//!   that is a failure.
//!
//! RSA_4096 is issued once (key generation is slow); the bulk tests issue 200 ECC_256 and 200
//! SM2_256 roots so that a one-in-256 encoding fault would show.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "external/der.rs"]
mod der_walk;
#[path = "external/issue.rs"]
mod issue;
#[path = "external/profile.rs"]
mod profile;
#[path = "external/tools.rs"]
mod tools;

use std::collections::BTreeSet;

use private_ca::Algorithm;

use issue::{COMMON_NAME, Issued, Subject, account_at, issue, issue_in, unix_millis};
use profile::{Facts, assert_root_profile};
use tools::{Scratch, assert_pkilint_clean};

/// Issuance instant of the per-algorithm tests, with `Years` 10 (notAfter still UTCTime).
const ISSUED_AT: &str = "2031-06-15T08:09:10.500Z";
/// The SM2 signer ID of GB/T 35276, and one that differs in the last digit.
const SM2_ID: &str = "distid:1234567812345678";
const SM2_WRONG_ID: &str = "distid:1234567812345679";

#[test]
fn rsa_1024_passes_every_tool() {
    let (issued, facts, scratch) = read_with_every_tool(Algorithm::Rsa1024);
    // `openssl verify` sets no authentication level unless asked; at level 2 (OpenSSL's
    // default security level, what TLS uses) a 1024-bit key is refused, as the contract warns.
    // So the positive check runs at level 0 and the refusal is asserted at level 2.
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "0"]).ok();
    let refused = openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).failed();
    assert!(refused.contains("key too weak"), "{refused}");
    assert_corrupted_signature_fails(&scratch, &issued, &facts, &["-auth_level", "0"]);
}

#[test]
fn rsa_2048_passes_every_tool() {
    let (issued, facts, scratch) = read_with_every_tool(Algorithm::Rsa2048);
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).ok();
    assert_corrupted_signature_fails(&scratch, &issued, &facts, &[]);
}

#[test]
fn rsa_4096_passes_every_tool() {
    let (issued, facts, scratch) = read_with_every_tool(Algorithm::Rsa4096);
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).ok();
    assert_corrupted_signature_fails(&scratch, &issued, &facts, &[]);
}

#[test]
fn ecc_256_passes_every_tool() {
    let (issued, facts, scratch) = read_with_every_tool(Algorithm::Ecc256);
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).ok();
    assert_corrupted_signature_fails(&scratch, &issued, &facts, &[]);
}

#[test]
fn ecc_384_passes_every_tool() {
    let (issued, facts, scratch) = read_with_every_tool(Algorithm::Ecc384);
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).ok();
    assert_corrupted_signature_fails(&scratch, &issued, &facts, &[]);
}

#[test]
fn ecc_512_passes_every_tool() {
    let (issued, facts, scratch) = read_with_every_tool(Algorithm::Ecc512);
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).ok();
    assert_corrupted_signature_fails(&scratch, &issued, &facts, &[]);
}

#[test]
fn sm2_256_passes_every_tool() {
    let (_issued, facts, scratch) = read_with_every_tool(Algorithm::Sm2_256);
    // Take the certificate apart with OpenSSL alone: TBS, signature and public key.
    scratch
        .openssl(&[
            "asn1parse",
            "-in",
            "c.pem",
            "-strparse",
            "4",
            "-noout",
            "-out",
            "tbs.der",
        ])
        .ok();
    let listing = scratch.openssl(&["asn1parse", "-in", "c.pem"]).ok();
    let signature_line = listing
        .lines()
        .rfind(|line| line.contains(":d=1 ") && line.contains("BIT STRING"))
        .expect("the signature BIT STRING");
    let offset = signature_line.split(':').next().unwrap().trim();
    scratch
        .openssl(&[
            "asn1parse",
            "-in",
            "c.pem",
            "-strparse",
            offset,
            "-noout",
            "-out",
            "sig.der",
        ])
        .ok();
    scratch
        .openssl(&[
            "x509", "-in", "c.pem", "-pubkey", "-noout", "-out", "pub.pem",
        ])
        .ok();
    // OpenSSL and x509-parser agree on what was signed and on the signature.
    assert_eq!(scratch.read("tbs.der"), facts.tbs);
    assert_eq!(scratch.read("sig.der"), facts.signature);

    let verify = |id: &str, signature: &str| {
        scratch.openssl(&[
            "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3", "-in",
            "tbs.der", "-sigfile", signature, "-pkeyopt", id,
        ])
    };
    let ok = verify(SM2_ID, "sig.der").ok();
    assert!(ok.contains("Signature Verified Successfully"), "{ok}");
    // Negative controls: another signer ID, and a signature with one octet changed.
    let wrong_id = verify(SM2_WRONG_ID, "sig.der").failed();
    assert!(
        wrong_id.contains("Signature Verification Failure"),
        "{wrong_id}"
    );
    let mut corrupted = facts.signature.clone();
    *corrupted.last_mut().unwrap() ^= 0x01;
    scratch.write("bad-sig.der", corrupted);
    let bad = verify(SM2_ID, "bad-sig.der").failed();
    assert!(bad.contains("Signature Verification Failure"), "{bad}");
}

#[test]
fn longest_names_without_country_pass_every_tool() {
    // The X.520 upper bounds in characters: 64 for CN, O and OU, 128 for L and ST. In UTF-8
    // these run to 256 and 384 octets (two-octet DER lengths), with supplementary-plane
    // characters (four octets each, two UTF-16 units) and a ZWJ.
    let pad = |text: &str, fill: char, count: usize| {
        let mut text = text.to_owned();
        while text.chars().count() < count {
            text.push(fill);
        }
        text
    };
    let subject = Subject {
        country: None,
        state: "浙".repeat(128),
        locality: pad("Hángzhōu 杭州 ", '杭', 128),
        organization: "𠮷".repeat(64),
        organization_unit: pad("Sécurité & 安全 क्\u{200D}ष ", '安', 64),
        common_name: pad("阿里云根CA 測試 ", '測', 64),
    };
    for (field, count) in [
        (&subject.state, 128),
        (&subject.locality, 128),
        (&subject.organization, 64),
        (&subject.organization_unit, 64),
        (&subject.common_name, 64),
    ] {
        assert_eq!(field.chars().count(), count, "{field}");
    }
    let now = unix_millis(ISSUED_AT);
    let issued = issue_in(&mut account_at(now), now, Algorithm::Ecc256, &subject, 10);
    let facts = assert_root_profile(&issued);
    let scratch = Scratch::new();
    scratch.write("c.pem", &issued.pem);
    assert_openssl_text(&scratch, &issued, &facts);
    assert_pkilint_clean(&scratch, "c.pem", "longest names");
    openssl_verify(&scratch, "c.pem", &issued, &["-auth_level", "2"]).ok();
}

/// Issues a root of `algorithm` at [`ISSUED_AT`] for 10 years and checks it with x509-parser,
/// `openssl x509`, `openssl asn1parse` and pkilint. Leaves it in the scratch dir as `c.pem`.
fn read_with_every_tool(algorithm: Algorithm) -> (Issued, Facts, Scratch) {
    let issued = issue(unix_millis(ISSUED_AT), algorithm, COMMON_NAME, 10);
    let facts = assert_root_profile(&issued);
    assert_eq!(facts.not_before, (0x17, "310615080810Z".to_owned()));
    assert_eq!(facts.not_after, (0x17, "410615080910Z".to_owned()));
    let scratch = Scratch::new();
    scratch.write("c.pem", &issued.pem);
    assert_openssl_text(&scratch, &issued, &facts);
    assert_eq!(
        openssl_times(&scratch, "c.pem"),
        ["UTCTIME:310615080810Z", "UTCTIME:410615080910Z"]
    );
    assert_pkilint_clean(&scratch, "c.pem", algorithm.name());
    (issued, facts, scratch)
}

/// `openssl x509 -text` and `-ocspid`: the fields as OpenSSL prints them.
fn assert_openssl_text(scratch: &Scratch, issued: &Issued, facts: &Facts) {
    let what = issued.algorithm.name();
    let text = scratch
        .openssl(&[
            "x509",
            "-in",
            "c.pem",
            "-noout",
            "-text",
            "-ocspid",
            "-nameopt",
            "utf8,sep_comma_plus_space",
        ])
        .ok();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let after = |heading: &str| -> &str {
        let at = lines.iter().position(|l| *l == heading);
        let at = at.unwrap_or_else(|| panic!("{what}: no `{heading}` in\n{text}"));
        lines[at + 1]
    };
    let has = |line: &str| {
        assert!(lines.contains(&line), "{what}: no `{line}` in\n{text}");
    };
    let colon_hex = |bytes: &[u8], upper: bool| {
        let hex: Vec<String> = bytes
            .iter()
            .map(|b| {
                if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                }
            })
            .collect();
        hex.join(":")
    };

    has("Version: 3 (0x2)");
    assert_eq!(after("Serial Number:"), colon_hex(&facts.serial, false));
    let name: Vec<String> = issued
        .subject
        .expected_rdns()
        .into_iter()
        .map(|(_, short, _, value)| format!("{short}={value}"))
        .collect();
    let name = name.join(", ");
    has(&format!("Issuer: {name}"));
    has(&format!("Subject: {name}"));
    let (signature, key_lines): (&str, &[&str]) = match issued.algorithm {
        Algorithm::Rsa1024 => ("sha256WithRSAEncryption", &["Public-Key: (1024 bit)"]),
        Algorithm::Rsa2048 => ("sha256WithRSAEncryption", &["Public-Key: (2048 bit)"]),
        Algorithm::Rsa4096 => ("sha256WithRSAEncryption", &["Public-Key: (4096 bit)"]),
        Algorithm::Ecc256 => (
            "ecdsa-with-SHA256",
            &[
                "Public-Key: (256 bit)",
                "ASN1 OID: prime256v1",
                "NIST CURVE: P-256",
            ],
        ),
        Algorithm::Ecc384 => (
            "ecdsa-with-SHA256",
            &[
                "Public-Key: (384 bit)",
                "ASN1 OID: secp384r1",
                "NIST CURVE: P-384",
            ],
        ),
        Algorithm::Ecc512 => (
            "ecdsa-with-SHA256",
            &[
                "Public-Key: (521 bit)",
                "ASN1 OID: secp521r1",
                "NIST CURVE: P-521",
            ],
        ),
        Algorithm::Sm2_256 => ("SM2-with-SM3", &["Public-Key: (256 bit)", "ASN1 OID: SM2"]),
    };
    let signature_line = format!("Signature Algorithm: {signature}");
    let count = lines.iter().filter(|l| **l == signature_line).count();
    assert_eq!(count, 2, "{what}: `{signature_line}` in TBS and outside");
    key_lines.iter().for_each(|line| has(line));
    if facts.ec_signature.is_none() {
        has("Public Key Algorithm: rsaEncryption");
        has("Exponent: 65537 (0x10001)");
    } else {
        has("Public Key Algorithm: id-ecPublicKey");
    }

    assert_eq!(after("X509v3 Basic Constraints: critical"), "CA:TRUE");
    assert_eq!(
        after("X509v3 Key Usage: critical"),
        "Certificate Sign, CRL Sign"
    );
    let key_id = colon_hex(&facts.key_id, true);
    assert_eq!(
        after("X509v3 Subject Key Identifier:"),
        key_id,
        "{what}: SKI"
    );
    assert_eq!(
        after("X509v3 Authority Key Identifier:"),
        key_id,
        "{what}: AKI"
    );
    let x509v3 = lines.iter().filter(|l| l.starts_with("X509v3 ")).count();
    assert_eq!(
        x509v3, 5,
        "{what}: `X509v3 extensions:` and exactly four extensions"
    );
    // OpenSSL's own SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1).
    let ocsp_hash = format!(
        "Public key OCSP hash: {}",
        colon_hex(&facts.key_id, true).replace(':', "")
    );
    assert!(text.contains(&ocsp_hash), "{what}: {ocsp_hash} in\n{text}");
}

/// The two validity times as `openssl asn1parse` names them: `UTCTIME:…` or
/// `GENERALIZEDTIME:…`.
fn openssl_times(scratch: &Scratch, pem: &str) -> Vec<String> {
    let listing = scratch.openssl(&["asn1parse", "-in", pem]).ok();
    listing
        .lines()
        .filter(|line| line.contains("UTCTIME") || line.contains("GENERALIZEDTIME"))
        .map(|line| {
            let (_, field) = line.split_once("prim: ").unwrap();
            field.split_whitespace().collect::<String>()
        })
        .collect()
}

/// `openssl verify -x509_strict -check_ss_sig` of `pem` against itself, at the issuance time.
fn openssl_verify(scratch: &Scratch, pem: &str, issued: &Issued, extra: &[&str]) -> tools::Run {
    openssl_verify_at(scratch, pem, issued.now.div_euclid(1000), extra)
}

fn openssl_verify_at(scratch: &Scratch, pem: &str, at: i64, extra: &[&str]) -> tools::Run {
    let at = at.to_string();
    let mut args = vec!["verify", "-x509_strict", "-check_ss_sig", "-attime", &at];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-CAfile", pem, pem]);
    scratch.openssl(&args)
}

/// Negative control: the same certificate with its last signature octet changed still parses
/// but fails `openssl verify` with a signature failure.
fn assert_corrupted_signature_fails(
    scratch: &Scratch,
    issued: &Issued,
    facts: &Facts,
    extra: &[&str],
) {
    let mut der = issued.der.clone();
    assert!(der.ends_with(&facts.signature));
    *der.last_mut().unwrap() ^= 0x01;
    scratch.write("bad.der", der);
    scratch
        .openssl(&[
            "x509", "-inform", "DER", "-in", "bad.der", "-out", "bad.pem",
        ])
        .ok();
    let out = openssl_verify(scratch, "bad.pem", issued, extra).failed();
    assert!(
        out.contains("certificate signature failure"),
        "{}: {out}",
        issued.algorithm
    );
}

/// One validity case: issuance instant, `Years`, and both times as DER (tag, text) and as an
/// RFC 3339 instant.
struct ValidityCase {
    now: &'static str,
    years: u8,
    not_before: (u8, &'static str, &'static str),
    not_after: (u8, &'static str, &'static str),
}

const UTC: u8 = 0x17;
const GENERALIZED: u8 = 0x18;

const VALIDITY_CASES: [ValidityCase; 9] = [
    // 29 February, one year on: 28 February; four years on: 29 February again.
    ValidityCase {
        now: "2028-02-29T12:34:56.789Z",
        years: 1,
        not_before: (UTC, "280229123356Z", "2028-02-29T12:33:56Z"),
        not_after: (UTC, "290228123456Z", "2029-02-28T12:34:56Z"),
    },
    ValidityCase {
        now: "2028-02-29T12:34:56.789Z",
        years: 4,
        not_before: (UTC, "280229123356Z", "2028-02-29T12:33:56Z"),
        not_after: (UTC, "320229123456Z", "2032-02-29T12:34:56Z"),
    },
    // notAfter past 2049 becomes GeneralizedTime while notBefore stays UTCTime.
    ValidityCase {
        now: "2044-03-15T06:07:08.999Z",
        years: 10,
        not_before: (UTC, "440315060608Z", "2044-03-15T06:06:08Z"),
        not_after: (GENERALIZED, "20540315060708Z", "2054-03-15T06:07:08Z"),
    },
    ValidityCase {
        now: "2049-12-31T23:59:59.000Z",
        years: 1,
        not_before: (UTC, "491231235859Z", "2049-12-31T23:58:59Z"),
        not_after: (GENERALIZED, "20501231235959Z", "2050-12-31T23:59:59Z"),
    },
    // Issued in 2050, but notBefore (60 s earlier) is still in 2049: UTCTime.
    ValidityCase {
        now: "2050-01-01T00:00:30.000Z",
        years: 1,
        not_before: (UTC, "491231235930Z", "2049-12-31T23:59:30Z"),
        not_after: (GENERALIZED, "20510101000030Z", "2051-01-01T00:00:30Z"),
    },
    ValidityCase {
        now: "2050-01-01T00:00:59.999Z",
        years: 1,
        not_before: (UTC, "491231235959Z", "2049-12-31T23:59:59Z"),
        not_after: (GENERALIZED, "20510101000059Z", "2051-01-01T00:00:59Z"),
    },
    // The first notBefore in 2050.
    ValidityCase {
        now: "2050-01-01T00:01:00.000Z",
        years: 1,
        not_before: (GENERALIZED, "20500101000000Z", "2050-01-01T00:00:00Z"),
        not_after: (GENERALIZED, "20510101000100Z", "2051-01-01T00:01:00Z"),
    },
    // Leap day into GeneralizedTime years, and into a common year.
    ValidityCase {
        now: "2048-02-29T00:00:00.000Z",
        years: 2,
        not_before: (UTC, "480228235900Z", "2048-02-28T23:59:00Z"),
        not_after: (GENERALIZED, "20500228000000Z", "2050-02-28T00:00:00Z"),
    },
    ValidityCase {
        now: "2040-02-29T23:59:59.999Z",
        years: 10,
        not_before: (UTC, "400229235859Z", "2040-02-29T23:58:59Z"),
        not_after: (GENERALIZED, "20500228235959Z", "2050-02-28T23:59:59Z"),
    },
];

#[test]
fn validity_times_are_exact_in_every_reader() {
    for case in &VALIDITY_CASES {
        let what = format!("{} + {} years", case.now, case.years);
        let issued = issue(
            unix_millis(case.now),
            Algorithm::Ecc256,
            COMMON_NAME,
            case.years,
        );
        let facts = assert_root_profile(&issued);
        let (nb_tag, nb_der, nb_iso) = case.not_before;
        let (na_tag, na_der, na_iso) = case.not_after;
        assert_eq!(facts.not_before, (nb_tag, nb_der.to_owned()), "{what}");
        assert_eq!(facts.not_after, (na_tag, na_der.to_owned()), "{what}");
        let (nb, na) = (unix_millis(nb_iso) / 1000, unix_millis(na_iso) / 1000);
        assert_eq!(facts.validity_seconds, (nb, na), "{what}: x509-parser");

        let scratch = Scratch::new();
        scratch.write("c.pem", &issued.pem);
        let kind = |tag| {
            if tag == UTC {
                "UTCTIME"
            } else {
                "GENERALIZEDTIME"
            }
        };
        assert_eq!(
            openssl_times(&scratch, "c.pem"),
            [
                format!("{}:{nb_der}", kind(nb_tag)),
                format!("{}:{na_der}", kind(na_tag))
            ],
            "{what}: asn1parse"
        );
        let dates = scratch
            .openssl(&["x509", "-in", "c.pem", "-noout", "-dates"])
            .ok();
        assert_eq!(
            dates,
            format!(
                "notBefore={}\nnotAfter={}\n",
                openssl_date(nb_iso),
                openssl_date(na_iso)
            ),
            "{what}"
        );
        // OpenSSL's validity check agrees on both ends, to the second.
        openssl_verify_at(&scratch, "c.pem", nb, &[]).ok();
        openssl_verify_at(&scratch, "c.pem", na - 1, &[]).ok();
        let early = openssl_verify_at(&scratch, "c.pem", nb - 1, &[]).failed();
        assert!(
            early.contains("certificate is not yet valid"),
            "{what}: {early}"
        );
        let late = openssl_verify_at(&scratch, "c.pem", na + 1, &[]).failed();
        assert!(late.contains("certificate has expired"), "{what}: {late}");
        // pkilint checks the UTCTime/GeneralizedTime choice of RFC 5280 §4.1.2.5.
        assert_pkilint_clean(&scratch, "c.pem", &what);
    }
}

/// `2028-02-29T12:33:56Z` as `openssl x509 -dates` prints it: `Feb 29 12:33:56 2028 GMT`.
fn openssl_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = iso[5..7].parse().unwrap();
    let day: u32 = iso[8..10].parse().unwrap();
    format!(
        "{} {day:>2} {} {} GMT",
        MONTHS[month - 1],
        &iso[11..19],
        &iso[..4]
    )
}

/// How many roots the bulk tests issue per algorithm.
const BULK: usize = 200;

#[test]
fn two_hundred_ecc_256_roots_verify_in_openssl() {
    let now = unix_millis(ISSUED_AT);
    let mut account = account_at(now);
    let scratch = Scratch::new();
    let mut files = Vec::new();
    let mut trusted = String::new();
    let mut stats = Stats::default();
    for i in 0..=BULK {
        let subject = Subject::with_common_name(&format!("{COMMON_NAME} #{i:03}"));
        let issued = issue_in(&mut account, now, Algorithm::Ecc256, &subject, 10);
        let facts = assert_root_profile(&issued);
        stats.add(&facts);
        let mut pem = issued.pem.clone();
        if i == BULK {
            // Negative control inside the batch: one root with a corrupted signature.
            let mut der = issued.der.clone();
            *der.last_mut().unwrap() ^= 0x01;
            scratch.write("bad.der", der);
            scratch
                .openssl(&[
                    "x509", "-inform", "DER", "-in", "bad.der", "-out", "bad.pem",
                ])
                .ok();
            pem = String::from_utf8(scratch.read("bad.pem")).unwrap();
            files.push("bad.pem".to_owned());
        } else {
            let file = format!("c{i:03}.pem");
            scratch.write(&file, &pem);
            files.push(file);
        }
        trusted.push_str(pem.trim_end());
        trusted.push('\n');
    }
    scratch.write("trusted.pem", trusted);
    let at = (now / 1000).to_string();
    let mut args = vec![
        "verify",
        "-x509_strict",
        "-check_ss_sig",
        "-attime",
        &at,
        "-CAfile",
        "trusted.pem",
    ];
    args.extend(files.iter().map(String::as_str));
    let out = scratch.openssl(&args).failed();
    let ok = out.lines().filter(|l| l.ends_with(".pem: OK")).count();
    assert_eq!(ok, BULK, "{out}");
    assert!(
        out.contains("certificate signature failure") && out.contains("error bad.pem"),
        "{out}"
    );
    stats.report("ECC_256");
}

#[test]
fn two_hundred_sm2_roots_verify_in_openssl() {
    let now = unix_millis(ISSUED_AT);
    let mut account = account_at(now);
    let scratch = Scratch::new();
    let mut stats = Stats::default();
    let mut jobs = Vec::new();
    for i in 0..BULK {
        let subject = Subject::with_common_name(&format!("{COMMON_NAME} #{i:03}"));
        let issued = issue_in(&mut account, now, Algorithm::Sm2_256, &subject, 10);
        let facts = assert_root_profile(&issued);
        stats.add(&facts);
        // The parts as x509-parser found them; OpenSSL does the verifying.
        let tbs = scratch.write_owned(format!("tbs{i:03}.der"), &facts.tbs);
        let sig = scratch.write_owned(format!("sig{i:03}.der"), &facts.signature);
        let key = scratch.write_owned(format!("key{i:03}.der"), &facts.spki);
        jobs.push([tbs, sig, key]);
    }
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    std::thread::scope(|s| {
        for chunk in jobs.chunks(jobs.len().div_ceil(threads)) {
            let scratch = &scratch;
            s.spawn(move || {
                for [tbs, sig, key] in chunk {
                    let out = scratch
                        .openssl(&[
                            "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", key,
                            "-rawin", "-digest", "sm3", "-in", tbs, "-sigfile", sig, "-pkeyopt",
                            SM2_ID,
                        ])
                        .ok();
                    assert!(
                        out.contains("Signature Verified Successfully"),
                        "{tbs}: {out}"
                    );
                }
            });
        }
    });
    stats.report("SM2_256");
}

/// What the bulk tests saw, to show that the random cases a one-in-256 fault hides in came up.
#[derive(Default)]
struct Stats {
    serials: BTreeSet<Vec<u8>>,
    count: usize,
    padded: usize,
    short: usize,
}

impl Stats {
    fn add(&mut self, facts: &Facts) {
        self.count += 1;
        assert!(self.serials.insert(facts.serial.clone()), "serial repeated");
        let ec = facts.ec_signature.as_ref().expect("an ECDSA/SM2 signature");
        self.padded += usize::from(ec.r_padded) + usize::from(ec.s_padded);
        self.short += usize::from(ec.r_len < 32) + usize::from(ec.s_len < 32);
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} roots, {} distinct 16-octet serials; of {} signature integers {} needed \
             a 0x00 sign octet and {} were shorter than 32 octets, all minimal DER",
            self.count,
            self.serials.len(),
            2 * self.count,
            self.padded,
            self.short
        );
        // About half of all r and s have the top bit set; none in 400 has odds 2^-400.
        assert!(self.padded > 0, "{what}: no r or s needed a sign octet");
    }
}
