//! Property tests (proptest): names in any script come back exactly, invalid values name their
//! field, lengths are counted in characters, and no sequence of calls that fails leaves a trace
//! in the account. Certificates are read back with x509-parser, a parser we did not write.
//!
//! Cases per property: `PROPTEST_CASES` (default 256). A failure is shrunk and its seed is
//! written to `tests/properties.proptest-regressions`; commit that file with the fix.
//!
//! The last section replays the crashes the fuzz targets found (`fuzz/regressions/`).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use common::{TestClock, valid_request};
use private_ca::account::AccountOptions;
use private_ca::env::{Entropy, EntropyError, OsEntropy};
use private_ca::{Account, ApiError, CreateRootCaRequest, KeyFamily, dispatch};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

/// The five subject fields, their maximum length in characters, and their attribute OID.
const NAME_FIELDS: [(&str, usize, &str); 5] = [
    ("CommonName", 64, "2.5.4.3"),
    ("OrganizationUnit", 64, "2.5.4.11"),
    ("Organization", 64, "2.5.4.10"),
    ("Locality", 128, "2.5.4.7"),
    ("State", 128, "2.5.4.8"),
];

// --- Strategies ---

/// The contract's refused characters, written out again from the spec rather than taken from
/// the crate: Unicode Cc, the bidirectional controls, and the 66 noncharacters.
fn refused(c: char) -> bool {
    let code = u32::from(c);
    code < 0x20
        || (0x7F..=0x9F).contains(&code)
        || matches!(code, 0x061C | 0x200E | 0x200F)
        || (0x202A..=0x202E).contains(&code)
        || (0x2066..=0x2069).contains(&code)
        || (0xFDD0..=0xFDEF).contains(&code)
        || code & 0xFFFE == 0xFFFE
}

/// A character a name may hold: any script, with extra weight on CJK, right-to-left letters,
/// combining marks, characters outside the Basic Multilingual Plane and the joiners.
fn name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => prop::char::range('\u{4e00}', '\u{9fff}'),
        2 => prop::char::range('\u{1f300}', '\u{1faff}'),
        1 => prop::char::range('\u{20000}', '\u{2a6df}'),
        1 => prop::char::range('\u{10000}', '\u{1005d}'),
        1 => select(vec!['\u{200d}', '\u{200c}']),
        1 => prop::char::range('\u{0600}', '\u{06ff}'),
        1 => prop::char::range('\u{05d0}', '\u{05ea}'),
        1 => prop::char::range('\u{0900}', '\u{097f}'),
        1 => prop::char::range('\u{0300}', '\u{036f}'),
        1 => select(vec![' ', '\u{3000}', '\u{a0}', '\u{2028}', '-', '.', '&', '\'']),
    ]
    .prop_filter("refused by the contract", |c| !refused(*c))
}

