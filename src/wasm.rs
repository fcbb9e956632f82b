//! The JavaScript API: the only module that touches `wasm-bindgen` and `js-sys`.
//!
//! It converts untrusted JavaScript values into the core's JSON parameters, runs the core's
//! dispatcher on an account, and turns results and errors back into JavaScript. Every export
//! returns a `Promise`; every failure is a rejection with an `Error` shaped like the official
//! Alibaba Cloud SDK's (`ClientError`, `ThrottlingError`, `ServerError`).
//!
//! Work runs inside a `Promise` executor or a `then` callback, never in a bare microtask, so
//! even a panic that slipped through (turned into a thrown `Error` by the panic hook) becomes a
//! rejection of that call's Promise rather than an uncaught exception.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use serde_json::{Map, Number, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::account::{
    Account, AccountOptions, OutsideSignature, PendingRoot, Prepared, StoredCa, UnsignedRootCa,
};
use crate::action::{self, Failure};
use crate::algorithm::Algorithm;
use crate::env::{Clock, OsEntropy, UnixMillis};
use crate::error::{ApiError, ErrorKind};
use crate::keys::{self, CaKey, KeyProtection};
use crate::request::{self, CreateRootCaRequest};
use der::Encode;
use spki::SubjectPublicKeyInfoOwned;

/// Longest JavaScript string accepted anywhere in a request, in UTF-16 code units. Longer ones
/// are refused before they are copied into WebAssembly memory.
const MAX_JS_STRING: u32 = 256 * 1024;
/// Deepest nesting of arrays and objects accepted in a request.
const MAX_DEPTH: usize = 4;
/// Most elements accepted in one array of a request.
const MAX_ARRAY: u32 = 1000;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("../pkg-template/types.d.ts");

#[wasm_bindgen(inline_js = "
export class ClientError extends Error {
  constructor(body, statusCode) { super(''); init(this, 'ClientError', body, statusCode); }
}
export class ThrottlingError extends Error {
  constructor(body, statusCode) { super(''); init(this, 'ThrottlingError', body, statusCode); }
}
export class ServerError extends Error {
  constructor(body, statusCode) { super(''); init(this, 'ServerError', body, statusCode); }
}
function init(error, name, body, statusCode) {
  Object.defineProperty(error, 'name', { value: name, enumerable: false, configurable: true, writable: true });
  error.code = body.Code;
  error.statusCode = statusCode;
  error.requestId = body.RequestId;
  error.data = body;
  error.message = `${body.Code}: code: ${statusCode}, ${body.Message} request id: ${body.RequestId}`;
}
export function errorClasses() { return { ClientError, ThrottlingError, ServerError }; }
export function settled(promise, callback) {
  return promise.then((value) => callback(true, value), (error) => callback(false, error));
}
")]
extern "C" {
    type ClientError;
    #[wasm_bindgen(constructor)]
    fn new(body: &JsValue, status: u16) -> ClientError;
    type ThrottlingError;
    #[wasm_bindgen(constructor)]
    fn new(body: &JsValue, status: u16) -> ThrottlingError;
    type ServerError;
    #[wasm_bindgen(constructor)]
    fn new(body: &JsValue, status: u16) -> ServerError;
    #[wasm_bindgen(js_name = errorClasses)]
    fn error_classes_js() -> Object;
    /// `promise.then(callback(true, value), callback(false, error))`: see [`on_settled`].
    fn settled(promise: &Promise, callback: &JsValue) -> Promise;
}

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, catching what a Proxy's `ownKeys` trap throws.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
    /// `Array.isArray`, catching what a revoked Proxy throws.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
}

/// The error classes, for `instanceof` checks: `{ ClientError, ThrottlingError, ServerError }`.
#[wasm_bindgen(js_name = errorClasses, unchecked_return_type = "ErrorClasses")]
pub fn error_classes() -> Object {
    error_classes_js()
}

/// Installs, once, a panic hook that turns a panic into a thrown JavaScript `Error`.
///
/// Throwing unwinds to the Promise executor or `then` callback that called into Rust, which
/// turns it into a rejection of that call; without the hook the module would trap with an
/// unreadable "unreachable" error.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            wasm_bindgen::throw_str(&format!("private-ca panicked: {info}"));
        }));
    });
}

thread_local! {
    static DEFAULT_CA: PrivateCa = PrivateCa::with_options(AccountOptions::default());
}

/// `Date.now()`: wasm32 has no system clock.
struct JsClock;

impl Clock for JsClock {
    fn now(&self) -> UnixMillis {
        js_sys::Date::now() as UnixMillis
    }
}

/// An isolated account of CAs with its own emulated cloud rules.
#[wasm_bindgen]
pub struct PrivateCa {
    inner: Rc<Inner>,
}

struct Inner {
    account: RefCell<Account>,
    /// Promises of calls still waiting for a WebCrypto key, by ClientToken.
    in_flight: RefCell<HashMap<String, Promise>>,
}

