//! The account: ClientToken idempotency, purchased instances, the rate limit, the response
//! shape, and key export, import and removal through the dispatcher. Every failed call must
//! leave the account exactly as it was.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    account, account_with, assert_identifier, assert_request_id, call, call_err, create, fixture,
    instances, snapshot, text, valid_request, with, with_all,
};
use der::{Decode, Encode};
use pkcs8::pkcs5::pbes2;
use pkcs8::{EncryptedPrivateKeyInfo, PrivateKeyInfoRef};
use private_ca::account::AccountOptions;
use private_ca::{Account, ApiError, ErrorKind, KeyFamily, Prepared, dispatch};
use serde_json::{Value, json};

const CREATE: &str = "CreateRootCACertificate";
const EXPORT: &str = "ExportCAPrivateKey";
const IMPORT: &str = "ImportCACertificate";
const REMOVE: &str = "RemoveCACertificate";

fn with_token(token: &str) -> Value {
    with("ClientToken", json!(token))
}

fn create_err(account: &mut Account, request: &Value) -> ApiError {
    call_err(account, CREATE, request)
}

fn ca_count(account: &Account) -> usize {
    account.cas().count()
}

fn export(account: &mut Account, identifier: &str, protection: Value) -> String {
    let mut params = protection;
    params["Identifier"] = json!(identifier);
    let response = call(account, EXPORT, &params);
    assert_request_id(text(&response, "RequestId"));
    text(&response, "PrivateKey").to_owned()
}

fn import(account: &mut Account, certificate: &str, key: &str, passphrase: Option<&str>) -> String {
    let mut params = json!({"Certificate": certificate, "PrivateKey": key});
    if let Some(passphrase) = passphrase {
        params["Passphrase"] = json!(passphrase);
    }
    let response = call(account, IMPORT, &params);
    assert_request_id(text(&response, "RequestId"));
    let identifier = text(&response, "Identifier").to_owned();
    assert_identifier(&identifier);
    identifier
}

fn import_err(account: &mut Account, params: &Value) -> ApiError {
    let before = snapshot(account);
    let error = call_err(account, IMPORT, params);
    assert_eq!(
        snapshot(account),
        before,
        "a failed import changed the account"
    );
    error
}

#[track_caller]
fn assert_code(error: &ApiError, code: &str, status: u16) {
    assert_eq!(error.code(), code, "{error}");
    assert_eq!(error.status(), status, "{error}");
}

// --- Idempotency ---

