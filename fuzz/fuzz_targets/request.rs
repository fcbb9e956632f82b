//! The request parser and validator, on arbitrary JSON-like values.
//!
//! The first byte picks the form: JSON text (as from a file or the wire), or a value built
//! from the rest of the bytes with a bias towards the rules' edges. Besides "no panic", every
//! accepted request must satisfy the rules it was checked against, be a fixed point of
//! normalization (its own JSON parses to the same request), and every refusal must name a
//! known field with a bounded message.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use private_ca::request::{self, CreateRootCaRequest, MAX_NAME_CHARS, MAX_PLACE_CHARS};
use private_ca::{ApiError, dispatch};
use private_ca_fuzz::{FixedClock, FuzzEntropy, object, value};
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let params = if mode & 1 == 0 {
        match serde_json::from_slice::<Value>(rest) {
            Ok(value) => value,
            Err(_) => return,
        }
    } else {
        let mut u = Unstructured::new(rest);
        let built = if mode & 2 == 0 {
            object(&mut u, 3)
        } else {
            value(&mut u, 3)
        };
        match built {
            Ok(value) => value,
            Err(_) => return,
        }
    };
    check_create(&params);
    // The other parsers of outside input behind the same `Params` rules.
    if let Err(error) = request::account_options(&params) {
        check_error(&error);
    }
    let mut account = private_ca::Account::new(
        Default::default(),
        Box::new(FixedClock(Default::default())),
        Box::new(FuzzEntropy::new(u64::from(mode), None)),
    );
    for action in [
        "ExportCAPrivateKey",
        "RemoveCACertificate",
        "ImportCACertificate",
    ] {
        let failure = dispatch(&mut account, action, &params).expect_err("the account is empty");
        check_error(&failure.error);
    }
});

fn check_create(params: &Value) {
    let parsed = CreateRootCaRequest::from_json(params);
    assert_eq!(
        parsed,
        CreateRootCaRequest::from_json(params),
        "deterministic"
    );
    let request = match parsed {
        Ok(request) => request,
        Err(error) => {
            check_error(&error);
            return;
        }
    };
    let subject = &request.subject;
    for (text, max) in [
        (&subject.common_name, MAX_NAME_CHARS),
        (&subject.organization_unit, MAX_NAME_CHARS),
        (&subject.organization, MAX_NAME_CHARS),
        (&subject.locality, MAX_PLACE_CHARS),
        (&subject.state, MAX_PLACE_CHARS),
    ] {
        let count = text.chars().count();
        assert!((1..=max).contains(&count), "{text:?}");
        assert_eq!(text.trim_matches(char::is_whitespace), text, "trimmed");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    if let Some(country) = subject.country {
        assert!(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()));
    }
    assert!((1..=10).contains(&request.years));
    if let Some(token) = &request.client_token {
        assert!((1..=64).contains(&token.len()));
        assert!(token.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    }
    assert!(request.tags.len() <= 20);
    // Normalization is a fixed point: the normalized request, written out, means itself.
    let mut again = json!({
        "CommonName": subject.common_name,
        "OrganizationUnit": subject.organization_unit,
        "Organization": subject.organization,
        "Locality": subject.locality,
        "State": subject.state,
        "CountryCode": subject.country,
        "Algorithm": request.algorithm.name(),
        "Years": request.years,
        "ClientToken": request.client_token,
        "ResourceGroupId": request.resource_group_id,
    });
    again["Tags"] = request
        .tags
        .iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect();
    assert_eq!(
        CreateRootCaRequest::from_json(&again).as_ref(),
        Ok(&request),
        "{again}"
    );
}

/// A refusal names a known field (or the request as a whole), and its message is a bounded
/// sentence that does not grow with the input.
fn check_error(error: &ApiError) {
    let code = error.code();
    let known = |field: &str| private_ca::request::known_field(field).is_some();
    match error {
        ApiError::InvalidParameter { field: None, .. } => assert_eq!(code, "InvalidParameter"),
        ApiError::InvalidParameter {
            field: Some(field), ..
        } => assert!(known(field), "{code}"),
        ApiError::Missing { field } => assert!(known(field), "{code}"),
        ApiError::NotFound { .. } => {}
        other => panic!("unexpected error from validation: {code} {other}"),
    }
    let message = error.to_string();
    assert!(!message.is_empty());
    assert!(
        message.len() <= 2048,
        "{code}: a message of {} bytes: {message:?}",
        message.len()
    );
}