#[wasm_bindgen]
impl PrivateCa {
    /// A new, empty account. `options.Instances` emulates purchased root CA instances per key
    /// family (`{ RSA: 1 }`); `options.RateLimitPerSecond` emulates the cloud's rate limit (10).
    /// Both are off by default.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "PrivateCaOptions")] options: JsValue,
    ) -> Result<PrivateCa, JsValue> {
        let options = to_json(&options, "options", 0)
            .and_then(|value| request::account_options(&value))
            .map_err(|error| js_error(&error, &fresh_request_id()))?;
        Ok(Self::with_options(options))
    }

    /// Creates a root CA certificate, as the cloud's `CreateRootCACertificate` does.
    #[wasm_bindgen(
        js_name = createRootCACertificate,
        unchecked_return_type = "Promise<CreateRootCACertificateResponse>"
    )]
    ///
    /// `options.PrivateKey` (plain PKCS#8 PEM of the request's algorithm, e.g. from
    /// `generatePrivateKey` in a Web Worker) is used instead of a fresh key.
    pub fn create_root_ca_certificate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateRootCACertificateRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CreateOptions")] options: JsValue,
    ) -> Promise {
        create_root(self.inner.clone(), request, options)
    }

    /// Exports a CA's private key as PKCS#8 PEM: encrypted with `Passphrase`, or plain only
    /// with `Plain: true`. The key then lives in JavaScript memory too.
    #[wasm_bindgen(
        js_name = exportCAPrivateKey,
        unchecked_return_type = "Promise<ExportCAPrivateKeyResponse>"
    )]
    pub fn export_ca_private_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ExportCAPrivateKeyRequest")] request: JsValue,
    ) -> Promise {
        run_action(self.inner.clone(), "ExportCAPrivateKey", request)
    }

    /// Imports a CA certificate and its PKCS#8 private key; resolves to its Identifier.
    #[wasm_bindgen(
        js_name = importCACertificate,
        unchecked_return_type = "Promise<ImportCACertificateResponse>"
    )]
    pub fn import_ca_certificate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImportCACertificateRequest")] request: JsValue,
    ) -> Promise {
        run_action(self.inner.clone(), "ImportCACertificate", request)
    }

    /// Removes a CA from this account and wipes its private key.
    #[wasm_bindgen(
        js_name = removeCACertificate,
        unchecked_return_type = "Promise<RemoveCACertificateResponse>"
    )]
    pub fn remove_ca_certificate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RemoveCACertificateRequest")] request: JsValue,
    ) -> Promise {
        run_action(self.inner.clone(), "RemoveCACertificate", request)
    }

    /// Calls any action by its API name with its request object.
    #[wasm_bindgen(unchecked_return_type = "Promise<Record<string, unknown>>")]
    pub fn call(&self, action: JsValue, request: JsValue) -> Promise {
        let Some(action) = action.as_string() else {
            let error = ApiError::UnsupportedAction {
                action: "(not a string)".into(),
            };
            return Promise::reject(&js_error(&error, &fresh_request_id()));
        };
        if action == "CreateRootCACertificate" {
            return create_root(self.inner.clone(), request, JsValue::UNDEFINED);
        }
        run_action(self.inner.clone(), &action, request)
    }

    /// The CAs this account holds, oldest first: Identifier, Algorithm, creation time (Unix
    /// milliseconds) and the certificate PEM.
    #[wasm_bindgen(
        js_name = listCACertificates,
        unchecked_return_type = "Promise<CACertificateSummary[]>"
    )]
    pub fn list_ca_certificates(&self) -> Promise {
        let inner = self.inner.clone();
        settle(move || {
            let account = inner.borrow()?;
            // A stable sort by creation time of the Identifier order that `cas()` gives, by
            // insertion after equal times: a few hundred bytes less WebAssembly than a library
            // sort, and an account holds few CAs.
            let mut cas = Vec::new();
            for ca in account.cas() {
                let at =
                    cas.partition_point(|other: &&StoredCa| other.created_at() <= ca.created_at());
                cas.insert(at, ca);
            }
            let list: Vec<Value> = cas
                .into_iter()
                .map(|ca| {
                    action::object([
                        ("Identifier", ca.identifier().into()),
                        ("Algorithm", ca.algorithm().name().into()),
                        ("CreatedAt", ca.created_at().into()),
                        ("Certificate", ca.certificate().pem().into()),
                    ])
                })
                .collect();
            Ok(Value::Array(list))
        })
    }
}

impl PrivateCa {
    fn with_options(options: AccountOptions) -> Self {
        let account = Account::new(options, Box::new(JsClock), Box::new(OsEntropy));
        Self {
            inner: Rc::new(Inner {
                account: RefCell::new(account),
                in_flight: RefCell::new(HashMap::new()),
            }),
        }
    }
}

impl Inner {
    /// The account. Calls never overlap inside Rust, so it is only ever busy when an earlier
    /// call panicked while holding it; the account is then unusable and says so.
    fn borrow(&self) -> Result<std::cell::RefMut<'_, Account>, Failure> {
        self.account.try_borrow_mut().map_err(|_| {
            failure(ApiError::internal(
                "this account is unusable after an earlier call panicked; create a new PrivateCa",
            ))
        })
    }
}

/// Creates a root CA on the module's default account.
#[wasm_bindgen(
    js_name = createRootCACertificate,
    unchecked_return_type = "Promise<CreateRootCACertificateResponse>"
)]
pub fn default_create_root_ca_certificate(
    #[wasm_bindgen(unchecked_param_type = "CreateRootCACertificateRequest")] request: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CreateOptions")] options: JsValue,
) -> Promise {
    DEFAULT_CA.with(|ca| ca.create_root_ca_certificate(request, options))
}

/// Generates a private key for an algorithm and hands it out as plain PKCS#8 PEM, so that a
/// Web Worker can make the key while the page keeps the account: pass it to
/// `createRootCACertificate(request, { PrivateKey })`. RSA keys come from WebCrypto where it
/// exists. The key then lives in JavaScript memory: treat it as a secret.
#[wasm_bindgen(
    js_name = generatePrivateKey,
    unchecked_return_type = "Promise<GeneratePrivateKeyResponse>"
)]
pub fn generate_private_key(
    #[wasm_bindgen(unchecked_param_type = "Algorithm")] algorithm: JsValue,
) -> Promise {
    guarded(move || generate_private_key_now(algorithm))
}

fn generate_private_key_now(algorithm: JsValue) -> Promise {
    let parsed = to_json(&algorithm, "Algorithm", 1).and_then(|value| match value {
        Value::String(name) => Algorithm::parse("Algorithm", &name),
        other => Err(ApiError::invalid(
            "Algorithm",
            format!("Algorithm must be a string; got {}.", json_text(&other)),
        )),
    });
    let algorithm = match parsed {
        Ok(algorithm) => algorithm,
        Err(error) => return Promise::reject(&js_error(&error, &fresh_request_id())),
    };
    let export = move |key: Result<CaKey, ApiError>| -> Result<Value, Failure> {
        let key = key.map_err(failure)?;
        let pem = key
            .export_pkcs8_pem(KeyProtection::Plain, &mut OsEntropy)
            .map_err(failure)?;
        Ok(action::object([
            ("Algorithm", algorithm.name().into()),
            ("PrivateKey", pem.as_str().into()),
        ]))
    };
    let Some((subtle, scheme)) = webcrypto(algorithm) else {
        return settle(move || export(CaKey::generate(algorithm, &mut OsEntropy)));
    };
    let generated = generate_pkcs8(&subtle, scheme, |_| ());
    on_settled(&generated, move |pkcs8| match pkcs8 {
        Ok(pkcs8) => export(generated_key(&webcrypto_bytes(&pkcs8), algorithm))
            .map(to_js_wiping)
            .map_err(|failure| js_error(&failure.error, &fresh_request_id())),
        // Where WebCrypto refuses (an unusual platform), Rust makes the key instead.
        Err(_) => Ok(settle(move || export(CaKey::generate(algorithm, &mut OsEntropy))).into()),
    })
}