/// White space that trimming removes, including the controls among it (tab, LF, CR, NEL).
fn white_space() -> impl Strategy<Value = String> {
    prop::collection::vec(
        select(vec![
            ' ', '\t', '\n', '\r', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2007}',
            '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
        ]),
        0..4,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A name of `min..=max` characters that trimming leaves as it is: its first and last
/// characters are not white space.
fn trimmed_name(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(name_char(), min..=max).prop_map(|mut chars| {
        let last = chars.len() - 1;
        for index in [0, last] {
            if chars[index].is_whitespace() {
                chars[index] = '\u{1f600}';
            }
        }
        chars.into_iter().collect()
    })
}

/// A name as a user might send it: a trimmed name inside white space.
fn padded_name(max: usize) -> impl Strategy<Value = (String, String)> {
    (white_space(), trimmed_name(1, max), white_space())
        .prop_map(|(before, name, after)| (format!("{before}{name}{after}"), name))
}

/// Five valid names, as sent and as they must come back.
fn five_names() -> impl Strategy<Value = Vec<(String, String)>> {
    NAME_FIELDS
        .iter()
        .map(|(_, max, _)| padded_name(*max))
        .collect::<Vec<_>>()
}

// --- Helpers ---

fn request_with_names(names: &[(String, String)], algorithm: &str) -> Value {
    let mut request = valid_request();
    for ((field, ..), (sent, _)) in NAME_FIELDS.iter().zip(names) {
        request[*field] = json!(sent);
    }
    request["Algorithm"] = json!(algorithm);
    request
}

/// The subject of a PEM certificate as (OID, string tag, text), read by x509-parser.
fn subject_attributes(pem: &str) -> Vec<(String, u32, String)> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    let (rest, certificate) = x509_parser::parse_x509_certificate(&block.contents).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        certificate.subject().as_raw(),
        certificate.issuer().as_raw()
    );
    certificate
        .subject()
        .iter()
        .map(|rdn| {
            let attributes: Vec<_> = rdn.iter().collect();
            assert_eq!(attributes.len(), 1, "one attribute per RDN");
            let attribute = attributes[0];
            (
                attribute.attr_type().to_id_string(),
                attribute.attr_value().header.tag().0,
                attribute.as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn error_of(request: &Value) -> ApiError {
    match CreateRootCaRequest::from_json(request) {
        Ok(parsed) => panic!("accepted {request}: {parsed:?}"),
        Err(error) => error,
    }
}

#[track_caller]
fn assert_names_field(error: &ApiError, code: &str, field: &str) {
    assert_eq!(error.code(), code, "{error}");
    assert!(
        error.to_string().contains(field),
        "{error} does not name {field}"
    );
}

// --- Names come back exactly ---

proptest! {
    #[test]
    fn valid_names_are_the_certificates_subject_exactly(
        names in five_names(),
        algorithm in select(vec!["ECC_256", "SM2_256"]),
    ) {
        let mut account = common::account();
        let request = request_with_names(&names, algorithm);
        let response = dispatch(&mut account, "CreateRootCACertificate", &request)
            .map_err(|failure| failure.error)
            .unwrap();
        let attributes = subject_attributes(response["Certificate"].as_str().unwrap());
        // C, then ST, L, O, OU, CN; C a PrintableString (tag 19), the others UTF8String (12).
        prop_assert_eq!(&attributes[0], &("2.5.4.6".to_owned(), 19, "CN".to_owned()));
        let by_oid: BTreeMap<&str, (u32, &str)> = attributes[1..]
            .iter()
            .map(|(oid, tag, text)| (oid.as_str(), (*tag, text.as_str())))
            .collect();
        let order: Vec<&str> = attributes[1..].iter().map(|(oid, ..)| oid.as_str()).collect();
        prop_assert_eq!(order, ["2.5.4.8", "2.5.4.7", "2.5.4.10", "2.5.4.11", "2.5.4.3"]);
        for ((field, _, oid), (sent, trimmed)) in NAME_FIELDS.iter().zip(&names) {
            prop_assert_eq!(
                by_oid[oid],
                (12, trimmed.as_str()),
                "{} sent as {:?}",
                field,
                sent
            );
        }
    }

    #[test]
    fn lengths_are_counted_in_characters(
        field in 0..NAME_FIELDS.len(),
        extra in 0..=1usize,
        seed in any::<u64>(),
    ) {
        let (name, max, _) = NAME_FIELDS[field];
        // Characters of 1 to 4 UTF-8 bytes and 1 or 2 UTF-16 units, so that neither bytes nor
        // code units add up to the character count.
        let pool = ['a', 'é', '阿', '\u{1f600}', '\u{20000}', '\u{200d}'];
        let mut state = seed;
        let text: String = (0..max + extra)
            .map(|index| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                if index == 0 || index == max + extra - 1 {
                    '\u{1f600}'
                } else {
                    pool[(state >> 33) as usize % pool.len()]
                }
            })
            .collect();
        let request = common::with(name, json!(text));
        match extra {
            0 => {
                let parsed = CreateRootCaRequest::from_json(&request).unwrap();
                let subject = parsed.subject;
                let stored = [
                    subject.common_name,
                    subject.organization_unit,
                    subject.organization,
                    subject.locality,
                    subject.state,
                ];
                prop_assert_eq!(&stored[field], &text);
            }
            _ => {
                let error = error_of(&request);
                assert_names_field(&error, &format!("InvalidParameter.{name}"), name);
                let got = format!("got {}", max + 1);
                prop_assert!(error.to_string().contains(&got), "{}", error);
            }
        }
    }
}

// --- Invalid values name their field ---

#[derive(Clone, Debug)]
enum BadName {
    /// A refused character strictly inside an otherwise valid name.
    Refused(String),
    /// More characters than the field allows.
    TooLong(String),
    /// White space only, or nothing.
    Blank(String),
    /// `null`.
    Null,
    /// A number, a boolean, an array or an object where a string belongs.
    WrongType(Value),
}

fn refused_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::char::range('\u{0}', '\u{1f}'),
        prop::char::range('\u{7f}', '\u{9f}'),
        select(vec!['\u{61c}', '\u{200e}', '\u{200f}']),
        prop::char::range('\u{202a}', '\u{202e}'),
        prop::char::range('\u{2066}', '\u{2069}'),
        prop::char::range('\u{fdd0}', '\u{fdef}'),
        (0u32..=16).prop_map(|plane| char::from_u32(plane << 16 | 0xfffe).unwrap()),
        (0u32..=16).prop_map(|plane| char::from_u32(plane << 16 | 0xffff).unwrap()),
    ]
}

