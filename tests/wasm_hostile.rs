//! Bad input from JavaScript: every field of every action given every wrong type, `null`,
//! `undefined`, empty and white-space-only text, 1 MB strings, lone surrogates, control
//! characters, bidirectional overrides, nested and cyclic objects, Proxies whose traps throw,
//! and requests that are not objects at all.
//!
//! Each call must reject (never throw synchronously) with the documented SDK-shaped error
//! (`ClientError`, status 400, the contract's `Code`, a RequestId), and the same `PrivateCa`
//! must create a root CA on the very next call. The matrix runs in the JavaScript module below
//! (only JavaScript can make a Symbol, a BigInt or a lone surrogate) and returns the cases that
//! went wrong; the Rust side asserts that none did.
//!
//! Run with `wasm-pack test --node -- --test wasm_hostile` (or `--headless --chrome`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use js_sys::{Array, Promise, Reflect};
use private_ca::wasm::{PrivateCa, error_classes};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen(inline_js = r#"
const GOOD = () => ({
  CommonName: 'Hostile Input Root', OrganizationUnit: 'Security', Organization: 'Example',
  Locality: 'Hangzhou', State: 'Zhejiang', CountryCode: 'CN', Algorithm: 'ECC_256', Years: 1,
});
const REQUIRED_TEXT = ['CommonName', 'OrganizationUnit', 'Organization', 'Locality', 'State'];
const OPTIONAL_TEXT = ['CountryCode', 'Algorithm', 'ClientToken', 'ResourceGroupId'];
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

function trapsThrow() {
  const thrower = (name) => () => { throw new Error(`${name} trap`); };
  return new Proxy({}, {
    get: thrower('get'), ownKeys: thrower('ownKeys'), has: thrower('has'),
    getOwnPropertyDescriptor: thrower('getOwnPropertyDescriptor'),
    getPrototypeOf: thrower('getPrototypeOf'),
  });
}
function revoked() { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; }
function cyclic() { const o = { a: 'x' }; o.self = o; return o; }
function deep(n) { let v = 'x'; for (let i = 0; i < n; i++) v = [v]; return v; }
function throwingGetter(name) {
  return Object.defineProperty({}, name, { get() { throw new Error('getter'); }, enumerable: true });
}
const MB = 'x'.repeat(1 << 20);

// [label, value, meaning]: 'absent' (null, undefined, empty or blank text) or 'invalid'.
export function hostileValues() {
  return [
    ['undefined', undefined, 'absent'],
    ['null', null, 'absent'],
    ['empty string', '', 'absent'],
    ['spaces', '   ', 'absent'],
    ['tab, CR and LF', '\t\r\n ', 'absent'],
    ['ideographic and no-break spaces', '\u3000\u00a0', 'absent'],
    ['1 MB string', MB, 'invalid'],
    ['1 MB of spaces', ' '.repeat(1 << 20), 'invalid'],
    ['lone high surrogate', 'a\ud800b', 'invalid'],
    ['lone low surrogate', 'a\udc00b', 'invalid'],
    ['high surrogate at the end', 'ab\ud83d', 'invalid'],
    ['NUL', 'a\u0000b', 'invalid'],
    ['BEL', 'a\u0007b', 'invalid'],
    ['DEL', 'a\u007fb', 'invalid'],
    ['NEL inside', 'a\u0085b', 'invalid'],
    ['right-to-left override', 'a\u202eb', 'invalid'],
    ['left-to-right isolate', 'a\u2066b', 'invalid'],
    ['Arabic letter mark', 'a\u061cb', 'invalid'],
    ['noncharacter U+FFFE', 'a\ufffeb', 'invalid'],
    ['number', 42, 'invalid'],
    ['negative zero', -0, 'invalid'],
    ['NaN', NaN, 'invalid'],
    ['Infinity', Infinity, 'invalid'],
    ['true', true, 'invalid'],
    ['false', false, 'invalid'],
    ['BigInt', 10n, 'invalid'],
    ['Symbol', Symbol('x'), 'invalid'],
    ['function', () => 'x', 'invalid'],
    ['empty array', [], 'invalid'],
    ['array of a string', ['x'], 'invalid'],
    ['nested object', { value: 'x' }, 'invalid'],
    ['empty object', {}, 'invalid'],
    ['String object', new String('x'), 'invalid'],
    ['Date', new Date(0), 'invalid'],
    ['array nested 50 deep', deep(50), 'invalid'],
    ['cyclic object', cyclic(), 'invalid'],
    ['Proxy whose traps throw', trapsThrow(), 'invalid'],
    ['revoked Proxy', revoked(), 'invalid'],
    ['object with a throwing getter', throwingGetter('x'), 'invalid'],
    ['sparse array of 2^32 - 1', new Array(2 ** 32 - 1), 'invalid'],
  ];
}

// What CreateRootCACertificate must answer: null for success, else the error code.
function expectedForCreate(field, label, meaning) {
  if (field === 'Comment') return null;
  if (meaning === 'absent') {
    if (REQUIRED_TEXT.includes(field) || field === 'Years') return `Missing${field}`;
    return null;
  }
  if (field === 'Tags' && label === 'empty array') return null;
  return `InvalidParameter.${field}`;
}

// Calls `start()` and reports how it settled: { sync } for a synchronous throw or a return
// that is not a Promise, { value } or { error } otherwise.
async function settle(start) {
  let promise;
  try {
    promise = start();
  } catch (error) {
    return { sync: true, error };
  }
  if (!(promise instanceof Promise)) return { sync: true, value: promise };
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

// Names the fields of a result, never their values: a result may hold a private key.
function describe(value) {
  if (value === null || typeof value !== 'object') return typeof value;
  return `{ ${Object.keys(value).join(', ')} }`;
}

// The problems with a rejection that should carry `code`, or [] when it is right.
function checkError(outcome, code, classes, needsRequestId = true) {
  if (outcome.sync) return [`threw synchronously: ${outcome.error?.message ?? outcome.value}`];
  if (!('error' in outcome)) return [`succeeded, expected ${code}: ${describe(outcome.value)}`];
  const error = outcome.error;
  const problems = [];
  if (!(error instanceof classes.ClientError)) problems.push(`not a ClientError: ${error}`);
  if (error?.name !== 'ClientError') problems.push(`name ${error?.name}`);
  if (error?.code !== code) problems.push(`code ${error?.code}, expected ${code} (${error?.message})`);
  if (error?.statusCode !== 400) problems.push(`statusCode ${error?.statusCode}`);
  if (needsRequestId && !UUID.test(error?.requestId ?? '')) {
    problems.push(`requestId ${JSON.stringify(error?.requestId)}`);
  }
  const data = error?.data ?? {};
  if (data.Code !== error?.code || data.RequestId !== error?.requestId) {
    problems.push(`data ${describe(data)}`);
  }
  const message = `${data.Code}: code: 400, ${data.Message} request id: ${data.RequestId}`;
  if (error?.message !== message) problems.push(`message ${error?.message}`);
  if (typeof data.Message !== 'string' || data.Message.length > 2000) {
    problems.push(`Message of ${data.Message?.length} characters`);
  }
  return problems;
}

// A good request on the same instance must succeed after every bad one.
async function stillWorks(ca) {
  const outcome = await settle(() => ca.createRootCACertificate(GOOD()));
  if (outcome.value?.Identifier?.length === 32) return [];
  return [`the next good call failed: ${outcome.error?.message ?? describe(outcome)}`];
}

async function check(failures, label, ca, start, code, classes, needsRequestId) {
  const outcome = await settle(start);
  let problems;
  if (code === null) {
    problems = outcome.sync || 'error' in outcome
      ? [`failed, expected success: ${outcome.error?.message ?? describe(outcome.value)}`]
      : [];
  } else {
    problems = checkError(outcome, code, classes, needsRequestId);
  }
  problems.push(...await stillWorks(ca));
  for (const problem of problems) failures.push({ label, problem });
}

// Every field of CreateRootCACertificate given every hostile value.
export async function createMatrix(ca, classes) {
  const failures = [];
  let count = 0;
  // `Comment` is no field of the action: unknown fields are ignored, whatever they hold.
  const fields = [...REQUIRED_TEXT, ...OPTIONAL_TEXT, 'Years', 'Tags', 'Comment'];
  for (const field of fields) {
    for (const [label, value, meaning] of hostileValues()) {
      const request = GOOD();
      request[field] = value;
      const code = expectedForCreate(field, label, meaning);
      await check(failures, `${field} = ${label}`, ca,
        () => ca.createRootCACertificate(request), code, classes, true);
      count++;
    }
  }
  return { failures, count };
}

// Requests that are not objects, or objects that cannot be read.
export async function notObjectMatrix(ca, classes) {
  const failures = [];
  const cases = [
    ['undefined', undefined], ['null', null], ['number', 42], ['string', 'CommonName'],
    ['boolean', true], ['BigInt', 10n], ['Symbol', Symbol('request')], ['function', () => GOOD()],
    ['empty array', []], ['array of a good request', [GOOD()]],
    ['Proxy whose traps throw', trapsThrow()], ['revoked Proxy', revoked()],
    ['1 MB string', MB], ['lone surrogate', '\ud800'],
  ];
  for (const [label, request] of cases) {
    await check(failures, `request = ${label}`, ca,
      () => ca.createRootCACertificate(request), 'InvalidParameter', classes, true);
  }
  // Objects whose fields cannot be read: the request (or the field) is refused.
  const unreadable = [
    ['a getter on CommonName that throws', Object.defineProperty(GOOD(), 'CommonName',
      { get() { throw new Error('getter'); }, enumerable: true })],
    ['a Proxy whose get trap throws', new Proxy(GOOD(), { get() { throw new Error('get'); } })],
    ['a Proxy with a duplicate key', new Proxy(GOOD(), { ownKeys: () => ['Years', 'Years'] })],
    ['a Proxy claiming 2^31 keys', new Proxy(GOOD(), {
      ownKeys: () => Array.from({ length: 2000 }, (_, i) => `k${i}`),
      getOwnPropertyDescriptor: () => ({ value: 'x', enumerable: true, configurable: true }),
    })],
  ];
  for (const [label, request] of unreadable) {
    const outcome = await settle(() => ca.createRootCACertificate(request));
    const code = outcome.error?.code;
    const problems = code === 'InvalidParameter' || code === 'InvalidParameter.CommonName'
      ? checkError(outcome, code, classes, true)
      : [`expected InvalidParameter: ${outcome.error?.message ?? describe(outcome.value)}`];
    problems.push(...await stillWorks(ca));
    for (const problem of problems) failures.push({ label: `request with ${label}`, problem });
  }
  return { failures, count: cases.length + unreadable.length };
}

// Values that the conversion from JavaScript refuses whatever the field: wrong for any text.
const UNCONVERTIBLE = new Set(['1 MB string', '1 MB of spaces', 'lone high surrogate',
  'lone low surrogate', 'high surrogate at the end', 'NaN', 'Infinity', 'BigInt', 'Symbol',
  'function', 'array nested 50 deep', 'cyclic object', 'Proxy whose traps throw',
  'revoked Proxy', 'object with a throwing getter', 'sparse array of 2^32 - 1']);

// The other actions: Identifier, Plain, Certificate, PrivateKey, Passphrase; generatePrivateKey
// and call() with hostile names; createRootCACertificate's options.PrivateKey.
export async function otherMatrix(ca, classes, generatePrivateKey, certificate) {
  const failures = [];
  let count = 0;
  const { Identifier } = await ca.createRootCACertificate(GOOD());
  const run = async (label, start, code) => {
    await check(failures, label, ca, start, code, classes, true);
    count++;
  };
  for (const [label, value, meaning] of hostileValues()) {
    const missing = (field) => (meaning === 'absent' ? `Missing${field}` : `InvalidParameter.${field}`);
    await run(`Export Identifier = ${label}`,
      () => ca.exportCAPrivateKey({ Identifier: value, Plain: true }), missing('Identifier'));
    await run(`Remove Identifier = ${label}`,
      () => ca.removeCACertificate({ Identifier: value }), missing('Identifier'));
    await run(`Import Certificate = ${label}`,
      () => ca.importCACertificate({ Certificate: value, PrivateKey: 'x' }), missing('Certificate'));
    await run(`Import PrivateKey = ${label}`,
      () => ca.importCACertificate({ Certificate: certificate, PrivateKey: value }),
      missing('PrivateKey'));
    if (typeof value !== 'boolean') {
      // Absent Plain means not plain: then a Passphrase is mandatory.
      await run(`Export Plain = ${label}`,
        () => ca.exportCAPrivateKey({ Identifier, Plain: value }),
        value === undefined || value === null || value === '' ? 'InvalidParameter.Passphrase'
          : 'InvalidParameter.Plain');
    }
    // Passphrases are taken as given (any characters, not trimmed), so only what is not text,
    // is refused by the conversion, or is absent fails.
    if (UNCONVERTIBLE.has(label) || typeof value !== 'string' || value === '') {
      await run(`Export Passphrase = ${label}`,
        () => ca.exportCAPrivateKey({ Identifier, Passphrase: value }), 'InvalidParameter.Passphrase');
    }
    if (meaning !== 'absent') {
      await run(`createRootCACertificate options.PrivateKey = ${label}`,
        () => ca.createRootCACertificate(GOOD(), { PrivateKey: value }), 'InvalidParameter.PrivateKey');
    }
    await run(`generatePrivateKey(${label})`, () => generatePrivateKey(value),
      'InvalidParameter.Algorithm');
    await run(`call(${label}, request)`, () => ca.call(value, GOOD()), 'InvalidAction.NotFound');
  }
  return { failures, count };
}

// Known gaps: failures that are known, each with its reason and where the fix goes. A gap that
// no longer occurs fails too, so that its entry is removed with the fix.
const KNOWN_GAPS = [];

// Splits the failures of `matrix` into unexpected ones and its known gaps; a known gap of the
// matrix that did not occur is unexpected too.
export function applyKnownGaps(result, matrix) {
  const gaps = KNOWN_GAPS.filter((gap) => gap.matrix === matrix);
  const unexpected = [];
  const seen = new Set();
  for (const failure of result.failures) {
    const gap = gaps.find((g) => g.label.test(failure.label) && g.problem.test(failure.problem));
    if (gap) seen.add(gap); else unexpected.push(`${failure.label}: ${failure.problem}`);
  }
  for (const gap of gaps) {
    if (!seen.has(gap)) unexpected.push(`known gap no longer occurs, remove it: ${gap.reason}`);
  }
  return { unexpected, known: [...seen].map((gap) => gap.reason), count: result.count };
}

// A getter that calls back into the same PrivateCa while the request is being read.
export async function reentrant(ca, classes) {
  const inner = [];
  const request = GOOD();
  Object.defineProperty(request, 'CommonName', {
    enumerable: true,
    get() {
      inner.push(ca.createRootCACertificate(GOOD()));
      inner.push(ca.listCACertificates());
      return 'Reentrant Root';
    },
  });
  const outer = await settle(() => ca.createRootCACertificate(request));
  const settled = await Promise.allSettled(inner);
  const failures = [];
  const label = 'a getter calling back into the same PrivateCa';
  if (outer.sync || !outer.value) {
    failures.push({ label, problem: `the outer call failed: ${outer.error?.message}` });
  }
  // The inner calls are calls like any other: the first creates a CA, the second lists them.
  for (const s of settled) {
    if (s.status === 'rejected') {
      failures.push({ label, problem: `an inner call was refused: ${s.reason?.message}` });
    }
  }
  for (const problem of await stillWorks(ca)) failures.push({ label, problem });
  return { failures, count: 1 };
}

export function isInstance(value, constructor) { return value instanceof constructor; }

export function badOptions() {
  return [42, 'x', [], { Instances: 'RSA' }, { Instances: { RSA: -1 } }, { Instances: { DSA: 1 } },
    { RateLimitPerSecond: 0 }, { RateLimitPerSecond: 10n }, { instances: { RSA: 1 } }, trapsThrow()];
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = createMatrix)]
    fn create_matrix(ca: &JsValue, classes: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = notObjectMatrix)]
    fn not_object_matrix(ca: &JsValue, classes: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = otherMatrix)]
    fn other_matrix(
        ca: &JsValue,
        classes: &JsValue,
        generate: &JsValue,
        certificate: &str,
    ) -> Promise;
    #[wasm_bindgen(js_name = applyKnownGaps)]
    fn apply_known_gaps(result: &JsValue, matrix: &str) -> JsValue;
    fn reentrant(ca: &JsValue, classes: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = badOptions)]
    fn bad_options() -> Array;
    #[wasm_bindgen(js_name = isInstance)]
    fn is_instance(value: &JsValue, constructor: &JsValue) -> bool;
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