/// Exports a private key from the module's default account.
#[wasm_bindgen(
    js_name = exportCAPrivateKey,
    unchecked_return_type = "Promise<ExportCAPrivateKeyResponse>"
)]
pub fn default_export_ca_private_key(
    #[wasm_bindgen(unchecked_param_type = "ExportCAPrivateKeyRequest")] request: JsValue,
) -> Promise {
    DEFAULT_CA.with(|ca| ca.export_ca_private_key(request))
}

/// Imports a CA into the module's default account.
#[wasm_bindgen(
    js_name = importCACertificate,
    unchecked_return_type = "Promise<ImportCACertificateResponse>"
)]
pub fn default_import_ca_certificate(
    #[wasm_bindgen(unchecked_param_type = "ImportCACertificateRequest")] request: JsValue,
) -> Promise {
    DEFAULT_CA.with(|ca| ca.import_ca_certificate(request))
}

/// Removes a CA from the module's default account.
#[wasm_bindgen(
    js_name = removeCACertificate,
    unchecked_return_type = "Promise<RemoveCACertificateResponse>"
)]
pub fn default_remove_ca_certificate(
    #[wasm_bindgen(unchecked_param_type = "RemoveCACertificateRequest")] request: JsValue,
) -> Promise {
    DEFAULT_CA.with(|ca| ca.remove_ca_certificate(request))
}

/// Every officially assigned ISO 3166-1 alpha-2 code with its English name, sorted by code.
#[wasm_bindgen(js_name = countryCodes, unchecked_return_type = "CountryCode[]")]
pub fn country_codes() -> Array {
    request::country_codes()
        .into_iter()
        .map(|(code, name)| {
            let entry = Object::new();
            set(&entry, "Code", &code.into());
            set(&entry, "Name", &name.into());
            JsValue::from(entry)
        })
        .collect()
}

/// Checks a `CreateRootCACertificate` request without creating anything. Resolves to
/// `undefined`, or rejects with the same error the call would.
#[wasm_bindgen(
    js_name = validateRootCACertificateRequest,
    unchecked_return_type = "Promise<void>"
)]
pub fn validate_root_request(
    #[wasm_bindgen(unchecked_param_type = "CreateRootCACertificateRequest")] request: JsValue,
) -> Promise {
    settle_js(move || {
        let value = to_json(&request, "request", 0).map_err(failure)?;
        CreateRootCaRequest::from_json(&value).map_err(failure)?;
        Ok(JsValue::UNDEFINED)
    })
}

/// A RequestId for a failure outside any account.
fn fresh_request_id() -> String {
    crate::account::new_request_id(&mut OsEntropy).unwrap_or_default()
}

/// A failure before a RequestId was made.
fn failure(error: ApiError) -> Failure {
    Failure {
        request_id: String::new(),
        error,
    }
}

/// Runs `work` inside a Promise executor: its result resolves (as a JavaScript value made
/// from the JSON), its error (or a panic) rejects.
fn settle(work: impl FnOnce() -> Result<Value, Failure> + 'static) -> Promise {
    settle_js(move || work().map(to_js_wiping))
}

/// [`settle`] for work whose result is a JavaScript value already.
fn settle_js(work: impl FnOnce() -> Result<JsValue, Failure> + 'static) -> Promise {
    install_panic_hook();
    let mut work = Some(work);
    Promise::new(&mut |resolve: Function, reject: Function| {
        let Some(work) = work.take() else { return };
        finish(work(), &resolve, &reject);
    })
}

fn finish(result: Result<JsValue, Failure>, resolve: &Function, reject: &Function) {
    // Calling resolve or reject cannot throw.
    let _ = match result {
        Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
        Err(failure) => reject.call1(
            &JsValue::UNDEFINED,
            &js_error(&failure.error, &failure.request_id),
        ),
    };
}

fn run_action(inner: Rc<Inner>, action: &str, request: JsValue) -> Promise {
    let action = action.to_owned();
    settle(move || {
        let request_id = inner.borrow()?.new_request_id().map_err(failure)?;
        let mut params = to_json(&request, "request", 0).map_err(|error| Failure {
            request_id: request_id.clone(),
            error,
        })?;
        let mut account = inner.borrow()?;
        let result = action::dispatch(&mut account, &action, &params);
        // The request may hold an imported private key or a passphrase.
        wipe(&mut params);
        result
    })
}

/// `CreateRootCACertificate`, with RSA keys from WebCrypto where it exists.
fn create_root(inner: Rc<Inner>, request: JsValue, options: JsValue) -> Promise {
    guarded(move || create_root_now(inner, request, options))
}

/// Runs `start` inside a Promise executor and adopts the Promise it returns, so that even a
/// panic in its synchronous part rejects instead of throwing at the caller.
fn guarded(start: impl FnOnce() -> Promise + 'static) -> Promise {
    install_panic_hook();
    let mut start = Some(start);
    Promise::new(&mut |resolve: Function, _reject: Function| {
        let Some(start) = start.take() else { return };
        // Resolving with a Promise adopts its outcome; resolve itself cannot throw.
        let _ = resolve.call1(&JsValue::UNDEFINED, &start());
    })
}

