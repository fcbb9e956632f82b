//! The whole create path on one account: small arbitrary requests, exports, re-imports and
//! removals, with an arbitrary clock, account rules and a random number source that may fail
//! part-way.
//!
//! Checked against a model after every call: a failed call leaves the account exactly as it was
//! (CAs, certificates, instances left) and remembers no ClientToken; a repeat with a remembered
//! token returns the first CA; a new CA's certificate carries the normalized subject, a
//! 16-octet serial in 0x40–0x7F, and its exported key matches its public key.
//!
//! RSA keys come from a cache made once per process (RSA key generation takes milliseconds to
//! seconds, which would starve the fuzzer); elliptic-curve and SM2 keys are made on every call
//! through the dispatcher, from the deterministic source.
#![no_main]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::OnceLock;

use arbitrary::Unstructured;
use der::Decode;
use der::asn1::{PrintableStringRef, Utf8StringRef};
use libfuzzer_sys::fuzz_target;
use private_ca::account::AccountOptions;
use private_ca::env::OsEntropy;
use private_ca::profile::validity;
use private_ca::{
    Account, Algorithm, ApiError, CaKey, CreateRootCaRequest, KeyFamily, KeyProtection, Prepared,
    dispatch,
};
use private_ca_fuzz::{FixedClock, FuzzEntropy, create_request};
use serde_json::{Value, json};
use x509_cert::Certificate;

/// 2026-03-01T08:00:00Z.
const START: i64 = 1_772_352_000_000;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = run(&mut u);
});

struct Harness {
    account: Account,
    clock: Rc<Cell<i64>>,
    entropy_may_fail: bool,
    /// ClientToken -> (normalized request, Identifier), for calls that succeeded.
    tokens: BTreeMap<String, (CreateRootCaRequest, String)>,
}

#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    cas: Vec<(String, Vec<u8>)>,
    instances: Option<BTreeMap<KeyFamily, u32>>,
}

fn snapshot(account: &Account) -> Snapshot {
    Snapshot {
        cas: account
            .cas()
            .map(|ca| (ca.identifier().to_owned(), ca.certificate().der.clone()))
            .collect(),
        instances: account.instances_left().cloned(),
    }
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let now = match u.int_in_range(0..=4)? {
        0 => u.arbitrary::<i64>()?,
        1 => *u.choose(&[
            i64::MIN,
            -1,
            0,
            59_999,
            60_000,
            951_782_400_000,   // 2000-02-29
            2_524_607_999_999, // 2049-12-31T23:59:59.999
            253_402_300_799_000 - 10 * 31_622_400_000,
            253_402_300_799_000, // 9999-12-31T23:59:59
            i64::MAX,
        ])?,
        _ => START + u.int_in_range(0..=10 * 366 * 86_400_000)?,
    };
    let options = AccountOptions {
        instances: if u.ratio(1, 4)? {
            let mut counts = BTreeMap::new();
            for family in [KeyFamily::Rsa, KeyFamily::Ecc, KeyFamily::Sm2] {
                if u.arbitrary()? {
                    counts.insert(family, u.int_in_range(0..=2)?);
                }
            }
            Some(counts)
        } else {
            None
        },
        rate_limit_per_second: if u.ratio(1, 4)? {
            Some(u.int_in_range(1..=3)?)
        } else {
            None
        },
    };
    let budget = if u.ratio(1, 8)? {
        Some(u.int_in_range(0..=600)?)
    } else {
        None
    };
    let clock = Rc::new(Cell::new(now));
    let mut h = Harness {
        account: Account::new(
            options,
            Box::new(FixedClock(clock.clone())),
            Box::new(FuzzEntropy::new(u.arbitrary()?, budget)),
        ),
        clock,
        entropy_may_fail: budget.is_some(),
        tokens: BTreeMap::new(),
    };
    for _ in 0..u.int_in_range(1..=5)? {
        match u.int_in_range(0..=9)? {
            0..=5 => create(&mut h, u)?,
            6 | 7 => export_and_import(&mut h, u)?,
            8 => remove(&mut h, u)?,
            _ => h
                .clock
                .set(h.clock.get().saturating_add(u.int_in_range(0..=2_000)?)),
        }
    }
    Ok(())
}

fn pick_identifier(h: &Harness, u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let ids: Vec<String> = h
        .account
        .cas()
        .map(|ca| ca.identifier().to_owned())
        .collect();
    if ids.is_empty() || u.ratio(1, 8)? {
        return Ok("0123456789abcdef0123456789abcdef".into());
    }
    Ok(u.choose(&ids)?.clone())
}