/// Runs one matrix on a fresh `PrivateCa` and asserts that no case went wrong, but for the
/// matrix's known gaps (named by `gaps`), which must all occur.
async fn run(name: &str, gaps: &str, matrix: impl FnOnce(&JsValue, &JsValue) -> Promise) {
    let ca = JsValue::from(PrivateCa::new(JsValue::UNDEFINED).unwrap());
    let classes = JsValue::from(error_classes());
    let result = JsFuture::from(matrix(&ca, &classes)).await.unwrap();
    let result = apply_known_gaps(&result, gaps);
    let strings = |key| -> Vec<String> {
        Array::from(&get(&result, key))
            .iter()
            .filter_map(|item| item.as_string())
            .collect()
    };
    let (unexpected, known) = (strings("unexpected"), strings("known"));
    let count = get(&result, "count").as_f64().unwrap();
    console_log!("{name}: {count} cases; known gaps: {known:#?}");
    assert!(
        unexpected.is_empty(),
        "{name}: {} problems in {count} cases:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

#[wasm_bindgen_test]
async fn every_create_field_refuses_every_hostile_value() {
    run("CreateRootCACertificate fields", "create", create_matrix).await;
}

#[wasm_bindgen_test]
async fn a_request_that_is_not_a_readable_object_is_invalid_parameter() {
    run("requests that are not objects", "none", not_object_matrix).await;
}

#[wasm_bindgen_test]
async fn export_remove_import_generate_and_call_refuse_hostile_values() {
    let generate = js_sys::Function::from(
        Closure::<dyn Fn(JsValue) -> Promise>::new(private_ca::wasm::generate_private_key)
            .into_js_value(),
    );
    let certificate = include_str!("fixtures/openssl-ca-p256.pem");
    run("other actions", "other", |ca, classes| {
        other_matrix(ca, classes, &generate, certificate)
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_getter_that_calls_back_in_breaks_nothing() {
    run("reentrant getter", "reentrant", reentrant).await;
}

#[wasm_bindgen_test]
fn bad_account_options_throw_a_client_error_and_the_module_lives_on() {
    let classes = error_classes();
    let client_error = get(&classes, "ClientError");
    for options in bad_options().iter() {
        let error = match PrivateCa::new(options.clone()) {
            Ok(_) => panic!("accepted options {options:?}"),
            Err(error) => error,
        };
        assert!(error.is_instance_of::<js_sys::Error>(), "{error:?}");
        assert!(
            js_sys::Reflect::get(&error, &"code".into())
                .unwrap()
                .as_string()
                .unwrap()
                .starts_with("InvalidParameter"),
            "{error:?}"
        );
        assert!(is_instance(&error, &client_error), "{error:?}");
    }
    assert!(PrivateCa::new(JsValue::UNDEFINED).is_ok());
}

/// Found by `fuzz/` target `import` (`fuzz/regressions/import/scrypt-cost-zero`): an encrypted
/// key whose scrypt cost N is 0 made `pkcs5` panic, which leaves the account borrowed for good.
#[wasm_bindgen_test]
async fn regression_an_scrypt_cost_of_zero_is_refused_and_the_account_lives_on() {
    let input = include_bytes!("../fuzz/regressions/import/scrypt-cost-zero");
    let key = der::pem::encode_string(
        "ENCRYPTED PRIVATE KEY",
        der::pem::LineEnding::LF,
        &input[1..],
    )
    .unwrap();
    let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
    let request = js_sys::Object::new();
    let certificate = include_str!("fixtures/openssl-ca-p256.pem");
    for (field, value) in [
        ("Certificate", certificate),
        ("PrivateKey", key.as_str()),
        ("Passphrase", "fuzz"),
    ] {
        Reflect::set(&request, &field.into(), &value.into()).unwrap();
    }
    let error = JsFuture::from(ca.import_ca_certificate(request.into()))
        .await
        .unwrap_err();
    assert_eq!(
        get(&error, "code").as_string().as_deref(),
        Some("InvalidParameter.PrivateKey"),
        "{:?}",
        get(&error, "message")
    );
    let good = js_sys::JSON::parse(
        r#"{"CommonName":"After","OrganizationUnit":"S","Organization":"E","Locality":"H",
        "State":"Z","Algorithm":"ECC_256","Years":1}"#,
    )
    .unwrap();
    let response = JsFuture::from(ca.create_root_ca_certificate(good, JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(get(&response, "Identifier").as_string().unwrap().len(), 32);
}