fn create_root_now(inner: Rc<Inner>, request: JsValue, options: JsValue) -> Promise {
    let mut given_key = None;
    let prepared = (|| {
        // The account is not borrowed while JavaScript getters run: one may call back in.
        let request_id = inner.borrow()?.new_request_id().map_err(failure)?;
        let with_id = |error| Failure {
            request_id: request_id.clone(),
            error,
        };
        let params = to_json(&request, "request", 0).map_err(with_id)?;
        given_key = key_option(&options).map_err(with_id)?;
        let mut account = inner.borrow()?;
        account
            .prepare_root(&params, request_id.clone())
            .map_err(with_id)
    })();
    let pending = match prepared {
        Err(failure) => return Promise::reject(&js_error(&failure.error, &failure.request_id)),
        Ok(Prepared::Replay(response)) => {
            return Promise::resolve(&to_js(&json_of(&response)));
        }
        Ok(Prepared::InProgress { client_token }) => return follow(inner, client_token),
        Ok(Prepared::Issue(pending)) => pending,
    };
    let algorithm = pending.algorithm();
    let given_key = given_key.map(|key| {
        if key.algorithm() == algorithm {
            Ok(key)
        } else {
            Err(ApiError::invalid(
                "PrivateKey",
                format!(
                    "PrivateKey is an {} key, but the request's Algorithm is {}.",
                    key.algorithm(),
                    algorithm
                ),
            ))
        }
    });
    // RSA, P-256 and P-384 keys sign in WebCrypto where it exists: native code, where Rust's
    // RSA private-key operation in WebAssembly takes 15-90 ms, and a P-256 or P-384 root
    // (key pair, signature and its verification) two to four times as long as in WebCrypto.
    let (webcrypto, given_unread) = match (webcrypto(algorithm), given_key) {
        (Some(webcrypto), None) => (webcrypto, None),
        (
            Some(webcrypto),
            Some(Ok(GivenKey::Unread {
                pkcs8,
                algorithm,
                spki,
            })),
        ) => (webcrypto, Some((pkcs8, algorithm, spki))),
        // No WebCrypto for this algorithm, a key read in full, or a key that failed to read.
        (_, given_key) => {
            return settle(move || {
                let mut account = inner.borrow()?;
                let request_id = pending.request_id().to_owned();
                let key = match given_key {
                    Some(given) => given.and_then(GivenKey::read),
                    None => account.generate_key(algorithm),
                };
                let response = account
                    .complete_root(pending, key)
                    .map_err(|error| Failure { request_id, error })?;
                Ok(json_of(&response))
            });
        }
    };
    let token = pending.client_token().map(str::to_owned);
    let flight = Rc::new(Flight {
        inner: inner.clone(),
        request_id: pending.request_id().to_owned(),
        stage: RefCell::new(Stage::Keyless(pending)),
        signing_key: RefCell::new(JsValue::UNDEFINED),
        unread: RefCell::new(None),
        subtle: webcrypto.0,
        scheme: webcrypto.1,
        algorithm,
    });
    let signature = match given_unread {
        Some((pkcs8, algorithm, spki)) => flight.sign_given(pkcs8, algorithm, spki),
        None => flight.generate_and_sign(),
    };
    let promise = on_settled(&signature, move |signature| match signature {
        Ok(signature) => flight.signed(signature),
        Err(error) => flight.recover(error),
    });
    if let Some(token) = token {
        inner
            .in_flight
            .borrow_mut()
            .insert(token.clone(), promise.clone());
        let forget = {
            let inner = inner.clone();
            Closure::once_into_js(move |_: JsValue| {
                inner.in_flight.borrow_mut().remove(&token);
            })
        };
        return call_promise_method(&promise, "finally", &forget, None);
    }
    promise
}

/// A root CA call that waits on WebCrypto: for a key pair (unless one was given), for the
/// signature, and (where WebCrypto verifies, see [`WebCryptoScheme::verifies`]) for its
/// verification.
struct Flight {
    inner: Rc<Inner>,
    request_id: String,
    stage: RefCell<Stage>,
    /// WebCrypto's handle of the private key, once there is one.
    signing_key: RefCell<JsValue>,
    /// The key's PKCS#8 bytes, until Rust has read them in full.
    unread: RefCell<Option<Unread>>,
    subtle: JsValue,
    scheme: WebCryptoScheme,
    algorithm: Algorithm,
}

enum Stage {
    /// Claims held, no key yet.
    Keyless(PendingRoot),
    /// Built up to the signature, which WebCrypto is making.
    Unsigned(Box<UnsignedRootCa>),
    /// Failed, and the failure was reported.
    Over,
}

/// PKCS#8 bytes of which only the public half has been read.
enum Unread {
    /// From `options.PrivateKey`: a key that fails to read is the caller's error.
    Given(Zeroizing<Vec<u8>>),
    /// From WebCrypto's export.
    Generated(Zeroizing<Vec<u8>>),
}

impl Flight {
    /// With the key given in the options: build now, then import the key into WebCrypto
    /// (not extractable) and sign there; while it signs, read the key in full here.
    fn sign_given(
        self: &Rc<Self>,
        pkcs8: Zeroizing<Vec<u8>>,
        algorithm: Algorithm,
        spki: SubjectPublicKeyInfoOwned,
    ) -> Promise {
        if let Err(error) = self.build_for(algorithm, spki) {
            return Promise::reject(&error);
        }
        let bytes = Uint8Array::from(pkcs8.as_slice());
        // importKey copies the bytes before it returns (WebCrypto's "get a copy of the
        // buffer source"), so the JavaScript copy is wiped at once.
        let imported = subtle_call(
            &self.subtle,
            "importKey",
            &[
                "pkcs8".into(),
                bytes.clone().into(),
                self.scheme.import_params().into(),
                JsValue::FALSE,
                Array::of1(&"sign".into()).into(),
            ],
        );
        bytes.fill(0, 0, bytes.length());
        self.unread.replace(Some(Unread::Given(pkcs8)));
        let this = self.clone();
        on_settled(&imported, move |key| {
            this.signing_key.replace(key?);
            this.sign_and_read()
        })
    }

    /// Without a key: WebCrypto makes the pair and exports the private key, which becomes
    /// the CA's key here; the private key's handle signs.
    fn generate_and_sign(self: &Rc<Self>) -> Promise {
        let generated = {
            let this = self.clone();
            generate_pkcs8(&self.subtle, self.scheme, move |private| {
                this.signing_key.replace(private);
            })
        };
        let this = self.clone();
        on_settled(&generated, move |pkcs8| {
            let der = webcrypto_bytes(&pkcs8?);
            // The public half is enough to build the certificate; the rest is read while
            // WebCrypto signs. Without a public key in the export, it is read in full first.
            match keys::pkcs8_public_key_info("PrivateKey", &der) {
                Ok(Some((algorithm, spki))) if algorithm == this.algorithm => {
                    this.build_for(algorithm, spki)?;
                    this.unread.replace(Some(Unread::Generated(der)));
                }
                _ => this.build(generated_key(&der, this.algorithm))?,
            }
            this.sign_and_read()
        })
    }