#[test]
fn the_same_normalized_request_with_a_token_makes_one_ca() {
    let mut account = account();
    let first = create(
        &mut account,
        &with_all(&[
            ("ClientToken", json!("token-1")),
            ("Years", json!(10)),
            ("CommonName", json!("Example Root CA")),
            ("CountryCode", json!("CN")),
            (
                "Tags",
                json!([{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sec"}]),
            ),
        ]),
    );
    let same_meaning = [
        ("Years", json!("10")),
        ("Years", json!(10.0)),
        ("CommonName", json!("  Example Root CA\u{3000}")),
        ("CountryCode", json!("cn")),
        (
            "Tags",
            json!([{"Key": "team", "Value": "sec"}, {"Key": " env", "Value": "prod "}]),
        ),
        ("ClientToken", json!(" token-1 ")),
    ];
    let mut request_ids = vec![text(&first, "RequestId").to_owned()];
    for (field, value) in same_meaning {
        let mut request = with_all(&[
            ("ClientToken", json!("token-1")),
            ("Years", json!(10)),
            (
                "Tags",
                json!([{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "sec"}]),
            ),
        ]);
        request[field] = value;
        let again = create(&mut account, &request);
        for field in ["Identifier", "Certificate", "CertificateChain"] {
            assert_eq!(again[field], first[field], "{field} after {request}");
        }
        let request_id = text(&again, "RequestId").to_owned();
        assert_request_id(&request_id);
        assert!(
            !request_ids.contains(&request_id),
            "a new RequestId each call"
        );
        request_ids.push(request_id);
        assert_eq!(ca_count(&account), 1);
    }
}

#[test]
fn the_default_algorithm_is_part_of_the_normalized_request() {
    let mut account = account();
    let request = with_all(&[("ClientToken", json!("t")), ("Algorithm", json!(null))]);
    let mut rsa = request.clone();
    rsa["Algorithm"] = json!("RSA_1024");
    let mut default = request.clone();
    default["Algorithm"] = json!("RSA_2048");
    // Absent Algorithm means RSA_2048, so a repeat naming RSA_1024 is a different request.
    let first = create(&mut account, &request);
    assert_code(
        &create_err(&mut account, &rsa),
        "IdempotentParameterMismatch",
        400,
    );
    let again = create(&mut account, &default);
    assert_eq!(again["Identifier"], first["Identifier"]);
    assert_eq!(ca_count(&account), 1);
}

#[test]
fn the_same_token_with_different_parameters_is_a_mismatch() {
    let mut account = account();
    let first = create(&mut account, &with_token("token-1"));
    let before = snapshot(&account);
    let different = [
        ("CommonName", json!("Another Root")),
        ("Years", json!(9)),
        ("CountryCode", json!("GB")),
        ("CountryCode", json!(null)),
        ("Algorithm", json!("ECC_384")),
        ("Tags", json!([{"Key": "env", "Value": "prod"}])),
        ("ResourceGroupId", json!("rg-abc")),
    ];
    for (field, value) in different {
        let request = with_all(&[("ClientToken", json!("token-1")), (field, value)]);
        let error = create_err(&mut account, &request);
        assert_code(&error, "IdempotentParameterMismatch", 400);
        assert_eq!(error.kind(), ErrorKind::Client);
        assert_eq!(snapshot(&account), before, "{request}");
    }
    // The token still answers with the first CA.
    let again = create(&mut account, &with_token("token-1"));
    assert_eq!(again["Identifier"], first["Identifier"]);
    assert_eq!(ca_count(&account), 1);
}

#[test]
fn a_token_whose_call_failed_is_not_remembered() {
    let mut account = account();
    let error = create_err(
        &mut account,
        &with_all(&[("ClientToken", json!("token-1")), ("Years", json!(11))]),
    );
    assert_code(&error, "InvalidParameter.Years", 400);
    assert_eq!(ca_count(&account), 0);
    // Not a mismatch: the failed call left no trace of the token.
    let created = create(
        &mut account,
        &with_all(&[("ClientToken", json!("token-1")), ("Years", json!(5))]),
    );
    assert_identifier(text(&created, "Identifier"));
    assert_eq!(ca_count(&account), 1);
}

#[test]
fn without_a_token_every_call_makes_a_new_ca() {
    let mut account = account();
    let mut identifiers = Vec::new();
    for _ in 0..3 {
        let response = create(&mut account, &valid_request());
        identifiers.push(text(&response, "Identifier").to_owned());
    }
    identifiers.sort();
    identifiers.dedup();
    assert_eq!(identifiers.len(), 3);
    assert_eq!(ca_count(&account), 3);
}

#[test]
fn different_tokens_make_different_cas() {
    let mut account = account();
    let one = create(&mut account, &with_token("a"));
    let two = create(&mut account, &with_token("A"));
    assert_ne!(one["Identifier"], two["Identifier"]);
    assert_ne!(one["Certificate"], two["Certificate"]);
    assert_eq!(ca_count(&account), 2);
}

#[test]
fn overlapping_calls_with_one_token_share_one_result() {
    let mut account = account();
    let request = with_token("token-1");
    let Prepared::Issue(pending) = account.prepare_root(&request, "R1".into()).unwrap() else {
        panic!("the first call issues");
    };
    assert_eq!(pending.request_id(), "R1");
    assert_eq!(pending.client_token(), Some("token-1"));
    // A repeat while the first is pending waits for it ...
    match account.prepare_root(&request, "R2".into()).unwrap() {
        Prepared::InProgress { client_token } => assert_eq!(client_token, "token-1"),
        other => panic!("expected InProgress, got {other:?}"),
    }
    assert_eq!(account.replay("token-1", "R2".into()), None);
    // ... and a different request with the token is a mismatch even now.
    let error = account
        .prepare_root(
            &with_all(&[("ClientToken", json!("token-1")), ("Years", json!(1))]),
            "R3".into(),
        )
        .unwrap_err();
    assert_code(&error, "IdempotentParameterMismatch", 400);

    let key = account.generate_key(pending.algorithm());
    let first = account.complete_root(pending, key).unwrap();
    assert_eq!(first.request_id, "R1");
    let waited = account.replay("token-1", "R2".into()).unwrap();
    assert_eq!(waited.request_id, "R2");
    assert_eq!(waited.identifier, first.identifier);
    assert_eq!(waited.certificate, first.certificate);
    assert_eq!(waited.certificate_chain, first.certificate_chain);
    assert_eq!(ca_count(&account), 1);
}

// --- Purchased instances ---

#[test]
fn instances_of_another_family_are_refused_naming_the_families() {
    let (mut account, _) = account_with(instances(&[(KeyFamily::Rsa, 1)]));
    for algorithm in ["ECC_256", "ECC_512", "SM2_256"] {
        let error = create_err(&mut account, &with("Algorithm", json!(algorithm)));
        assert_code(&error, "InvalidParameter.Algorithm", 400);
        let family = if algorithm == "SM2_256" { "SM2" } else { "ECC" };
        assert_eq!(
            error.to_string(),
            format!(
                "Algorithm {algorithm} is of the {family} family, but the purchased instances \
                 are of the families: RSA."
            )
        );
    }
    let (mut account, _) = account_with(instances(&[(KeyFamily::Rsa, 1), (KeyFamily::Sm2, 2)]));
    let error = create_err(&mut account, &valid_request());
    assert!(
        error.to_string().ends_with("families: RSA, SM2."),
        "{error}"
    );
    let (mut account, _) = account_with(instances(&[]));
    let error = create_err(&mut account, &valid_request());
    assert!(error.to_string().ends_with("families: none."), "{error}");
}

#[test]
fn each_root_uses_one_instance() {
    let (mut account, _) = account_with(instances(&[(KeyFamily::Rsa, 1)]));
    let left = |account: &Account| account.instances_left().unwrap()[&KeyFamily::Rsa];
    assert_eq!(left(&account), 1);

    // A refused call changes nothing.
    let ecc = create_err(&mut account, &with("Algorithm", json!("ECC_256")));
    assert_code(&ecc, "InvalidParameter.Algorithm", 400);
    let invalid = create_err(
        &mut account,
        &with_all(&[("Algorithm", json!("RSA_1024")), ("Years", json!(0))]),
    );
    assert_code(&invalid, "InvalidParameter.Years", 400);
    assert_eq!(left(&account), 1);
    assert_eq!(ca_count(&account), 0);

    let rsa = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t1")),
    ]);
    let first = create(&mut account, &rsa);
    assert_eq!(left(&account), 0);
    assert_eq!(ca_count(&account), 1);

    // A replay uses no instance.
    let replay = create(&mut account, &rsa);
    assert_eq!(replay["Identifier"], first["Identifier"]);

    let before = snapshot(&account);
    let second = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t2")),
    ]);
    let error = create_err(&mut account, &second);
    assert_code(&error, "NoAvailableInstance", 400);
    assert_eq!(
        error.to_string(),
        "No purchased private root CA instance is left; buy one before creating a root CA."
    );
    assert_eq!(snapshot(&account), before);
    // t2 was not remembered: the same token with other parameters is no mismatch.
    let other = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t2")),
        ("Years", json!(2)),
    ]);
    assert_code(
        &create_err(&mut account, &other),
        "NoAvailableInstance",
        400,
    );
    assert_eq!(snapshot(&account), before);
}