fn bad_name(max: usize) -> impl Strategy<Value = BadName> {
    let wrong_type = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        trimmed_name(1, 8).prop_map(|name| json!([name])),
        trimmed_name(1, 8).prop_map(|name| json!({"text": name})),
        Just(json!({})),
        Just(json!([])),
    ];
    prop_oneof![
        3 => (trimmed_name(2, max - 1), refused_char(), any::<prop::sample::Index>()).prop_map(
            |(name, bad, at)| {
                let mut chars: Vec<char> = name.chars().collect();
                chars.insert(1 + at.index(chars.len() - 1), bad);
                BadName::Refused(chars.into_iter().collect())
            }
        ),
        2 => (white_space(), trimmed_name(max + 1, max + 40), white_space())
            .prop_map(|(a, name, b)| BadName::TooLong(format!("{a}{name}{b}"))),
        1 => white_space().prop_map(BadName::Blank),
        1 => Just(BadName::Null),
        2 => wrong_type.prop_map(BadName::WrongType),
    ]
}

fn one_bad_field() -> impl Strategy<Value = (usize, BadName)> {
    (0..NAME_FIELDS.len()).prop_flat_map(|field| (Just(field), bad_name(NAME_FIELDS[field].1)))
}

proptest! {
    #[test]
    fn an_invalid_name_is_refused_naming_its_field(
        names in five_names(),
        (field, bad) in one_bad_field(),
    ) {
        let mut request = request_with_names(&names, "ECC_256");
        let name = NAME_FIELDS[field].0;
        let (value, code) = match &bad {
            BadName::Refused(text) | BadName::TooLong(text) => {
                (json!(text), format!("InvalidParameter.{name}"))
            }
            BadName::Blank(text) => (json!(text), format!("Missing{name}")),
            BadName::Null => (Value::Null, format!("Missing{name}")),
            BadName::WrongType(value) => (value.clone(), format!("InvalidParameter.{name}")),
        };
        request[name] = value;
        let error = error_of(&request);
        assert_names_field(&error, &code, name);
        if let BadName::Refused(text) = &bad {
            let c = text.chars().find(|c| refused(*c)).unwrap();
            let hex = format!("U+{:04X}", u32::from(c));
            prop_assert!(error.to_string().contains(&hex), "{} lacks {}", error, hex);
        }
        // The same request through the dispatcher: the same error, and an account unchanged.
        let mut account = common::account();
        let failure = dispatch(&mut account, "CreateRootCACertificate", &request).unwrap_err();
        prop_assert_eq!(failure.error, error);
        prop_assert_eq!(account.cas().count(), 0);
    }

    #[test]
    fn client_tokens_are_visible_ascii(
        token in ascii('!'..='~', 1..=64),
        padding in white_space(),
        bad in prop_oneof![prop::char::range('\u{0}', '\u{20}'), prop::char::range('\u{7f}', '\u{10ffff}')],
        at in any::<prop::sample::Index>(),
    ) {
        let sent = format!("{padding}{token}{padding}");
        let parsed = CreateRootCaRequest::from_json(&common::with("ClientToken", json!(sent)));
        prop_assert_eq!(parsed.unwrap().client_token, Some(token.clone()));
        // A character outside 0x21-0x7E inside the token, where trimming cannot reach it.
        let inner = format!("a{token}");
        let split = 1 + at.index(inner.len());
        let broken = format!("{}{bad}{}", &inner[..split.min(inner.len())], &inner[split.min(inner.len())..]);
        let broken = if broken.ends_with(bad) { format!("{broken}z") } else { broken };
        let error = error_of(&common::with("ClientToken", json!(broken)));
        assert_names_field(&error, "InvalidParameter.ClientToken", "ClientToken");
        let too_long = format!("{token}{}", "x".repeat(65 - token.len()));
        let error = error_of(&common::with("ClientToken", json!(too_long)));
        assert_names_field(&error, "InvalidParameter.ClientToken", "ClientToken");
    }
}