    /// Starts WebCrypto's signature, on another thread (Node's pool, the browser's crypto
    /// thread). Meanwhile an RSA key is read in full here (an RSA_4096 key's checks and CRT
    /// precomputation take 3.4 ms, most of WebCrypto's 5 ms signature); an EC key, cheap to
    /// read, is read while WebCrypto verifies (3% quicker for P-256). Where WebCrypto is to
    /// verify, the certificate's own public key is imported beside the signature and the
    /// Promise resolves to `[signature, public key]`; else to the signature.
    fn sign_and_read(&self) -> Result<JsValue, JsValue> {
        let signature = self.sign()?;
        if !self.scheme.verifies() {
            self.read_key();
            return Ok(signature.into());
        }
        let (format, public) = match &*self.stage.borrow() {
            Stage::Unsigned(unsigned) => self.scheme.public_key(unsigned.public_key_info()),
            _ => return Err(JsValue::UNDEFINED),
        };
        let imported = subtle_call(
            &self.subtle,
            "importKey",
            &[
                format.into(),
                public.into(),
                self.scheme.import_params().into(),
                JsValue::FALSE,
                Array::of1(&"verify".into()).into(),
            ],
        );
        // A refused import is no reason to lose the signature: Rust verifies it instead.
        let public = on_settled(&imported, |public| Ok(public.unwrap_or(JsValue::UNDEFINED)));
        // Promise.all handles both at once: neither can reject unobserved.
        let both = Promise::all(&Array::of2(&signature, &public));
        if let WebCryptoScheme::Rsa { .. } = self.scheme {
            self.read_key();
        }
        Ok(both.into())
    }

    /// Reads the key in full, once, and hands it to the built root.
    fn read_key(&self) {
        let key = match self.unread.take() {
            None => return,
            Some(Unread::Given(pkcs8)) => CaKey::from_pkcs8_der("PrivateKey", &pkcs8),
            Some(Unread::Generated(pkcs8)) => generated_key(&pkcs8, self.algorithm),
        };
        if let Stage::Unsigned(unsigned) = &mut *self.stage.borrow_mut() {
            unsigned.set_key(key);
        }
    }

    /// Builds the certificate with `key`; a failure is final and rejects with the API error.
    fn build(&self, key: Result<CaKey, ApiError>) -> Result<(), JsValue> {
        self.build_with(|account, pending| account.build_root(pending, key))
    }

    /// Builds the certificate for a key known by its public half.
    fn build_for(
        &self,
        algorithm: Algorithm,
        spki: SubjectPublicKeyInfoOwned,
    ) -> Result<(), JsValue> {
        self.build_with(|account, pending| account.build_root_for(pending, Ok((algorithm, spki))))
    }

    fn build_with(
        &self,
        build: impl FnOnce(&mut Account, PendingRoot) -> Result<UnsignedRootCa, ApiError>,
    ) -> Result<(), JsValue> {
        let Stage::Keyless(pending) = self.stage.replace(Stage::Over) else {
            return Err(self.error(ApiError::internal("the call was built twice")));
        };
        let built = self.account().and_then(|mut account| {
            build(&mut account, pending).map_err(|error| self.error(error))
        })?;
        self.stage.replace(Stage::Unsigned(Box::new(built)));
        Ok(())
    }

    /// Asks WebCrypto to sign the built `TBSCertificate`.
    fn sign(&self) -> Result<Promise, JsValue> {
        let tbs = self.to_be_signed()?;
        let key = self.signing_key.borrow().clone();
        let params = self.scheme.sign_params().into();
        Ok(subtle_call(
            &self.subtle,
            "sign",
            &[params, key, tbs.into()],
        ))
    }

    fn to_be_signed(&self) -> Result<Uint8Array, JsValue> {
        match &*self.stage.borrow() {
            Stage::Unsigned(unsigned) => Ok(Uint8Array::from(unsigned.to_be_signed())),
            _ => Err(JsValue::UNDEFINED),
        }
    }

    /// WebCrypto signed. It verifies too, with the certificate's own public key, where that is
    /// quicker than here (see [`WebCryptoScheme::verifies`]); else Rust verifies.
    fn signed(self: &Rc<Self>, signed: JsValue) -> Result<JsValue, JsValue> {
        if !self.scheme.verifies() {
            return self.verify_here(&signed);
        }
        let signed = Array::from(&signed);
        let (signature, public) = (signed.get(0), signed.get(1));
        if public.is_undefined() {
            return self.verify_here(&signature);
        }
        let params = self.scheme.sign_params().into();
        let tbs = self.to_be_signed()?.into();
        let verified = subtle_call(
            &self.subtle,
            "verify",
            &[params, public, signature.clone(), tbs],
        );
        self.read_key();
        let this = self.clone();
        Ok(on_settled(&verified, move |valid| match valid {
            Ok(valid) => {
                let valid = valid.as_bool() == Some(true);
                this.finish(Some(this.outside_signature(&signature, valid)))
            }
            // Where WebCrypto refuses to verify, Rust verifies instead.
            Err(_) => this.verify_here(&signature),
        })
        .into())
    }

    /// Finishes with WebCrypto's signature verified here, by Rust.
    fn verify_here(&self, signature: &JsValue) -> Result<JsValue, JsValue> {
        self.finish(Some(self.outside_signature(signature, false)))
    }

    /// WebCrypto's signature (an `ArrayBuffer` in its fixed-size encoding; anything else fails
    /// verification) in the certificate's encoding. One WebCrypto did not find valid is
    /// verified here once more, which fails and releases the call's claims.
    fn outside_signature(&self, signature: &JsValue, valid: bool) -> OutsideSignature {
        // `new Uint8Array(x)` throws for some values that are not buffers (a negative
        // number); an empty signature fails verification cleanly and releases the claims.
        let fixed = signature
            .dyn_ref::<js_sys::ArrayBuffer>()
            .map(|buffer| Uint8Array::new(buffer).to_vec())
            .unwrap_or_default();
        match keys::signature_from_fixed(self.algorithm, &fixed) {
            Ok(signature) if valid => OutsideSignature::Verified(signature),
            Ok(signature) => OutsideSignature::Unverified(signature),
            Err(_) => OutsideSignature::Unverified(fixed),
        }
    }