fn create(h: &mut Harness, u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let params = create_request(u)?;
    let normalized = CreateRootCaRequest::from_json(&params);
    let before = snapshot(&h.account);
    let result = match &normalized {
        Ok(request) if request.algorithm.family() == KeyFamily::Rsa => create_rsa(h, &params),
        _ => dispatch(&mut h.account, "CreateRootCACertificate", &params)
            .map(|response| {
                let text = |field: &str| response[field].as_str().unwrap_or_default().to_owned();
                (text("Identifier"), text("Certificate"))
            })
            .map_err(|failure| failure.error),
    };
    let after = snapshot(&h.account);
    let request = match (normalized, result) {
        (Err(refused), Err(error)) => {
            assert_eq!(after, before, "a refused call changed the account");
            if refused != error {
                // Only the RequestId, drawn before validation, can fail first.
                assert!(
                    h.entropy_may_fail && error.code() == "InternalError",
                    "{error}"
                );
            }
            return Ok(());
        }
        (Err(refused), Ok(_)) => panic!("accepted what validation refuses: {refused}"),
        (Ok(request), Err(error)) => {
            assert_eq!(after, before, "a failed call changed the account: {error}");
            match &error {
                ApiError::IdempotentParameterMismatch => {
                    let token = request.client_token.as_ref().expect("a token");
                    let (first, _) = h.tokens.get(token).expect("a remembered token");
                    assert_ne!(first, &request);
                }
                ApiError::NoAvailableInstance | ApiError::Throttled => {}
                ApiError::InvalidParameter {
                    field: Some("Algorithm"),
                    ..
                } => {}
                ApiError::Internal { .. } => {
                    let clock_ok =
                        validity(h.clock.get(), request.years).is_ok() && h.clock.get() >= 60_000;
                    assert!(h.entropy_may_fail || !clock_ok, "{error}");
                }
                other => panic!("unexpected failure: {} {other}", other.code()),
            }
            return Ok(());
        }
        (Ok(request), Ok(response)) => (request, response),
    };
    let (request, (identifier, pem)) = request;
    if let Some((first, first_id)) = request
        .client_token
        .as_ref()
        .and_then(|token| h.tokens.get(token))
    {
        assert_eq!(first, &request, "a mismatch was accepted");
        assert_eq!(&identifier, first_id, "a replay made another CA");
        assert_eq!(after, before, "a replay changed the account");
        return Ok(());
    }
    assert_eq!(after.cas.len(), before.cas.len() + 1);
    assert!(!before.cas.iter().any(|(id, _)| *id == identifier));
    check_certificate(&pem, &request);
    if let Some(token) = &request.client_token {
        h.tokens
            .insert(token.clone(), (request.clone(), identifier));
    }
    Ok(())
}

/// The create path with a cached RSA key, through the same three steps the WebAssembly
/// binding uses.
fn create_rsa(h: &mut Harness, params: &Value) -> Result<(String, String), ApiError> {
    let request_id = h.account.new_request_id()?;
    match h.account.prepare_root(params, request_id)? {
        Prepared::Replay(response) => Ok((response.identifier, response.certificate)),
        Prepared::InProgress { .. } => panic!("nothing is in progress in a synchronous run"),
        Prepared::Issue(pending) => {
            let key = rsa_key(pending.algorithm());
            h.account
                .complete_root(pending, key)
                .map(|response| (response.identifier, response.certificate))
        }
    }
}

fn rsa_key(algorithm: Algorithm) -> Result<CaKey, ApiError> {
    static KEYS: OnceLock<Vec<(Algorithm, Vec<u8>)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        [Algorithm::Rsa1024, Algorithm::Rsa2048, Algorithm::Rsa4096]
            .into_iter()
            .map(|algorithm| {
                let key = CaKey::generate(algorithm, &mut OsEntropy).expect("RSA key");
                let pem = key
                    .export_pkcs8_pem(KeyProtection::Plain, &mut OsEntropy)
                    .expect("export");
                let (_, der) = der::pem::decode_vec(pem.as_bytes()).expect("PEM");
                (algorithm, der)
            })
            .collect()
    });
    let (_, der) = keys.iter().find(|(a, _)| *a == algorithm).expect("RSA");
    CaKey::from_pkcs8_der("PrivateKey", der)
}