/// A string of `len` characters from `range`.
fn ascii(
    range: std::ops::RangeInclusive<char>,
    len: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range(*range.start(), *range.end()), len)
        .prop_map(|chars| chars.into_iter().collect())
}

// --- A failed call leaves no trace ---

/// A random number source that can be told to fail after some bytes.
#[derive(Clone)]
struct FlakyEntropy(Rc<Cell<Option<usize>>>);

impl Entropy for FlakyEntropy {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), EntropyError> {
        if let Some(left) = self.0.get() {
            let left = left.checked_sub(dest.len()).ok_or(EntropyError)?;
            self.0.set(Some(left));
        }
        OsEntropy.fill(dest)
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// A create with this token (index into a small pool), Years and a maybe-bad CommonName.
    Create {
        token: Option<usize>,
        years: Value,
        common_name: Value,
        algorithm: &'static str,
        /// The random number source fails after this many bytes.
        entropy_fails_after: Option<usize>,
    },
    /// Export (plain) the n-th CA held, or an unknown Identifier.
    Export(prop::sample::Index, bool),
    /// Remove the n-th CA held, or an unknown Identifier.
    Remove(prop::sample::Index, bool),
    /// An import of garbage.
    ImportGarbage(String),
    /// The clock moves on.
    Wait(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let create = (
        prop::option::of(0..3usize),
        prop_oneof![
            4 => (1..=10u8).prop_map(Value::from),
            1 => select(vec![json!(0), json!(11), json!("x"), json!(null), json!(2.5)]),
        ],
        prop_oneof![
            4 => select(vec![json!("Root A"), json!("Root B")]),
            1 => select(vec![json!(""), json!("a\u{202e}b"), json!(7), json!({"x": 1})]),
        ],
        select(vec!["ECC_256", "SM2_256", "ECC_384", "RSA_9"]),
        prop::option::weighted(0.2, 0..200usize),
    )
        .prop_map(
            |(token, years, common_name, algorithm, entropy_fails_after)| Op::Create {
                token,
                years,
                common_name,
                algorithm,
                entropy_fails_after,
            },
        );
    prop_oneof![
        5 => create,
        1 => (any::<prop::sample::Index>(), any::<bool>()).prop_map(|(i, k)| Op::Export(i, k)),
        1 => (any::<prop::sample::Index>(), any::<bool>()).prop_map(|(i, k)| Op::Remove(i, k)),
        1 => ascii(' '..='~', 0..=40).prop_map(Op::ImportGarbage),
        1 => any::<u16>().prop_map(Op::Wait),
    ]
}

fn account_options() -> impl Strategy<Value = AccountOptions> {
    (prop::option::of(0..=3u32), prop::option::of(1..=4u32)).prop_map(|(ecc, rate)| {
        AccountOptions {
            instances: ecc.map(|n| [(KeyFamily::Ecc, n), (KeyFamily::Sm2, 1)].into()),
            rate_limit_per_second: rate,
        }
    })
}

/// What the account must look like from outside.
fn snapshot(account: &Account) -> common::Snapshot {
    common::snapshot(account)
}

const TOKENS: [&str; 3] = ["token-a", "token-b", "token-c"];
const UNKNOWN: &str = "0123456789abcdef0123456789abcdef";

fn identifier(account: &Account, index: &prop::sample::Index, known: bool) -> String {
    let ids: Vec<String> = account.cas().map(|ca| ca.identifier().to_owned()).collect();
    if ids.is_empty() || !known {
        return UNKNOWN.into();
    }
    index.get(&ids).clone()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_failed_call_leaves_no_trace_and_no_token(
        options in account_options(),
        ops in prop::collection::vec(op(), 1..10),
    ) {
        let clock = TestClock::new();
        let budget = Rc::new(Cell::new(None));
        let mut account = Account::new(
            options,
            Box::new(clock.clone()),
            Box::new(FlakyEntropy(budget.clone())),
        );
        // The model: for each remembered token, the normalized request and its Identifier.
        let mut tokens: BTreeMap<&str, (CreateRootCaRequest, String)> = BTreeMap::new();
        for op in ops {
            let before = snapshot(&account);
            match op {
                Op::Create { token, years, common_name, algorithm, entropy_fails_after } => {
                    let mut request = valid_request();
                    request["Years"] = years;
                    request["CommonName"] = common_name;
                    request["Algorithm"] = json!(algorithm);
                    let token = token.map(|t| TOKENS[t]);
                    if let Some(token) = token {
                        request["ClientToken"] = json!(token);
                    }
                    let normalized = CreateRootCaRequest::from_json(&request);
                    budget.set(entropy_fails_after);
                    let result = dispatch(&mut account, "CreateRootCACertificate", &request);
                    budget.set(None);
                    let remembered = token.and_then(|t| tokens.get(t));
                    match result {
                        Err(failure) => {
                            prop_assert_eq!(&snapshot(&account), &before, "{}", failure.error);
                            let code = failure.error.code();
                            match (&normalized, remembered) {
                                (Err(error), _) if error.code() == code => {}
                                (_, _) if code == "InternalError" => {
                                    prop_assert!(entropy_fails_after.is_some(), "{}", failure.error);
                                }
                                (Ok(request), Some((first, _))) if code == "IdempotentParameterMismatch" => {
                                    prop_assert_ne!(first, request);
                                }
                                (Ok(_), None) => prop_assert!(
                                    ["NoAvailableInstance", "Throttling.User", "InvalidParameter.Algorithm"]
                                        .contains(&code.as_str()),
                                    "{}", failure.error
                                ),
                                _ => prop_assert!(false, "unexpected {}: {}", code, failure.error),
                            }
                        }
                        Ok(response) => {
                            let id = response["Identifier"].as_str().unwrap().to_owned();
                            let request = normalized.unwrap();
                            if let Some((first, first_id)) = remembered {
                                prop_assert_eq!(first, &request);
                                prop_assert_eq!(&id, first_id);
                                prop_assert_eq!(&snapshot(&account), &before);
                            } else {
                                prop_assert_eq!(snapshot(&account).cas.len(), before.cas.len() + 1);
                                if let Some(token) = token {
                                    tokens.insert(token, (request, id));
                                }
                            }
                        }
                    }
                }
                Op::Export(index, known) => {
                    let id = identifier(&account, &index, known);
                    let result = dispatch(
                        &mut account,
                        "ExportCAPrivateKey",
                        &json!({"Identifier": id, "Plain": true}),
                    );
                    prop_assert_eq!(result.is_ok(), id != UNKNOWN);
                    prop_assert_eq!(&snapshot(&account), &before);
                }
                Op::Remove(index, known) => {
                    let id = identifier(&account, &index, known);
                    let result = dispatch(&mut account, "RemoveCACertificate", &json!({"Identifier": id}));
                    if result.is_ok() {
                        prop_assert_eq!(snapshot(&account).cas.len() + 1, before.cas.len());
                        tokens.retain(|_, (_, kept)| *kept != id);
                    } else {
                        prop_assert_eq!(&snapshot(&account), &before);
                    }
                }
                Op::ImportGarbage(text) => {
                    let params = json!({"Certificate": text, "PrivateKey": text, "Passphrase": "p"});
                    let failure = dispatch(&mut account, "ImportCACertificate", &params).unwrap_err();
                    prop_assert!(failure.error.code().starts_with("InvalidParameter.")
                        || failure.error.code().starts_with("Missing"), "{}", failure.error);
                    prop_assert_eq!(&snapshot(&account), &before);
                }
                Op::Wait(millis) => clock.advance(i64::from(millis)),
            }
        }
    }
}

/// A random number source that, when armed, fails every read of 512 bytes or more: the
/// account's refills of its read-ahead randomness for RequestIds, serials and Identifiers.
/// (Key generation and signing read far less at a time.)
#[derive(Clone)]
struct FailingRefills(Rc<Cell<bool>>);

impl Entropy for FailingRefills {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), EntropyError> {
        if self.0.get() && dest.len() >= 512 {
            return Err(EntropyError);
        }
        OsEntropy.fill(dest)
    }
}