    /// Verifies the signature (or signs here, without one), stores the CA and answers.
    fn finish(&self, signature: Option<OutsideSignature>) -> Result<JsValue, JsValue> {
        self.read_key();
        let Stage::Unsigned(unsigned) = self.stage.replace(Stage::Over) else {
            return Err(self.error(ApiError::internal("the call completed twice")));
        };
        let mut account = self.account()?;
        let response = account
            .finish_root(*unsigned, signature)
            .map_err(|error| self.error(error))?;
        Ok(to_js(&json_of(&response)))
    }

    /// A step failed. Where WebCrypto failed (an unusual platform), Rust takes over: it makes
    /// the key, or the signature. A failure of ours was final and is passed on.
    fn recover(&self, error: JsValue) -> Result<JsValue, JsValue> {
        match self.stage.replace(Stage::Over) {
            Stage::Keyless(pending) => {
                let mut account = self.account()?;
                let key = account.generate_key(pending.algorithm());
                let response = account
                    .complete_root(pending, key)
                    .map_err(|error| self.error(error))?;
                Ok(to_js(&json_of(&response)))
            }
            unsigned @ Stage::Unsigned(_) => {
                self.stage.replace(unsigned);
                self.finish(None)
            }
            Stage::Over => Err(error),
        }
    }

    fn account(&self) -> Result<std::cell::RefMut<'_, Account>, JsValue> {
        self.inner
            .borrow()
            .map_err(|failure| self.error(failure.error))
    }

    fn error(&self, error: ApiError) -> JsValue {
        js_error(&error, &self.request_id)
    }
}

/// How WebCrypto names the signature scheme of the algorithms whose keys it makes and signs
/// with here.
#[derive(Clone, Copy)]
enum WebCryptoScheme {
    /// RSASSA-PKCS1-v1_5 with SHA-256, e = 65537.
    Rsa { bits: u32 },
    /// ECDSA with SHA-256 on a named curve.
    Ecdsa { curve: &'static str },
}

/// The WebCrypto scheme of `algorithm`, or `None` where the key stays in Rust:
/// - ECC_512: Node 20's OpenSSL takes 2.5 ms for a P-521 key pair and as long again to sign,
///   more than the whole root takes in WebAssembly (4.5 against 6.3 ms with verification);
///   in Chromium the two are even.
/// - SM2_256: WebCrypto has no SM2.
fn webcrypto_scheme(algorithm: Algorithm) -> Option<WebCryptoScheme> {
    match algorithm {
        Algorithm::Rsa1024 | Algorithm::Rsa2048 | Algorithm::Rsa4096 => {
            Some(WebCryptoScheme::Rsa {
                bits: algorithm.key_bits(),
            })
        }
        Algorithm::Ecc256 => Some(WebCryptoScheme::Ecdsa { curve: "P-256" }),
        Algorithm::Ecc384 => Some(WebCryptoScheme::Ecdsa { curve: "P-384" }),
        Algorithm::Ecc512 | Algorithm::Sm2_256 => None,
    }
}

/// `crypto.subtle` and the scheme of `algorithm`, where both exist.
fn webcrypto(algorithm: Algorithm) -> Option<(JsValue, WebCryptoScheme)> {
    let scheme = webcrypto_scheme(algorithm)?;
    Some((webcrypto_subtle()?, scheme))
}

impl WebCryptoScheme {
    fn name(self) -> &'static str {
        match self {
            Self::Rsa { .. } => "RSASSA-PKCS1-v1_5",
            Self::Ecdsa { .. } => "ECDSA",
        }
    }

    /// The parameters of `generateKey`.
    fn generate_params(self) -> Object {
        let params = self.import_params();
        if let Self::Rsa { bits } = self {
            set(&params, "modulusLength", &bits.into());
            let exponent = Uint8Array::from(&[1u8, 0, 1][..]);
            set(&params, "publicExponent", &exponent.into());
        }
        params
    }

    /// The parameters of `importKey`: RSA binds the hash to the key, ECDSA the curve.
    fn import_params(self) -> Object {
        let params = Object::new();
        set(&params, "name", &self.name().into());
        match self {
            Self::Rsa { .. } => set(&params, "hash", &"SHA-256".into()),
            Self::Ecdsa { curve } => set(&params, "namedCurve", &curve.into()),
        }
        params
    }

    /// The parameters of `sign` and `verify`: ECDSA names its hash here.
    fn sign_params(self) -> Object {
        let params = Object::new();
        set(&params, "name", &self.name().into());
        if let Self::Ecdsa { .. } = self {
            set(&params, "hash", &"SHA-256".into());
        }
        params
    }

    /// Whether WebCrypto verifies the signature it made: where its round trips (importing the
    /// public key, then verifying; some 0.3 ms in Node) take less than verifying here. ECDSA's
    /// verification is the costliest step of a root in WebAssembly (0.5 ms and more). An RSA
    /// verification here takes 0.9 ms for RSA_4096 (WebCrypto: RSA_4096 roots with a given key
    /// 12% faster), but less than the round trips for RSA_2048 and RSA_1024 (WebCrypto: 9% and
    /// 27% slower).
    fn verifies(self) -> bool {
        match self {
            Self::Rsa { bits } => bits >= 4096,
            Self::Ecdsa { .. } => true,
        }
    }

    /// How the certificate's public key goes to `importKey`: an RSA key as its whole
    /// SubjectPublicKeyInfo, an EC key as the uncompressed point that WebCrypto's "raw" format
    /// is (cheaper to import than the SubjectPublicKeyInfo).
    fn public_key(self, spki: &SubjectPublicKeyInfoOwned) -> (&'static str, Uint8Array) {
        match self {
            Self::Rsa { .. } => (
                "spki",
                // Encoding a key that was just decoded or built cannot fail; an empty one
                // fails the import, and Rust then verifies instead.
                Uint8Array::from(spki.to_der().unwrap_or_default().as_slice()),
            ),
            Self::Ecdsa { .. } => ("raw", Uint8Array::from(spki.subject_public_key.raw_bytes())),
        }
    }
}

/// `crypto.subtle`, where the platform has it (browsers only in secure contexts).
fn webcrypto_subtle() -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &"crypto".into())
        .and_then(|crypto| Reflect::get(&crypto, &"subtle".into()))
        .ok()
        .filter(JsValue::is_object)
}