#[test]
fn an_abandoned_root_gives_back_its_claims() {
    let (mut account, _) = account_with(AccountOptions {
        instances: Some([(KeyFamily::Rsa, 1)].into()),
        rate_limit_per_second: Some(1),
    });
    let request = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t")),
    ]);
    let Prepared::Issue(pending) = account.prepare_root(&request, "R1".into()).unwrap() else {
        panic!("the first call issues");
    };
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 0);
    account.abandon_root(pending);
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 1);
    assert_eq!(ca_count(&account), 0);
    // The token, the instance and the rate-limit slot are free again: a call with the same
    // token and other parameters is not a mismatch, and it is not throttled.
    let other = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t")),
        ("Years", json!(3)),
    ]);
    create(&mut account, &other);
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 0);
    assert_eq!(ca_count(&account), 1);
}

#[test]
fn a_failed_key_releases_the_instance_and_the_token() {
    let (mut account, _) = account_with(instances(&[(KeyFamily::Rsa, 1)]));
    let request = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t")),
    ]);
    let Prepared::Issue(pending) = account.prepare_root(&request, "R1".into()).unwrap() else {
        panic!("the first call issues");
    };
    let error = account
        .complete_root(pending, Err(ApiError::internal("WebCrypto failed")))
        .unwrap_err();
    assert_code(&error, "InternalError", 500);
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 1);
    assert_eq!(ca_count(&account), 0);
    assert_eq!(account.replay("t", "R2".into()), None);

    // A key of the wrong algorithm is refused the same way.
    let Prepared::Issue(pending) = account.prepare_root(&request, "R3".into()).unwrap() else {
        panic!("the token was released");
    };
    let wrong = account.generate_key(private_ca::Algorithm::Ecc256);
    let error = account.complete_root(pending, wrong).unwrap_err();
    assert_code(&error, "InternalError", 500);
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 1);

    // Then the same token with other parameters makes a CA.
    let other = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t")),
        ("CommonName", json!("Second try")),
    ]);
    create(&mut account, &other);
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 0);
    assert_eq!(ca_count(&account), 1);
}

#[test]
fn without_the_instance_rule_there_are_no_instances() {
    let mut account = account();
    assert_eq!(account.instances_left(), None);
    create(&mut account, &with("Algorithm", json!("SM2_256")));
    assert_eq!(account.instances_left(), None);
}

// --- Rate limit ---

fn rate_limited(limit: u32) -> (Account, common::TestClock) {
    account_with(AccountOptions {
        instances: None,
        rate_limit_per_second: Some(limit),
    })
}

#[test]
fn ten_calls_a_second_then_throttling() {
    let (mut account, clock) = rate_limited(10);
    for _ in 0..10 {
        create(&mut account, &valid_request());
    }
    let before = snapshot(&account);
    let error = create_err(&mut account, &valid_request());
    assert_code(&error, "Throttling.User", 400);
    assert_eq!(error.kind(), ErrorKind::Throttling);
    assert_eq!(
        error.to_string(),
        "Request was denied due to user flow control."
    );
    assert_eq!(snapshot(&account), before);

    clock.advance(999);
    assert_code(
        &create_err(&mut account, &valid_request()),
        "Throttling.User",
        400,
    );
    clock.advance(1);
    create(&mut account, &valid_request());
    assert_eq!(ca_count(&account), 11);
}