/// The byte-budget property above rarely makes the RequestId, serial or Identifier draw fail,
/// since those come from a 512-byte read-ahead. Here the read-ahead runs out at each of the
/// three in turn: after k RequestIds (16 bytes each) drawn beforehand, for k from 1 to 32, the
/// refill falls on a create's RequestId (k = 32), serial (31) and Identifier (30). Each failure
/// leaves no trace: no CA, no remembered token, no instance or rate-limit slot taken.
#[test]
fn a_failed_refill_of_public_randomness_leaves_no_trace_at_any_step() {
    let mut failures = 0;
    for k in 1..=32 {
        let armed = Rc::new(Cell::new(false));
        let clock = TestClock::new();
        let options = AccountOptions {
            instances: Some([(KeyFamily::Ecc, 1)].into()),
            rate_limit_per_second: Some(1),
        };
        let mut account = Account::new(
            options,
            Box::new(clock.clone()),
            Box::new(FailingRefills(armed.clone())),
        );
        for _ in 0..k {
            account.new_request_id().unwrap();
        }
        let mut request = valid_request();
        request["ClientToken"] = json!("token");
        let before = common::snapshot(&account);
        armed.set(true);
        let result = dispatch(&mut account, "CreateRootCACertificate", &request);
        armed.set(false);
        match result {
            Ok(_) => continue,
            Err(failure) => {
                failures += 1;
                assert_eq!(failure.error.code(), "InternalError", "k = {k}");
                assert_eq!(common::snapshot(&account), before, "k = {k}");
            }
        }
        // The token, the one instance and the one call a second were all given back.
        let response = dispatch(&mut account, "CreateRootCACertificate", &request)
            .unwrap_or_else(|failure| panic!("k = {k}: {}", failure.error));
        assert_eq!(response["Identifier"].as_str().map(str::len), Some(32));
    }
    assert_eq!(failures, 3, "one refill at each of the three draws");
}