/// `subtle[method](...args)`; a synchronous throw becomes a rejected Promise.
fn subtle_call(subtle: &JsValue, method: &str, args: &[JsValue]) -> Promise {
    let args: Array = args.iter().collect();
    Reflect::get(subtle, &method.into())
        .and_then(|f| f.dyn_into::<Function>())
        .and_then(|f| Reflect::apply(&f, subtle, &args))
        .and_then(|p| p.dyn_into::<Promise>())
        .unwrap_or_else(|error| Promise::reject(&error))
}

/// Has WebCrypto make a key pair of `scheme` and export its private key: resolves to the
/// PKCS#8 `ArrayBuffer`. `keep_private` receives the private key's handle first.
fn generate_pkcs8(
    subtle: &JsValue,
    scheme: WebCryptoScheme,
    keep_private: impl FnOnce(JsValue) + 'static,
) -> Promise {
    let generated = subtle_call(
        subtle,
        "generateKey",
        &[
            scheme.generate_params().into(),
            JsValue::TRUE,
            Array::of2(&"sign".into(), &"verify".into()).into(),
        ],
    );
    let subtle = subtle.clone();
    on_settled(&generated, move |pair| {
        let private = Reflect::get(&pair?, &"privateKey".into())?;
        keep_private(private.clone());
        Ok(subtle_call(&subtle, "exportKey", &["pkcs8".into(), private]).into())
    })
}

/// A key given in the options of `createRootCACertificate`.
enum GivenKey {
    /// Read in full: a key whose public half cannot be read alone.
    Read(CaKey),
    /// A key of which only the public half is read at first: WebCrypto signs with the PKCS#8
    /// bytes while Rust reads the rest (see [`keys::pkcs8_public_key_info`]). Passed on as
    /// read, since re-encoding an RSA key recomputes its CRT coefficient.
    Unread {
        pkcs8: Zeroizing<Vec<u8>>,
        algorithm: Algorithm,
        spki: SubjectPublicKeyInfoOwned,
    },
}

impl GivenKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            GivenKey::Read(key) => key.algorithm(),
            GivenKey::Unread { algorithm, .. } => *algorithm,
        }
    }

    /// The key, read in full.
    fn read(self) -> Result<CaKey, ApiError> {
        match self {
            GivenKey::Read(key) => Ok(key),
            GivenKey::Unread { pkcs8, .. } => CaKey::from_pkcs8_der("PrivateKey", &pkcs8),
        }
    }
}

/// Reads `options.PrivateKey` of `createRootCACertificate`, if given.
fn key_option(options: &JsValue) -> Result<Option<GivenKey>, ApiError> {
    let mut value = to_json(options, "options", 0)?;
    let key = match value.get("PrivateKey") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(pem)) => action::read_private_key_der(pem, None).and_then(|pkcs8| {
            Ok(Some(
                match keys::pkcs8_public_key_info("PrivateKey", &pkcs8)? {
                    Some((algorithm, spki)) => GivenKey::Unread {
                        pkcs8,
                        algorithm,
                        spki,
                    },
                    None => GivenKey::Read(CaKey::from_pkcs8_der("PrivateKey", &pkcs8)?),
                },
            ))
        }),
        Some(_) => Err(ApiError::invalid(
            "PrivateKey",
            "PrivateKey must be a PEM string.",
        )),
    };
    wipe(&mut value);
    key
}

/// A repeat of a call that is still waiting: the first call's result, with a new RequestId.
fn follow(inner: Rc<Inner>, client_token: String) -> Promise {
    let first = inner.in_flight.borrow().get(&client_token).cloned();
    let Some(first) = first else {
        let error = ApiError::internal("a call with this ClientToken is still in progress");
        return Promise::reject(&js_error(&error, &fresh_request_id()));
    };
    // The first call's rejection is this call's too.
    on_settled(&first, move |first| {
        first?;
        let result = (|| {
            let mut account = inner.borrow()?;
            let request_id = account.new_request_id().map_err(failure)?;
            account
                .replay(&client_token, request_id)
                .ok_or_else(|| failure(ApiError::internal("the first call's CA is gone")))
        })();
        match result {
            Ok(response) => Ok(to_js(&json_of(&response))),
            Err(failure) => Err(js_error(&failure.error, &failure.request_id)),
        }
    })
}

/// Copies the bytes of a WebCrypto `ArrayBuffer` and wipes the JavaScript buffer. Anything
/// else (from a broken platform) gives no bytes, which fail to read as a key.
fn webcrypto_bytes(buffer: &JsValue) -> Zeroizing<Vec<u8>> {
    let Some(buffer) = buffer.dyn_ref::<js_sys::ArrayBuffer>() else {
        return Zeroizing::new(Vec::new());
    };
    let bytes = Uint8Array::new(buffer);
    let copy = Zeroizing::new(bytes.to_vec());
    bytes.fill(0, 0, bytes.length());
    copy
}

/// Reads a key that WebCrypto made for `algorithm` from its PKCS#8 export.
///
/// An EC key keeps the public key of the export, which its signature is verified with.
fn generated_key(pkcs8: &[u8], algorithm: Algorithm) -> Result<CaKey, ApiError> {
    let key = CaKey::from_trusted_pkcs8_der("PrivateKey", pkcs8)
        .map_err(|_| ApiError::internal("WebCrypto returned an unreadable key"))?;
    if key.algorithm() != algorithm {
        return Err(ApiError::internal(
            "WebCrypto returned a key of another algorithm",
        ));
    }
    Ok(key)
}

