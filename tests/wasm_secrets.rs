//! Keys stay secret in WebAssembly memory: after a CA is removed (or a generated key handed
//! out), the module's whole linear memory holds neither the private key's PKCS#8 bytes nor its
//! private scalar (EC, SM2) or private exponent and primes (RSA), in either byte order.
//!
//! The key is learnt through the exported API (`exportCAPrivateKey` with `Plain: true`), and
//! every copy the test needs (the PEM, its DER, the numbers inside) stays in JavaScript: the
//! PEM is parsed and the memory searched by the small JavaScript module below, so that the
//! test itself leaves no copy in the memory it searches. Each scan is first run while the CA
//! is still held, as a control that the search finds the key where it must be.
//!
//! Run with `wasm-pack test --node -- --test wasm_secrets` (or `--headless --chrome`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use js_sys::{Array, Promise, Reflect};
use private_ca::wasm::{PrivateCa, generate_private_key};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen(inline_js = r#"
function decodePem(pem) {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const text = atob(body);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// One DER TLV at `at`: its tag, where its content starts and ends.
function tlv(bytes, at) {
  const tag = bytes[at];
  let length = bytes[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  return { tag, start, end: start + length };
}

// The children of the constructed TLV whose content is [start, end).
function children(bytes, start, end) {
  const out = [];
  for (let at = start; at < end; ) {
    const child = tlv(bytes, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

function unsigned(bytes, node) {
  let start = node.start;
  while (start < node.end - 1 && bytes[start] === 0) start++;
  return bytes.slice(start, node.end);
}

// Curve order n and the bits of R = 2^(bits of the limbs), by the namedCurve OID's content.
// P-521 takes 17 limbs of 32 bits or 9 of 64, depending on the word size the crates chose.
const ORDERS = {
  '2a8648ce3d030107': [0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n, [256]],
  '2b81040022': [0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n, [384]],
  '2b81040023': [0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n, [544, 576]],
  '2a811ccf5501822d': [0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n, [256]],
};

function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''); }
function toBigInt(bytes) { return bytes.length ? BigInt('0x' + hex(bytes)) : 0n; }
function toBytes(value, length) {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

// The secrets in a PKCS#8 PEM: the DER itself, the PEM's base64 lines, and the private
// numbers (EC/SM2: the scalar; RSA: d, p and q).
export function secretsOf(pem) {
  const der = decodePem(pem);
  const top = tlv(der, 0);
  const [, algorithm, privateKey] = children(der, top.start, top.end);
  const oid = children(der, algorithm.start, algorithm.end)[0];
  const isRsa = der.slice(oid.start, oid.end).join() === [42, 134, 72, 134, 247, 13, 1, 1, 1].join();
  const inner = tlv(der, privateKey.start);
  const fields = children(der, inner.start, inner.end);
  const secrets = [{ name: 'PKCS#8 DER', bytes: der }];
  if (isRsa) {
    const [, , , d, p, q] = fields;
    secrets.push({ name: 'RSA d', bytes: unsigned(der, d) });
    secrets.push({ name: 'RSA p', bytes: unsigned(der, p) });
    secrets.push({ name: 'RSA q', bytes: unsigned(der, q) });
  } else {
    const scalar = der.slice(fields[1].start, fields[1].end);
    secrets.push({ name: 'EC private scalar', bytes: scalar });
    // Some curve crates keep the scalar in Montgomery form, d * R mod n, in 32-bit limbs.
    const params = children(der, algorithm.start, algorithm.end)[1];
    const curve = hex(der.slice(params.start, params.end));
    const [order, widths] = ORDERS[curve];
    for (const bits of widths) {
      const montgomery = (toBigInt(scalar) << BigInt(bits)) % order;
      secrets.push({ name: `EC private scalar (Montgomery form, R = 2^${bits})`, bytes: toBytes(montgomery, bits / 8) });
    }
  }
  const lines = pem.split('\n').filter((line) => line.length === 64);
  lines.forEach((line, i) => secrets.push({ name: `PEM line ${i + 1}`, bytes: new TextEncoder().encode(line), text: true }));
  return secrets;
}

function find(haystack, needle) {
  const found = [];
  for (let at = haystack.indexOf(needle[0]); at !== -1; at = haystack.indexOf(needle[0], at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) found.push(at);
  }
  return found;
}

// Searches the whole linear memory for each secret, big-endian and (numbers) little-endian.
// Returns one line per hit: name, byte order and offset.
export function scan(memory, secrets) {
  const haystack = new Uint8Array(memory.buffer);
  const hits = [];
  for (const secret of secrets) {
    const orders = secret.text || secret.name.startsWith('PKCS')
      ? [['', secret.bytes]]
      : [[' big-endian', secret.bytes], [' little-endian', secret.bytes.slice().reverse()]];
    for (const [order, needle] of orders) {
      for (const at of find(haystack, needle)) hits.push(`${secret.name}${order} at ${at}`);
    }
  }
  return hits;
}

export function memorySize(memory) { return memory.buffer.byteLength; }

// A macrotask later: lets a browser's event loop (and the test driver polling it) run.
export function tick() { return new Promise((resolve) => setTimeout(resolve, 0)); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = secretsOf)]
    fn secrets_of(pem: &JsValue) -> Array;
    fn scan(memory: &JsValue, secrets: &Array) -> Array;
    #[wasm_bindgen(js_name = memorySize)]
    fn memory_size(memory: &JsValue) -> f64;
    fn tick() -> Promise;

}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

async fn settle(promise: Promise) -> JsValue {
    match JsFuture::from(promise).await {
        Ok(value) => value,
        Err(error) => panic!("rejected: {:?}", get(&error, "message")),
    }
}

fn request(algorithm: &str) -> JsValue {
    json(&format!(
        r#"{{"CommonName":"Secret Root","OrganizationUnit":"Security","Organization":"Example",
        "Locality":"Hangzhou","State":"Zhejiang","Algorithm":"{algorithm}","Years":1}}"#
    ))
}

fn lines(hits: &Array) -> Vec<String> {
    hits.iter().filter_map(|hit| hit.as_string()).collect()
}

/// Where the secrets are found in the module's memory, one line per hit.
fn scan_memory(secrets: &Array) -> Vec<String> {
    lines(&scan(&wasm_bindgen::memory(), secrets))
}

fn object(fields: &[(&str, &JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

/// The CA's key, learnt through a plain export, and the CA's certificate.
async fn export_plain(ca: &PrivateCa, identifier: &JsValue) -> JsValue {
    let request = object(&[("Identifier", identifier), ("Plain", &JsValue::TRUE)]);
    get(
        &settle(ca.export_ca_private_key(request)).await,
        "PrivateKey",
    )
}

async fn remove(ca: &PrivateCa, identifier: &JsValue) {
    settle(ca.remove_ca_certificate(object(&[("Identifier", identifier)]))).await;
}

/// The control: while a CA is held, the search must find its key (else it searches for the
/// wrong representation and proves nothing).
fn assert_found_while_held(label: &str, secrets: &Array) -> Vec<String> {
    let held = scan_memory(secrets);
    assert!(
        held.iter()
            .any(|hit| !hit.starts_with("PKCS#8") && !hit.starts_with("PEM")),
        "{label}: the control scan does not find the key of a held CA: {held:?}"
    );
    held
}

#[track_caller]
fn assert_gone(label: &str, held: &[String], secrets: &Array) {
    let left = scan_memory(secrets);
    console_log!(
        "{label}: while held {held:?}; afterwards {left:?} (memory {} bytes)",
        memory_size(&wasm_bindgen::memory())
    );
    assert!(left.is_empty(), "{label}: found afterwards: {left:?}");
}

/// Creates a CA, learns its key, checks the control, removes the CA, and checks that nothing
/// of the key is left.
///
/// Encrypted exports are left out: their scrypt derivation takes 5 to 25 seconds in this debug
/// build (the generic code is compiled with the crate's opt-level 0), and the browser test
/// driver gives a whole suite 20. Their plaintext is encrypted in place in one buffer, and the
/// allocator wipes whatever is freed.
async fn check_removal(label: &str, algorithm: &str) {
    let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
    let created =
        settle(ca.create_root_ca_certificate(request(algorithm), JsValue::UNDEFINED)).await;
    let identifier = get(&created, "Identifier");
    let secrets = secrets_of(&export_plain(&ca, &identifier).await);
    let held = assert_found_while_held(label, &secrets);
    remove(&ca, &identifier).await;
    drop(ca);
    assert_gone(label, &held, &secrets);
}

#[wasm_bindgen_test]
async fn removed_ec_and_sm2_keys_leave_no_trace_in_memory() {
    for algorithm in ["ECC_256", "SM2_256", "ECC_384", "ECC_512"] {
        check_removal(algorithm, algorithm).await;
    }
}

#[wasm_bindgen_test]
async fn removed_rsa_keys_leave_no_trace_in_memory() {
    for algorithm in ["RSA_1024", "RSA_2048"] {
        check_removal(&format!("{algorithm} from WebCrypto"), algorithm).await;
    }
}

#[wasm_bindgen_test]
async fn removed_rsa_keys_made_in_rust_leave_no_trace_in_memory() {
    // Without WebCrypto (as on a non-secure browser origin) RSA keys are made by the RSA crate,
    // whose big-integer temporaries are freed without being wiped.
    let crypto = get(&js_sys::global(), "crypto");
    let hidden = object(&[
        ("value", &JsValue::UNDEFINED),
        ("configurable", &JsValue::TRUE),
    ]);
    let hidden: js_sys::Object = hidden.into();
    Reflect::define_property(&crypto.clone().into(), &"subtle".into(), &hidden).unwrap();
    check_removal("RSA_1024 made in Rust", "RSA_1024").await;
    Reflect::delete_property(&crypto.into(), &"subtle".into()).unwrap();
}

#[wasm_bindgen_test]
async fn a_generated_key_leaves_no_trace_once_handed_out() {
    for algorithm in ["ECC_256", "SM2_256", "ECC_512", "RSA_1024"] {
        let generated = settle(generate_private_key(algorithm.into())).await;
        let secrets = secrets_of(&get(&generated, "PrivateKey"));
        assert_gone(&format!("generatePrivateKey {algorithm}"), &[], &secrets);
    }
}

#[wasm_bindgen_test]
async fn given_and_imported_keys_leave_no_trace_once_removed() {
    for algorithm in ["ECC_256", "SM2_256", "RSA_1024"] {
        let label = format!("{algorithm} given to create, then imported");
        let key = get(
            &settle(generate_private_key(algorithm.into())).await,
            "PrivateKey",
        );
        let secrets = secrets_of(&key);
        // A root made with a key from outside, then the same CA imported into a second account.
        let first = PrivateCa::new(JsValue::UNDEFINED).unwrap();
        let options = object(&[("PrivateKey", &key)]);
        let created = settle(first.create_root_ca_certificate(request(algorithm), options)).await;
        let certificate = get(&created, "Certificate");
        let second = PrivateCa::new(JsValue::UNDEFINED).unwrap();
        let import = object(&[("Certificate", &certificate), ("PrivateKey", &key)]);
        let imported = settle(second.import_ca_certificate(import)).await;
        let held = assert_found_while_held(&label, &secrets);
        remove(&first, &get(&created, "Identifier")).await;
        remove(&second, &get(&imported, "Identifier")).await;
        assert_gone(&label, &held, &secrets);
    }
}

/// The same for the Rust API directly, with nothing else running between the last use of the
/// key and the search: signing and exporting copy the secret onto the stack, which
/// `CaKey` overwrites before it returns.
#[wasm_bindgen_test]
async fn a_dropped_key_leaves_no_trace_on_the_stack() {
    use private_ca::env::OsEntropy;
    use private_ca::{Algorithm, CaKey, KeyProtection};
    for algorithm in [
        Algorithm::Ecc256,
        Algorithm::Sm2_256,
        Algorithm::Ecc384,
        Algorithm::Ecc512,
        Algorithm::Rsa1024,
    ] {
        JsFuture::from(tick()).await.unwrap();
        let key = CaKey::generate(algorithm, &mut OsEntropy).unwrap();
        let secrets = {
            let pem = key
                .export_pkcs8_pem(KeyProtection::Plain, &mut OsEntropy)
                .unwrap();
            secrets_of(&JsValue::from_str(&pem))
        };
        key.sign(b"to be signed", &mut OsEntropy).unwrap();
        key.export_pkcs8_pem(KeyProtection::Plain, &mut OsEntropy)
            .unwrap();
        let held = assert_found_while_held(&format!("{algorithm}"), &secrets);
        drop(key);
        assert_gone(&format!("{algorithm} dropped"), &held, &secrets);
    }
}