// --- Crashes and hangs the fuzz targets found ---

/// Imports `key_pem` with the certificate of `tests/fixtures/openssl-ca-p256.pem` and the
/// passphrase `fuzz`, as the `import` fuzz target does, on a thread with a deadline: a
/// regression that hangs fails after 20 seconds instead of stalling the suite.
fn import_within_deadline(key_pem: String) -> Result<Value, ApiError> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut account = common::account();
        let params = json!({
            "Certificate": common::fixture("openssl-ca-p256.pem"),
            "PrivateKey": key_pem,
            "Passphrase": "fuzz",
        });
        let result = dispatch(&mut account, "ImportCACertificate", &params);
        assert_eq!(account.cas().count(), usize::from(result.is_ok()));
        let _ = sender.send(result.map_err(|failure| failure.error));
    });
    match receiver.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("the import hangs"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the import panicked"),
    }
}

/// An `ENCRYPTED PRIVATE KEY` PEM with these key-derivation parameters and AES-256-CBC over
/// 48 bytes of garbage (the parameters must be refused before any decryption is tried).
fn encrypted_key_pem(kdf: pkcs8::pkcs5::pbes2::Kdf) -> String {
    use der::Encode;
    use pkcs8::pkcs5::pbes2;
    let parameters = pbes2::Parameters {
        kdf,
        encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [9; 16] },
    };
    let info = pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: parameters.into(),
        encrypted_data: der::asn1::OctetString::new(vec![0x5a; 48]).unwrap(),
    };
    der::pem::encode_string(
        "ENCRYPTED PRIVATE KEY",
        der::pem::LineEnding::LF,
        &info.to_der().unwrap(),
    )
    .unwrap()
}

fn scrypt(cost: u64, block_size: u16, parallelization: u16) -> pkcs8::pkcs5::pbes2::Kdf {
    pkcs8::pkcs5::pbes2::Kdf::Scrypt(pkcs8::pkcs5::pbes2::ScryptParams {
        salt: pkcs8::pkcs5::pbes2::Salt::new([7; 16]).unwrap(),
        cost_parameter: cost,
        block_size,
        parallelization,
        key_length: None,
    })
}

