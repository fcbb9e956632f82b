//! Helpers shared by the native integration tests: a clock the test moves by hand, accounts on
//! it, a valid request to start from, and shortcuts for the result of a call.

#![allow(
    dead_code,
    reason = "each test crate that includes this module uses only some of the helpers"
)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use private_ca::account::{AccountOptions, StoredCa};
use private_ca::env::{Clock, OsEntropy, UnixMillis};
use private_ca::{Account, ApiError, CreateRootCaRequest, KeyFamily, dispatch};
use serde_json::{Map, Value, json};

/// 2026-03-01T08:00:00Z: a fixed instant for deterministic tests.
pub const START: UnixMillis = 1_772_352_000_000;

/// A clock that stays where the test puts it. Clones share the same time.
#[derive(Clone, Debug)]
pub struct TestClock(Rc<Cell<UnixMillis>>);

impl TestClock {
    /// A clock at [`START`].
    pub fn new() -> Self {
        Self(Rc::new(Cell::new(START)))
    }

    /// Sets the time, in Unix milliseconds.
    pub fn set(&self, now: UnixMillis) {
        self.0.set(now);
    }

    /// Moves the time forward by `millis`.
    pub fn advance(&self, millis: i64) {
        self.0.set(self.0.get() + millis);
    }
}

impl Clock for TestClock {
    fn now(&self) -> UnixMillis {
        self.0.get()
    }
}

/// An account with `options` on a [`TestClock`] and OS randomness, and a handle on its clock.
pub fn account_with(options: AccountOptions) -> (Account, TestClock) {
    let clock = TestClock::new();
    let account = Account::new(options, Box::new(clock.clone()), Box::new(OsEntropy));
    (account, clock)
}

/// An account with every emulated rule off.
pub fn account() -> Account {
    account_with(AccountOptions::default()).0
}

/// Options with the instance rule on: `instances` purchased per family.
pub fn instances(instances: &[(KeyFamily, u32)]) -> AccountOptions {
    AccountOptions {
        instances: Some(instances.iter().copied().collect()),
        rate_limit_per_second: None,
    }
}

/// A valid `CreateRootCACertificate` request with every required field, and ECC_256 for speed.
pub fn valid_request() -> Value {
    json!({
        "CommonName": "Example Root CA",
        "OrganizationUnit": "Security",
        "Organization": "Example Ltd",
        "Locality": "Hangzhou",
        "State": "Zhejiang",
        "CountryCode": "CN",
        "Algorithm": "ECC_256",
        "Years": 10,
    })
}

/// [`valid_request`] with `field` set to `value` (added or replaced).
pub fn with(field: &str, value: Value) -> Value {
    with_all(&[(field, value)])
}

/// [`valid_request`] with each `(field, value)` set.
pub fn with_all(fields: &[(&str, Value)]) -> Value {
    let mut request = valid_request();
    let map = object(&mut request);
    for (field, value) in fields {
        map.insert((*field).to_owned(), value.clone());
    }
    request
}

/// [`valid_request`] without `field`.
pub fn without(field: &str) -> Value {
    let mut request = valid_request();
    object(&mut request).remove(field);
    request
}

fn object(value: &mut Value) -> &mut Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("valid_request is an object"),
    }
}

/// Parses a request; panics with the request when it is refused.
pub fn parse(request: &Value) -> CreateRootCaRequest {
    match CreateRootCaRequest::from_json(request) {
        Ok(parsed) => parsed,
        Err(error) => panic!("refused {request}: {} ({error})", error.code()),
    }
}

/// The error a request is refused with; panics when it is accepted.
pub fn refused(request: &Value) -> ApiError {
    match CreateRootCaRequest::from_json(request) {
        Ok(parsed) => panic!("accepted {request}: {parsed:?}"),
        Err(error) => error,
    }
}

/// Creates a root CA through the dispatcher and returns the response; panics on failure.
pub fn create(account: &mut Account, request: &Value) -> Value {
    call(account, "CreateRootCACertificate", request)
}

/// Runs an action through the dispatcher; panics on failure.
pub fn call(account: &mut Account, action: &str, params: &Value) -> Value {
    match dispatch(account, action, params) {
        Ok(response) => response,
        Err(failure) => panic!(
            "{action} failed: {} ({})",
            failure.error.code(),
            failure.error
        ),
    }
}

/// Runs an action through the dispatcher, expecting it to fail; returns the error.
pub fn call_err(account: &mut Account, action: &str, params: &Value) -> ApiError {
    match dispatch(account, action, params) {
        Ok(response) => panic!("{action} succeeded: {response}"),
        Err(failure) => {
            assert_request_id(&failure.request_id);
            let body = failure.body();
            assert_eq!(body.code, failure.error.code());
            assert_eq!(body.message, failure.error.to_string());
            assert_eq!(body.request_id, failure.request_id);
            failure.error
        }
    }
}

/// A string field of a JSON response.
pub fn text<'a>(response: &'a Value, field: &str) -> &'a str {
    match response.get(field).and_then(Value::as_str) {
        Some(text) => text,
        None => panic!("no string {field} in {response}"),
    }
}

/// Checks the RequestId shape: `^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`.
pub fn assert_request_id(id: &str) {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    assert_eq!(lengths, [8, 4, 4, 4, 12], "RequestId {id:?}");
    assert!(
        groups
            .iter()
            .flat_map(|group| group.bytes())
            .all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')),
        "RequestId {id:?}"
    );
}

/// Checks the Identifier shape: `^[0-9a-f]{32}$`.
pub fn assert_identifier(id: &str) {
    assert_eq!(id.len(), 32, "Identifier {id:?}");
    assert!(
        id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "Identifier {id:?}"
    );
}

/// What a failed call must leave untouched: the CAs held (Identifier and certificate PEM) and
/// the purchased instances left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Identifier and certificate PEM of every CA, in Identifier order.
    pub cas: Vec<(String, String)>,
    /// Instances left per family, when the instance rule is on.
    pub instances_left: Option<BTreeMap<KeyFamily, u32>>,
}

/// The observable state of `account`.
pub fn snapshot(account: &Account) -> Snapshot {
    Snapshot {
        cas: account
            .cas()
            .map(|ca: &StoredCa| (ca.identifier().to_owned(), ca.certificate().pem()))
            .collect(),
        instances_left: account.instances_left().cloned(),
    }
}

/// Reads a fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => panic!("cannot read {path}: {error}"),
    }
}