#[test]
fn the_window_slides() {
    let (mut account, clock) = rate_limited(2);
    create(&mut account, &valid_request()); // t = 0
    clock.advance(500);
    create(&mut account, &valid_request()); // t = 500
    clock.advance(499);
    assert_code(
        &create_err(&mut account, &valid_request()),
        "Throttling.User",
        400,
    ); // t = 999
    clock.advance(1);
    create(&mut account, &valid_request()); // t = 1000: the first call left the window
    assert_code(
        &create_err(&mut account, &valid_request()),
        "Throttling.User",
        400,
    );
}

#[test]
fn failed_and_throttled_calls_use_no_slot_and_keep_no_token() {
    let (mut account, _) = rate_limited(2);
    for _ in 0..5 {
        assert_code(
            &create_err(&mut account, &with("Years", json!(0))),
            "InvalidParameter.Years",
            400,
        );
    }
    create(&mut account, &valid_request());
    create(&mut account, &with_token("t"));
    // A replay is answered without a slot.
    create(&mut account, &with_token("t"));
    let throttled = with_all(&[("ClientToken", json!("u")), ("Years", json!(1))]);
    assert_code(
        &create_err(&mut account, &throttled),
        "Throttling.User",
        400,
    );
    assert_eq!(ca_count(&account), 2);
    // "u" was not remembered: in a fresh second it is used with other parameters.
    let (mut fresh, _) = rate_limited(2);
    let other = with_all(&[("ClientToken", json!("u")), ("Years", json!(2))]);
    create(&mut fresh, &other);
}

#[test]
fn a_throttled_token_is_fresh_once_the_window_passes() {
    let (mut account, clock) = rate_limited(1);
    create(&mut account, &valid_request());
    let first = with_all(&[("ClientToken", json!("u")), ("Years", json!(1))]);
    assert_code(&create_err(&mut account, &first), "Throttling.User", 400);
    clock.advance(1000);
    let other = with_all(&[("ClientToken", json!("u")), ("Years", json!(2))]);
    create(&mut account, &other);
    assert_eq!(ca_count(&account), 2);
}

// --- Response shape ---

#[track_caller]
fn assert_certificate_pem(pem: &str) {
    let lines: Vec<&str> = pem.split('\n').collect();
    assert_eq!(lines.first(), Some(&"-----BEGIN CERTIFICATE-----"));
    assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
    assert!(!pem.ends_with('\n'), "no trailing newline");
    assert!(!pem.contains('\r'), "LF line ends");
    let body = &lines[1..lines.len() - 1];
    assert!(body.len() >= 2, "{pem}");
    let is_base64 = |line: &str| {
        line.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    };
    for line in &body[..body.len() - 1] {
        assert_eq!(line.len(), 64, "{line:?}");
        assert!(is_base64(line), "{line:?}");
    }
    let last = body[body.len() - 1];
    assert!((1..=64).contains(&last.len()), "{last:?}");
    assert!(is_base64(last), "{last:?}");
    assert_eq!(body.concat().len() % 4, 0);
}

#[test]
fn the_response_has_the_documented_shape() {
    let mut account = account();
    for algorithm in ["ECC_256", "SM2_256", "RSA_1024"] {
        let response = create(&mut account, &with("Algorithm", json!(algorithm)));
        let fields: Vec<&String> = response.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            ["RequestId", "Identifier", "Certificate", "CertificateChain"]
        );
        assert_request_id(text(&response, "RequestId"));
        let identifier = text(&response, "Identifier");
        assert_identifier(identifier);
        let certificate = text(&response, "Certificate");
        assert_certificate_pem(certificate);
        assert_eq!(
            text(&response, "CertificateChain"),
            format!("{certificate}\n")
        );
        let stored = account.ca(identifier).unwrap();
        assert_eq!(stored.certificate().pem(), certificate);
        assert_eq!(stored.certificate_chain(), format!("{certificate}\n"));
        assert_eq!(stored.algorithm().name(), algorithm);
        assert_eq!(stored.created_at(), common::START);
    }
}

#[test]
fn tags_and_resource_group_are_kept_normalized() {
    let mut account = account();
    let response = create(
        &mut account,
        &with_all(&[
            (
                "Tags",
                json!([{"Key": " b ", "Value": "2"}, {"Key": "a", "Value": " 1"}]),
            ),
            ("ResourceGroupId", json!(" rg-abc ")),
        ]),
    );
    let ca = account.ca(text(&response, "Identifier")).unwrap();
    let tags: Vec<(&str, &str)> = ca
        .tags()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(tags, [("a", "1"), ("b", "2")]);
    assert_eq!(ca.resource_group_id(), Some("rg-abc"));
}

#[test]
fn an_unknown_action_is_refused() {
    let mut account = account();
    let error = call_err(&mut account, "CreateRootCaCertificate", &valid_request());
    assert_code(&error, "InvalidAction.NotFound", 400);
    assert_eq!(ca_count(&account), 0);
}

// --- Export, import and removal ---