/// Found by `fuzz/` target `import` (input `fuzz/regressions/import/scrypt-cost-zero`): an
/// encrypted key whose scrypt cost N is 0 made `pkcs5` panic (an integer underflow computing
/// log2 N), which in WebAssembly leaves the account borrowed and unusable for good.
#[test]
fn regression_an_scrypt_cost_of_zero_is_refused_without_a_panic() {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/import/scrypt-cost-zero"
    ))
    .unwrap();
    assert_eq!(
        input[0] % 3,
        1,
        "the import target's mode for encrypted keys"
    );
    let pem = der::pem::encode_string(
        "ENCRYPTED PRIVATE KEY",
        der::pem::LineEnding::LF,
        &input[1..],
    )
    .unwrap();
    let error = import_within_deadline(pem).unwrap_err();
    assert_eq!(error.code(), "InvalidParameter.PrivateKey", "{error}");
    let error = import_within_deadline(encrypted_key_pem(scrypt(0, 8, 1))).unwrap_err();
    assert_eq!(error.code(), "InvalidParameter.PrivateKey", "{error}");
}

/// Key-derivation costs come from the imported file: scrypt asking for a terabyte of memory
/// aborted the process (an allocation failure is not even a panic), and PBKDF2 with 2^32 - 1
/// iterations or scrypt with p = 65535 ran for hours. Each is refused at once.
#[test]
fn regression_key_derivation_costs_from_the_file_are_bounded() {
    use pkcs8::pkcs5::pbes2::{Kdf, Pbkdf2Params, Pbkdf2Prf, Salt};
    let pbkdf2 = |iteration_count| {
        Kdf::Pbkdf2(Pbkdf2Params {
            salt: Salt::new([7; 16]).unwrap(),
            iteration_count,
            key_length: None,
            prf: Pbkdf2Prf::HmacWithSha256,
        })
    };
    for (name, kdf) in [
        ("PBKDF2, 2^32 - 1 iterations", pbkdf2(u32::MAX)),
        ("scrypt N = 2^20, r = 8 (1 GiB)", scrypt(1 << 20, 8, 1)),
        ("scrypt N = 2^40, r = 8 (1 TiB)", scrypt(1 << 40, 8, 1)),
        (
            "scrypt N = 2^14, r = 8, p = 65535",
            scrypt(1 << 14, 8, u16::MAX),
        ),
        ("scrypt N = 3", scrypt(3, 8, 1)),
    ] {
        let started = std::time::Instant::now();
        let error = import_within_deadline(encrypted_key_pem(kdf)).unwrap_err();
        assert_eq!(
            error.code(),
            "InvalidParameter.PrivateKey",
            "{name}: {error}"
        );
        assert!(
            started.elapsed().as_secs() < 2,
            "{name}: {:?}",
            started.elapsed()
        );
    }
    // What OpenSSL and our own export write is still accepted (and only the passphrase, here a
    // wrong one over garbage, fails).
    for (name, kdf) in [
        ("PBKDF2, 2048 iterations", pbkdf2(2048)),
        ("scrypt N = 2^14, r = 8, p = 1", scrypt(1 << 14, 8, 1)),
    ] {
        let error = import_within_deadline(encrypted_key_pem(kdf)).unwrap_err();
        assert_eq!(
            error.code(),
            "InvalidParameter.Passphrase",
            "{name}: {error}"
        );
    }
}

/// Found by `fuzz/` target `request` (input `fuzz/regressions/request/instances-key-echoed`,
/// which `.ci/fuzz` replays): an unknown `Instances` key was quoted whole in the message, so a
/// message grew with the input (3 KB from 26 bytes of fuzz input; a megabyte from JavaScript,
/// whose object keys are not length-checked). The Algorithm value and the action name were
/// echoed the same way. Messages quote at most 100 characters.
#[test]
fn regression_messages_do_not_grow_with_the_input() {
    let long = "\u{200d}".repeat(10_000);
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/request/instances-key-echoed"
    ))
    .unwrap();
    assert_eq!(
        input[0] & 1,
        1,
        "the request target's mode for built values"
    );
    let errors = [
        private_ca::request::account_options(&json!({"Instances": {long.clone(): 1}})).unwrap_err(),
        error_of(&common::with("Algorithm", json!(long))),
        dispatch(&mut common::account(), &long, &json!({}))
            .unwrap_err()
            .error,
    ];
    for error in errors {
        let message = error.to_string();
        assert!(
            message.len() <= 2048,
            "{}: {} bytes",
            error.code(),
            message.len()
        );
        assert!(
            message.contains("a string of 10000 characters"),
            "{message}"
        );
    }
}
