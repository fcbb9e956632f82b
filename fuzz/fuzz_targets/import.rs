//! The parsers of imported keys and certificates, on arbitrary DER.
//!
//! The first byte picks what the rest is: a plain PKCS#8 `PrivateKeyInfo` (read directly), an
//! `EncryptedPrivateKeyInfo` (imported through the dispatcher with the passphrase `fuzz`), or a
//! certificate (imported through the dispatcher with the key of `tests/fixtures/
//! openssl-ca-p256.pem`). A key that is read must sign, verify and export to itself; an import
//! that fails must leave the account empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_ca::env::OsEntropy;
use private_ca::{Account, CaKey, KeyProtection, dispatch};
use private_ca_fuzz::{FixedClock, FuzzEntropy};
use serde_json::json;

const CA_KEY: &str = include_str!("../../tests/fixtures/openssl-ca-p256.key.pem");
const CA_CERTIFICATE: &str = include_str!("../../tests/fixtures/openssl-ca-p256.pem");
/// 2026-03-01T08:00:00Z.
const START: i64 = 1_772_352_000_000;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, der)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => plain_key(der),
        1 => import(&encode("ENCRYPTED PRIVATE KEY", der), CA_CERTIFICATE),
        _ => import(CA_KEY, &encode("CERTIFICATE", der)),
    }
});

fn encode(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).expect("PEM of any bytes")
}

fn plain_key(der: &[u8]) {
    let Ok(key) = CaKey::from_pkcs8_der("PrivateKey", der) else {
        return;
    };
    let spki = key.public_key_info().expect("a read key has a public key");
    let pem = key
        .export_pkcs8_pem(KeyProtection::Plain, &mut OsEntropy)
        .expect("a read key exports");
    let (_, again) = der::pem::decode_vec(pem.as_bytes()).expect("our own PEM");
    let back = CaKey::from_pkcs8_der("PrivateKey", &again).expect("our own export reads back");
    assert_eq!(back.algorithm(), key.algorithm());
    assert_eq!(back.public_key_info().expect("public key"), spki);
}

fn import(key: &str, certificate: &str) {
    let clock = FixedClock(std::rc::Rc::new(std::cell::Cell::new(START)));
    let mut account = Account::new(
        Default::default(),
        Box::new(clock),
        Box::new(FuzzEntropy::new(7, None)),
    );
    let params = json!({"Certificate": certificate, "PrivateKey": key, "Passphrase": "fuzz"});
    match dispatch(&mut account, "ImportCACertificate", &params) {
        Ok(response) => {
            let identifier = response["Identifier"].as_str().expect("Identifier");
            assert!(account.ca(identifier).is_ok());
        }
        Err(failure) => {
            assert_eq!(account.cas().count(), 0);
            let code = failure.error.code();
            assert!(
                code.starts_with("InvalidParameter."),
                "{code}: {}",
                failure.error
            );
        }
    }
}