#[test]
fn export_as_asked() {
    let mut account = account();
    let created = create(&mut account, &valid_request());
    let id = text(&created, "Identifier");

    let encrypted = export(&mut account, id, json!({"Passphrase": "correct horse"}));
    assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    assert!(
        encrypted
            .trim_end()
            .ends_with("-----END ENCRYPTED PRIVATE KEY-----")
    );
    let plain = export(&mut account, id, json!({"Plain": true}));
    assert!(plain.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(plain.trim_end().ends_with("-----END PRIVATE KEY-----"));
    let also_plain = export(&mut account, id, json!({"Plain": true, "Passphrase": ""}));
    assert_eq!(also_plain, plain, "the same key, the same plain encoding");
    // Each encryption has a fresh salt and IV.
    let again = export(&mut account, id, json!({"Passphrase": "correct horse"}));
    assert_ne!(again, encrypted);
}

#[test]
fn export_needs_a_passphrase_or_plain() {
    let mut account = account();
    let created = create(&mut account, &valid_request());
    let id = text(&created, "Identifier");
    for params in [
        json!({"Identifier": id}),
        json!({"Identifier": id, "Plain": false}),
        json!({"Identifier": id, "Passphrase": ""}),
        json!({"Identifier": id, "Passphrase": null, "Plain": null}),
    ] {
        let error = call_err(&mut account, EXPORT, &params);
        assert_code(&error, "InvalidParameter.Passphrase", 400);
        assert_eq!(
            error.to_string(),
            "Passphrase is mandatory to export a private key, unless Plain is true."
        );
    }
    let error = call_err(
        &mut account,
        EXPORT,
        &json!({"Identifier": id, "Plain": true, "Passphrase": "p"}),
    );
    assert_code(&error, "InvalidParameter.Plain", 400);
    let error = call_err(
        &mut account,
        EXPORT,
        &json!({"Identifier": id, "Plain": "true"}),
    );
    assert_code(&error, "InvalidParameter.Plain", 400);
    let error = call_err(&mut account, EXPORT, &json!({"Plain": true}));
    assert_code(&error, "MissingIdentifier", 400);
    let error = call_err(
        &mut account,
        EXPORT,
        &json!({"identifier": id, "Plain": true}),
    );
    assert_code(&error, "InvalidParameter.Identifier", 400);
}

#[test]
fn export_of_an_unknown_identifier_is_not_found() {
    let mut account = account();
    create(&mut account, &valid_request());
    let unknown = "0123456789abcdef0123456789abcdef";
    for protection in [json!({"Plain": true}), json!({"Passphrase": "p"})] {
        let mut params = protection;
        params["Identifier"] = json!(unknown);
        let error = call_err(&mut account, EXPORT, &params);
        assert_code(&error, "NotFound", 404);
        assert_eq!(error.kind(), ErrorKind::Client);
        assert_eq!(
            error.to_string(),
            format!("No CA with Identifier {unknown:?} exists in this account.")
        );
    }
}

#[test]
fn import_round_trips_encrypted_and_plain() {
    let mut first = account();
    let created = create(&mut first, &valid_request());
    let id = text(&created, "Identifier");
    let certificate = text(&created, "Certificate");
    let encrypted = export(&mut first, id, json!({"Passphrase": " spaces count "}));
    let plain = export(&mut first, id, json!({"Plain": true}));

    let mut second = account();
    let imported = import(&mut second, certificate, &encrypted, Some(" spaces count "));
    assert_eq!(
        second.ca(&imported).unwrap().certificate().pem(),
        certificate
    );
    assert_eq!(
        export(&mut second, &imported, json!({"Plain": true})),
        plain
    );
    // Importing the same CA again keeps its Identifier and adds nothing.
    assert_eq!(import(&mut second, certificate, &plain, None), imported);
    assert_eq!(ca_count(&second), 1);

    let mut third = account();
    let imported = import(&mut third, certificate, &plain, None);
    assert_eq!(
        third.ca(&imported).unwrap().certificate().pem(),
        certificate
    );
    assert_eq!(export(&mut third, &imported, json!({"Plain": true})), plain);
    // The chain of an imported root is the root alone, as for a created one.
    assert_eq!(
        third.ca(&imported).unwrap().certificate_chain(),
        text(&created, "CertificateChain")
    );
}

#[test]
fn import_round_trips_every_fast_algorithm() {
    for algorithm in ["ECC_384", "ECC_512", "SM2_256", "RSA_1024"] {
        let mut first = account();
        let created = create(&mut first, &with("Algorithm", json!(algorithm)));
        let id = text(&created, "Identifier");
        let certificate = text(&created, "Certificate");
        let plain = export(&mut first, id, json!({"Plain": true}));
        let mut second = account();
        let imported = import(&mut second, certificate, &plain, None);
        let ca = second.ca(&imported).unwrap();
        assert_eq!(ca.certificate().pem(), certificate, "{algorithm}");
        assert_eq!(ca.algorithm().name(), algorithm);
    }
}

#[test]
fn rsa_2048_round_trip() {
    let mut first = account();
    let created = create(&mut first, &with("Algorithm", json!("RSA_2048")));
    let id = text(&created, "Identifier");
    let certificate = text(&created, "Certificate");
    let encrypted = export(&mut first, id, json!({"Passphrase": "rsa passphrase"}));
    let plain = export(&mut first, id, json!({"Plain": true}));

    let mut second = account();
    let imported = import(&mut second, certificate, &encrypted, Some("rsa passphrase"));
    let ca = second.ca(&imported).unwrap();
    assert_eq!(ca.certificate().pem(), certificate);
    assert_eq!(ca.algorithm(), private_ca::Algorithm::Rsa2048);
    assert_eq!(
        export(&mut second, &imported, json!({"Plain": true})),
        plain
    );

    // The key of another RSA_2048 CA does not match.
    let other = create(&mut first, &with("Algorithm", json!("RSA_2048")));
    let other_key = export(
        &mut first,
        text(&other, "Identifier"),
        json!({"Plain": true}),
    );
    let mut third = account();
    let error = import_err(
        &mut third,
        &json!({"Certificate": certificate, "PrivateKey": other_key}),
    );
    assert_code(&error, "InvalidParameter.PrivateKey", 400);
}

#[test]
fn an_imported_ca_is_exported_encrypted_and_removed_like_a_created_one() {
    let mut first = account();
    let created = create(&mut first, &valid_request());
    let plain = export(
        &mut first,
        text(&created, "Identifier"),
        json!({"Plain": true}),
    );
    let mut second = account();
    let imported = import(&mut second, text(&created, "Certificate"), &plain, None);
    let encrypted = export(&mut second, &imported, json!({"Passphrase": "p"}));
    assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    call(&mut second, REMOVE, &json!({"Identifier": imported}));
    assert_eq!(ca_count(&second), 0);
}

#[test]
fn import_with_a_wrong_or_missing_passphrase_is_refused() {
    let mut first = account();
    let created = create(&mut first, &valid_request());
    let certificate = text(&created, "Certificate");
    let encrypted = export(
        &mut first,
        text(&created, "Identifier"),
        json!({"Passphrase": "right"}),
    );
    let mut second = account();
    for passphrase in ["wrong", "Right", "right ", " right"] {
        let error = import_err(
            &mut second,
            &json!({"Certificate": certificate, "PrivateKey": encrypted, "Passphrase": passphrase}),
        );
        assert_code(&error, "InvalidParameter.Passphrase", 400);
        assert_eq!(
            error.to_string(),
            "Passphrase does not decrypt the PrivateKey."
        );
    }
    for params in [
        json!({"Certificate": certificate, "PrivateKey": encrypted}),
        json!({"Certificate": certificate, "PrivateKey": encrypted, "Passphrase": ""}),
    ] {
        let error = import_err(&mut second, &params);
        assert_code(&error, "InvalidParameter.Passphrase", 400);
        assert_eq!(
            error.to_string(),
            "Passphrase is mandatory for an encrypted PrivateKey."
        );
    }
    assert_eq!(ca_count(&second), 0);
}

/// Encrypts `plaintext` as PKCS#8 `EncryptedPrivateKeyInfo` PEM with PBKDF2-HMAC-SHA256 and
/// AES-256-CBC (few iterations, to be quick).
fn encrypt_pbkdf2(plaintext: &[u8], passphrase: &str) -> String {
    let params =
        pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(2048, &[7; 16], [9; 16]).unwrap();
    let ciphertext = params.encrypt(passphrase, plaintext).unwrap();
    let info = EncryptedPrivateKeyInfo {
        encryption_algorithm: params.into(),
        encrypted_data: der::asn1::OctetString::new(ciphertext).unwrap(),
    };
    let der = info.to_der().unwrap();
    der::pem::encode_string("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF, &der).unwrap()
}

fn pem_der(pem: &str) -> Vec<u8> {
    der::pem::decode_vec(pem.as_bytes()).unwrap().1
}

#[test]
fn a_pbkdf2_encrypted_key_imports() {
    let mut first = account();
    let created = create(&mut first, &valid_request());
    let certificate = text(&created, "Certificate");
    let plain = export(
        &mut first,
        text(&created, "Identifier"),
        json!({"Plain": true}),
    );
    let der = pem_der(&plain);
    PrivateKeyInfoRef::from_der(&der).unwrap();
    let encrypted = encrypt_pbkdf2(&der, "pbkdf2 passphrase");
    let mut second = account();
    let imported = import(
        &mut second,
        certificate,
        &encrypted,
        Some("pbkdf2 passphrase"),
    );
    assert_eq!(
        export(&mut second, &imported, json!({"Plain": true})),
        plain
    );
}

/// About one wrong passphrase in 256 leaves valid CBC padding, so AES "succeeds" with garbage.
/// That must still read as a wrong passphrase, not as a bad PrivateKey (the PKCS#8 decryption
/// checks that the plaintext is DER before the key is parsed).
#[test]
fn a_decryption_that_yields_garbage_is_a_passphrase_error() {
    let mut first = account();
    let created = create(&mut first, &valid_request());
    let certificate = text(&created, "Certificate");
    // What such a lucky wrong passphrase decrypts to: bytes that are no PrivateKeyInfo.
    let garbage: Vec<u8> = (0u8..=200).map(|b| b.wrapping_mul(37)).collect();
    let encrypted = encrypt_pbkdf2(&garbage, "p");
    let mut second = account();
    let error = import_err(
        &mut second,
        &json!({"Certificate": certificate, "PrivateKey": encrypted, "Passphrase": "p"}),
    );
    assert_code(&error, "InvalidParameter.Passphrase", 400);
    assert_eq!(
        error.to_string(),
        "Passphrase does not decrypt the PrivateKey."
    );
}

#[test]
fn import_refuses_a_key_of_another_ca() {
    let mut first = account();
    let one = create(&mut first, &valid_request());
    let two = create(&mut first, &valid_request());
    let two_key = export(&mut first, text(&two, "Identifier"), json!({"Plain": true}));
    let rsa = create(&mut first, &with("Algorithm", json!("RSA_1024")));
    let rsa_key = export(&mut first, text(&rsa, "Identifier"), json!({"Plain": true}));
    let mut second = account();
    for key in [&two_key, &rsa_key] {
        let error = import_err(
            &mut second,
            &json!({"Certificate": text(&one, "Certificate"), "PrivateKey": key}),
        );
        assert_code(&error, "InvalidParameter.PrivateKey", 400);
        assert_eq!(
            error.to_string(),
            "PrivateKey does not match the certificate's public key."
        );
    }
}

#[test]
fn import_refuses_a_non_ca_certificate() {
    let mut second = account();
    let error = import_err(
        &mut second,
        &json!({
            "Certificate": fixture("non-ca-p256.pem"),
            "PrivateKey": fixture("non-ca-p256.key.pem"),
        }),
    );
    assert_code(&error, "InvalidParameter.Certificate", 400);
    assert_eq!(
        error.to_string(),
        "Certificate is not a CA certificate (basicConstraints cA is not TRUE)."
    );
}

#[test]
fn import_accepts_a_root_made_by_openssl() {
    let mut account = account();
    let certificate = fixture("openssl-ca-p256.pem");
    let identifier = import(
        &mut account,
        &certificate,
        &fixture("openssl-ca-p256.key.pem"),
        None,
    );
    let ca = account.ca(&identifier).unwrap();
    assert_eq!(ca.certificate().pem(), certificate.trim_end());
    assert_eq!(ca.algorithm(), private_ca::Algorithm::Ecc256);
}

#[test]
fn import_refuses_unreadable_input() {
    let mut first = account();
    let created = create(&mut first, &valid_request());
    let certificate = text(&created, "Certificate");
    let key = export(
        &mut first,
        text(&created, "Identifier"),
        json!({"Plain": true}),
    );
    let mut second = account();
    let cases = [
        (
            json!({"Certificate": "not a PEM", "PrivateKey": key}),
            "InvalidParameter.Certificate",
        ),
        (
            json!({"Certificate": key, "PrivateKey": key}),
            "InvalidParameter.Certificate",
        ),
        (
            json!({"Certificate": certificate, "PrivateKey": "nope"}),
            "InvalidParameter.PrivateKey",
        ),
        (
            json!({"Certificate": certificate, "PrivateKey": certificate}),
            "InvalidParameter.PrivateKey",
        ),
        (json!({"PrivateKey": key}), "MissingCertificate"),
        (json!({"Certificate": certificate}), "MissingPrivateKey"),
        (
            json!({"Certificate": " ", "PrivateKey": key}),
            "MissingCertificate",
        ),
        (
            json!({"Certificate": 1, "PrivateKey": key}),
            "InvalidParameter.Certificate",
        ),
        (
            json!({"Certificate": "x".repeat(64 * 1024 + 1), "PrivateKey": key}),
            "InvalidParameter.Certificate",
        ),
        (json!([certificate, key]), "InvalidParameter"),
    ];
    for (params, code) in cases {
        let error = import_err(&mut second, &params);
        assert_eq!(error.code(), code, "{error}");
    }
    assert_eq!(ca_count(&second), 0);
}

#[test]
fn removal_forgets_the_ca_and_its_token() {
    let mut account = account();
    let request = with_token("t");
    let created = create(&mut account, &request);
    let id = text(&created, "Identifier").to_owned();
    let kept = create(&mut account, &valid_request());

    let response = call(&mut account, REMOVE, &json!({"Identifier": id}));
    assert_request_id(text(&response, "RequestId"));
    assert_eq!(response.as_object().unwrap().len(), 1);
    assert_eq!(ca_count(&account), 1);
    assert!(account.ca(text(&kept, "Identifier")).is_ok());

    let error = call_err(
        &mut account,
        EXPORT,
        &json!({"Identifier": id, "Plain": true}),
    );
    assert_code(&error, "NotFound", 404);
    let before = snapshot(&account);
    let error = call_err(&mut account, REMOVE, &json!({"Identifier": id}));
    assert_code(&error, "NotFound", 404);
    assert_eq!(snapshot(&account), before);
    let error = call_err(&mut account, REMOVE, &json!({}));
    assert_code(&error, "MissingIdentifier", 400);

    // The token that made the removed CA is forgotten: the same call makes a new CA.
    let again = create(&mut account, &request);
    assert_ne!(text(&again, "Identifier"), id);
    assert_eq!(ca_count(&account), 2);
}

// --- Failed calls change nothing ---

#[test]
fn every_failed_call_leaves_the_account_as_it_was() {
    let (mut account, _) = account_with(AccountOptions {
        instances: Some([(KeyFamily::Ecc, 2)].into()),
        rate_limit_per_second: Some(3),
    });
    let created = create(&mut account, &with_token("kept"));
    let id = text(&created, "Identifier").to_owned();
    let failing: Vec<(&str, Value, &str)> = vec![
        (CREATE, json!(null), "InvalidParameter"),
        (
            CREATE,
            with_all(&[("ClientToken", json!("f")), ("Years", json!(0))]),
            "InvalidParameter.Years",
        ),
        (
            CREATE,
            with_all(&[("ClientToken", json!("f")), ("commonName", json!("x"))]),
            "InvalidParameter.CommonName",
        ),
        (
            CREATE,
            with_all(&[("ClientToken", json!("kept")), ("Years", json!(1))]),
            "IdempotentParameterMismatch",
        ),
        (
            CREATE,
            with_all(&[
                ("ClientToken", json!("f")),
                ("Algorithm", json!("RSA_1024")),
            ]),
            "InvalidParameter.Algorithm",
        ),
        (
            EXPORT,
            json!({"Identifier": "00000000000000000000000000000000", "Plain": true}),
            "NotFound",
        ),
        (
            EXPORT,
            json!({"Identifier": id}),
            "InvalidParameter.Passphrase",
        ),
        (
            IMPORT,
            json!({"Certificate": "x", "PrivateKey": "y"}),
            "InvalidParameter.Certificate",
        ),
        (
            REMOVE,
            json!({"Identifier": "00000000000000000000000000000000"}),
            "NotFound",
        ),
        (
            REMOVE,
            json!({"Identifier": 5}),
            "InvalidParameter.Identifier",
        ),
        ("NoSuchAction", json!({}), "InvalidAction.NotFound"),
    ];
    let before = snapshot(&account);
    for (action, params, code) in &failing {
        let failure = dispatch(&mut account, action, params).unwrap_err();
        assert_eq!(failure.error.code(), *code, "{action} {params}");
        assert_request_id(&failure.request_id);
        assert_eq!(snapshot(&account), before, "{action} {params}");
    }
    // The rate limit and the instances are untouched: two more calls fit in this second, and
    // the token "f" behaves as fresh.
    create(
        &mut account,
        &with_all(&[("ClientToken", json!("f")), ("Years", json!(1))]),
    );
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Ecc], 0);
    let error = create_err(&mut account, &with_all(&[("ClientToken", json!("g"))]));
    assert_code(&error, "NoAvailableInstance", 400);
    let after_no_instance = snapshot(&account);
    let error = create_err(&mut account, &with_all(&[("ClientToken", json!("g"))]));
    assert_code(&error, "NoAvailableInstance", 400);
    assert_eq!(snapshot(&account), after_no_instance);
    assert_eq!(ca_count(&account), 2);
}