fn check_certificate(pem: &str, request: &CreateRootCaRequest) {
    let (label, der) = der::pem::decode_vec(pem.as_bytes()).expect("certificate PEM");
    assert_eq!(label, "CERTIFICATE");
    let certificate = Certificate::from_der(&der).expect("certificate DER");
    let tbs = certificate.tbs_certificate();
    assert_eq!(tbs.issuer(), tbs.subject());
    let serial = tbs.serial_number().as_bytes();
    assert_eq!(serial.len(), 16);
    assert!((0x40..=0x7f).contains(&serial[0]));
    let subject = &request.subject;
    let mut expected: Vec<(&str, &str)> = Vec::new();
    if let Some(country) = subject.country {
        expected.push(("2.5.4.6", country));
    }
    expected.extend([
        ("2.5.4.8", subject.state.as_str()),
        ("2.5.4.7", subject.locality.as_str()),
        ("2.5.4.10", subject.organization.as_str()),
        ("2.5.4.11", subject.organization_unit.as_str()),
        ("2.5.4.3", subject.common_name.as_str()),
    ]);
    let rdns = tbs.subject().as_ref();
    assert_eq!(rdns.len(), expected.len());
    for (rdn, (oid, text)) in rdns.iter().zip(expected) {
        let attributes = rdn.as_ref();
        assert_eq!(attributes.len(), 1);
        let attribute = attributes.get(0).expect("one attribute");
        assert_eq!(attribute.oid.to_string(), oid);
        let decoded = if oid == "2.5.4.6" {
            attribute
                .value
                .decode_as::<PrintableStringRef<'_>>()
                .map(|s| s.as_str().to_owned())
        } else {
            attribute
                .value
                .decode_as::<Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_owned())
        };
        assert_eq!(decoded.expect("a string attribute"), text);
    }
}

fn export_and_import(h: &mut Harness, u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let identifier = pick_identifier(h, u)?;
    let before = snapshot(&h.account);
    let exported = dispatch(
        &mut h.account,
        "ExportCAPrivateKey",
        &json!({"Identifier": identifier, "Plain": true}),
    );
    assert_eq!(
        snapshot(&h.account),
        before,
        "an export changed the account"
    );
    let response = match exported {
        Ok(response) => response,
        Err(failure) => {
            let code = failure.error.code();
            assert!(
                code == "NotFound" || (h.entropy_may_fail && code == "InternalError"),
                "{code}"
            );
            return Ok(());
        }
    };
    let key_pem = response["PrivateKey"].as_str().expect("PrivateKey");
    let ca = h.account.ca(&identifier).expect("exported from a held CA");
    let certificate = ca.certificate().pem();
    let (_, key_der) = der::pem::decode_vec(key_pem.as_bytes()).expect("key PEM");
    let key = CaKey::from_pkcs8_der("PrivateKey", &key_der).expect("key DER");
    assert_eq!(key.algorithm(), ca.algorithm());
    let parsed = Certificate::from_der(&ca.certificate().der).expect("certificate");
    let spki = parsed.tbs_certificate().subject_public_key_info();
    assert_eq!(&key.public_key_info().expect("SPKI"), spki);
    // Importing a CA the account holds returns its Identifier and adds nothing.
    let imported = dispatch(
        &mut h.account,
        "ImportCACertificate",
        &json!({"Certificate": certificate, "PrivateKey": key_pem}),
    );
    match imported {
        Ok(response) => assert_eq!(response["Identifier"], json!(identifier)),
        Err(failure) => assert!(h.entropy_may_fail, "{}", failure.error),
    }
    assert_eq!(
        snapshot(&h.account),
        before,
        "re-importing changed the account"
    );
    Ok(())
}

fn remove(h: &mut Harness, u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let identifier = pick_identifier(h, u)?;
    let before = snapshot(&h.account);
    match dispatch(
        &mut h.account,
        "RemoveCACertificate",
        &json!({"Identifier": identifier}),
    ) {
        Ok(_) => {
            let after = snapshot(&h.account);
            assert_eq!(after.cas.len() + 1, before.cas.len());
            assert!(h.account.ca(&identifier).is_err());
            h.tokens.retain(|_, (_, id)| *id != identifier);
        }
        Err(failure) => {
            assert_eq!(snapshot(&h.account), before);
            let code = failure.error.code();
            assert!(
                code == "NotFound" || (h.entropy_may_fail && code == "InternalError"),
                "{code}"
            );
        }
    }
    Ok(())
}