/// Converts an untrusted JavaScript value into JSON, refusing what JSON cannot hold.
///
/// `field` names the top-level field being converted, for error messages.
fn to_json(value: &JsValue, field: &str, depth: usize) -> Result<Value, ApiError> {
    let field_name = if depth == 0 { None } else { Some(field) };
    let refuse = |what: &str| match field_name {
        Some(name) => ApiError::invalid(static_field(name), format!("{name} {what}.")),
        None => ApiError::InvalidParameter {
            field: None,
            message: format!("The {field} {what}."),
        },
    };
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if let Some(number) = value.as_f64() {
        return Number::from_f64(number)
            .map(Value::Number)
            .ok_or_else(|| refuse("must be a finite number"));
    }
    if value.is_string() {
        let text: &js_sys::JsString = value.unchecked_ref();
        if text.length() > MAX_JS_STRING {
            return Err(refuse(&format!(
                "is too long ({} UTF-16 code units)",
                text.length()
            )));
        }
        if !text.is_valid_utf16() {
            return Err(refuse("contains an unpaired UTF-16 surrogate"));
        }
        return Ok(Value::String(String::from(text)));
    }
    if value.is_bigint() {
        return Err(refuse(
            "must not be a BigInt; use a number or a decimal string",
        ));
    }
    if value.is_symbol() {
        return Err(refuse("must not be a Symbol"));
    }
    if value.is_function() {
        return Err(refuse("must not be a function"));
    }
    if depth >= MAX_DEPTH {
        return Err(refuse("is nested too deeply"));
    }
    let unreadable = |_| refuse("could not be read (a getter or Proxy trap threw)");
    if is_array(value).map_err(unreadable)? {
        let length = Reflect::get(value, &"length".into())
            .map_err(unreadable)?
            .as_f64()
            .unwrap_or(0.0);
        if length > f64::from(MAX_ARRAY) {
            let length = request::display_float(length);
            return Err(refuse(&format!("has too many elements ({length})")));
        }
        let mut items = Vec::new();
        for index in 0..length as u32 {
            let item = Reflect::get_u32(value, index).map_err(unreadable)?;
            items.push(to_json(&item, field, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    let keys = object_keys(value).map_err(unreadable)?;
    if keys.length() > MAX_ARRAY {
        return Err(refuse("has too many fields"));
    }
    let mut map = Map::new();
    for key in keys.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        if depth == 0 && !request::names_a_field(&name) {
            // Unknown fields are ignored, as the cloud ignores them: their getters never run.
            continue;
        }
        let item = Reflect::get(value, &key).map_err(unreadable)?;
        let child = if depth == 0 { name.as_str() } else { field };
        map.insert(name.clone(), to_json(&item, child, depth + 1)?);
    }
    Ok(Value::Object(map))
}

/// Error fields are `&'static str` in the core: the known field a JavaScript name spells, or a
/// generic label for fields no action reads.
fn static_field(name: &str) -> &'static str {
    request::known_field(name).unwrap_or("Field")
}

/// Calls `next` once with the outcome of `promise`, and returns the Promise of what `next`
/// returns: a value, or a Promise to follow, or an error to reject with.
///
/// One closure serves both outcomes, so it is always called, and so freed: a
/// `Closure::once_into_js` that is never called leaks itself and everything it holds (a
/// call's state, WebCrypto's key handles). With one closure for fulfilment and another for
/// rejection, every call leaked one of them.
fn on_settled(
    promise: &Promise,
    next: impl FnOnce(Result<JsValue, JsValue>) -> Result<JsValue, JsValue> + 'static,
) -> Promise {
    let callback = Closure::once_into_js(move |fulfilled: bool, value: JsValue| {
        next(if fulfilled { Ok(value) } else { Err(value) })
    });
    settled(promise, &callback)
}

fn call_promise_method(
    promise: &Promise,
    method: &str,
    first: &JsValue,
    second: Option<&JsValue>,
) -> Promise {
    let result = Reflect::get(promise, &method.into())
        .and_then(|f| f.dyn_into::<Function>())
        .and_then(|f| f.call2(promise, first, second.unwrap_or(&JsValue::UNDEFINED)))
        .and_then(|p| p.dyn_into::<Promise>());
    // A native Promise always has callable then/finally returning a Promise.
    result.unwrap_or_else(|error| Promise::reject(&error))
}

/// Converts a result to JavaScript through a buffer that is wiped afterwards, and wipes the
/// strings of `value` too: results may hold an exported private key.
fn to_js_wiping(mut value: Value) -> JsValue {
    // Room for the whole text up front, so that growing the buffer leaves no copies behind.
    let mut text = Zeroizing::new(Vec::with_capacity(json_capacity(&value)));
    let js = match serde_json::to_writer(&mut *text, &value) {
        Ok(()) => std::str::from_utf8(&text)
            .ok()
            .and_then(|text| js_sys::JSON::parse(text).ok())
            .unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    wipe(&mut value);
    js
}

/// An upper bound of the JSON text length of `value` (escaping at most doubles a string, but
/// for control characters, which results do not hold beyond PEM line feeds).
fn json_capacity(value: &Value) -> usize {
    match value {
        Value::String(text) => 2 * text.len() + 2,
        Value::Array(items) => items.iter().map(json_capacity).sum::<usize>() + items.len() + 2,
        Value::Object(map) => {
            map.iter()
                .map(|(key, item)| 2 * key.len() + 4 + json_capacity(item))
                .sum::<usize>()
                + 2
        }
        _ => 32,
    }
}

/// Overwrites every string in `value` with zeros.
fn wipe(value: &mut Value) {
    use zeroize::Zeroize;
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

fn to_js(value: &Value) -> JsValue {
    // serde_json always produces valid JSON, which JSON.parse always accepts.
    js_sys::JSON::parse(&json_text(value)).unwrap_or(JsValue::NULL)
}

/// `json!(value)` for values whose serialization cannot fail (structs of strings and numbers),
/// without the macro's `unwrap` and so without the formatting of serde_json's errors.
fn json_of(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// The compact JSON text of `value`, as its `Display` gives it, through the same serializer
/// as [`to_js_wiping`] (`Display` would bring two more: compact and pretty).
fn json_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &key.into(), value);
}

/// Builds the SDK-shaped error: `ClientError`, `ThrottlingError` or `ServerError`.
fn js_error(error: &ApiError, request_id: &str) -> JsValue {
    let body = to_js(&json_of(&error.to_body(request_id)));
    let status = error.status();
    match error.kind() {
        ErrorKind::Client => ClientError::new(&body, status).into(),
        ErrorKind::Throttling => ThrottlingError::new(&body, status).into(),
        ErrorKind::Server => ServerError::new(&body, status).into(),
    }
}

/// Makes the panic hook fire, so tests can prove a panic becomes a rejection.
#[doc(hidden)]
#[wasm_bindgen(js_name = __panicForTest, skip_typescript)]
pub fn panic_for_test() -> Promise {
    settle(|| panic!("deliberate panic for the panic-hook test"))
}