#[test]
fn a_root_built_for_a_public_key_takes_only_that_key() {
    let (mut account, _) = account_with(instances(&[(KeyFamily::Rsa, 1)]));
    let request = with_all(&[
        ("Algorithm", json!("RSA_1024")),
        ("ClientToken", json!("t")),
    ]);
    let key = account
        .generate_key(private_ca::Algorithm::Rsa1024)
        .unwrap();
    let public = (key.algorithm(), key.public_key_info().unwrap());
    let build = |account: &mut Account, id: &str| {
        let Prepared::Issue(pending) = account.prepare_root(&request, id.into()).unwrap() else {
            panic!("the call issues");
        };
        account.build_root_for(pending, Ok(public.clone())).unwrap()
    };

    // Another key of the same size does not fit the certificate.
    let mut unsigned = build(&mut account, "R1");
    unsigned.set_key(account.generate_key(private_ca::Algorithm::Rsa1024));
    let error = account.finish_root(unsigned, None).unwrap_err();
    assert!(error.to_string().contains("does not match"), "{error}");
    // Nor does a root whose key never came finish.
    let unsigned = build(&mut account, "R2");
    let error = account.finish_root(unsigned, None).unwrap_err();
    assert_code(&error, "InternalError", 500);
    // Each failure released the instance and the token, and kept nothing.
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 1);
    assert_eq!(ca_count(&account), 0);

    // The key itself does, with a signature made here.
    let mut unsigned = build(&mut account, "R3");
    unsigned.set_key(Ok(key));
    let response = account.finish_root(unsigned, None).unwrap();
    assert_eq!(ca_count(&account), 1);
    assert_eq!(account.instances_left().unwrap()[&KeyFamily::Rsa], 0);
    assert_eq!(
        account.replay("t", "R4".into()).unwrap().identifier,
        response.identifier
    );
}
