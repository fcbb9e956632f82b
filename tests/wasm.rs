//! The exported JavaScript API, run as WebAssembly in Node.js (`wasm-pack test --node`) and in
//! headless Chromium (`wasm-pack test --headless --chrome`).
//!
//! Certificates are checked with the platform's WebCrypto (`crypto.subtle.verify`), a verifier
//! we did not write, for RSA and ECDSA; SM2 with the `sm2` crate over the TBS bytes.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use der::{Decode, Encode};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use private_ca::wasm::{
    PrivateCa, default_create_root_ca_certificate as create, generate_private_key,
    validate_root_request,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use x509_cert::Certificate;

fn request(algorithm: &str) -> JsValue {
    json(&format!(
        r#"{{"CommonName":"阿里云 Root","OrganizationUnit":"Security","Organization":"Aliyun",
        "Locality":"Hangzhou","State":"Zhejiang","CountryCode":"cn","Algorithm":"{algorithm}",
        "Years":"10"}}"#
    ))
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key).as_string().unwrap_or_default()
}

async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

async fn ca_count(ca: &PrivateCa) -> u32 {
    let list: Array = settle(ca.list_ca_certificates())
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    list.length()
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let (label, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    assert_eq!(label, "CERTIFICATE");
    der
}

/// Verifies a certificate's signature with WebCrypto, importing its SubjectPublicKeyInfo.
async fn webcrypto_verifies(certificate: &Certificate) -> bool {
    let spki = certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    let tbs = certificate.tbs_certificate().to_der().unwrap();
    let signature = certificate.signature().raw_bytes().to_vec();
    let (import_algorithm, verify_algorithm, signature) = match certificate
        .tbs_certificate()
        .subject_public_key_info()
        .algorithm
        .parameters
        .as_ref()
        .ok_or(())
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().map_err(|_| ()))
    {
        Err(_) => (
            json(r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-256"}"#),
            json(r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
            signature,
        ),
        Ok(curve) => {
            let (name, size) = match curve.to_string().as_str() {
                "1.2.840.10045.3.1.7" => ("P-256", 32),
                "1.3.132.0.34" => ("P-384", 48),
                _ => ("P-521", 66),
            };
            // WebCrypto takes ECDSA signatures as fixed-size r || s, not DER.
            let parsed = ecdsa_der_to_raw(&signature, size);
            (
                json(&format!(r#"{{"name":"ECDSA","namedCurve":"{name}"}}"#)),
                json(r#"{"name":"ECDSA","hash":"SHA-256"}"#),
                parsed,
            )
        }
    };
    let subtle = get(&get(&js_sys::global(), "crypto"), "subtle");
    let import: js_sys::Function = get(&subtle, "importKey").dyn_into().unwrap();
    let usages = Array::of1(&"verify".into());
    let key = import
        .apply(
            &subtle,
            &Array::of5(
                &"spki".into(),
                &Uint8Array::from(&spki[..]),
                &import_algorithm,
                &JsValue::FALSE,
                &usages,
            ),
        )
        .unwrap();
    let key = JsFuture::from(key.dyn_into::<Promise>().unwrap())
        .await
        .unwrap();
    let verify: js_sys::Function = get(&subtle, "verify").dyn_into().unwrap();
    let result = verify
        .apply(
            &subtle,
            &Array::of4(
                &verify_algorithm,
                &key,
                &Uint8Array::from(&signature[..]),
                &Uint8Array::from(&tbs[..]),
            ),
        )
        .unwrap();
    JsFuture::from(result.dyn_into::<Promise>().unwrap())
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

fn ecdsa_der_to_raw(der: &[u8], size: usize) -> Vec<u8> {
    #[derive(der::Sequence)]
    struct EcdsaSig<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    let sig = EcdsaSig::from_der(der).unwrap();
    let mut out = vec![0u8; size * 2];
    let (r, s) = (sig.r.as_bytes(), sig.s.as_bytes());
    out[size - r.len()..size].copy_from_slice(r);
    out[2 * size - s.len()..].copy_from_slice(s);
    out
}

async fn check_algorithm(algorithm: &str, signature_oid: &str) {
    let response = settle(create(request(algorithm), JsValue::UNDEFINED))
        .await
        .unwrap();
    let identifier = text(&response, "Identifier");
    assert_eq!(identifier.len(), 32);
    assert!(
        identifier
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let pem = text(&response, "Certificate");
    assert!(!pem.ends_with('\n'));
    assert_eq!(text(&response, "CertificateChain"), format!("{pem}\n"));
    let certificate = Certificate::from_der(&pem_to_der(&pem)).unwrap();
    let tbs = certificate.tbs_certificate();
    assert_eq!(tbs.issuer(), tbs.subject());
    assert_eq!(
        tbs.subject().to_string(),
        "CN=阿里云 Root,OU=Security,O=Aliyun,L=Hangzhou,ST=Zhejiang,C=CN"
    );
    assert_eq!(
        certificate.signature_algorithm().oid.to_string(),
        signature_oid
    );
    if algorithm == "SM2_256" {
        use signature::Verifier;
        let point = tbs.subject_public_key_info().subject_public_key.raw_bytes();
        let key = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", point).unwrap();
        let signature = sm2::dsa::Signature::from_der(certificate.signature().raw_bytes()).unwrap();
        key.verify(&tbs.to_der().unwrap(), &signature).unwrap();
    } else {
        assert!(webcrypto_verifies(&certificate).await, "{algorithm}");
    }
}

#[wasm_bindgen_test]
async fn rsa_roots_verify_with_webcrypto() {
    for algorithm in ["RSA_1024", "RSA_2048", "RSA_4096"] {
        check_algorithm(algorithm, "1.2.840.113549.1.1.11").await;
    }
}

#[wasm_bindgen_test]
async fn ecc_roots_verify_with_webcrypto() {
    for algorithm in ["ECC_256", "ECC_384", "ECC_512"] {
        check_algorithm(algorithm, "1.2.840.10045.4.3.2").await;
    }
}

#[wasm_bindgen_test]
async fn sm2_root_verifies_with_the_standard_signer_id() {
    check_algorithm("SM2_256", "1.2.156.10197.1.501").await;
}

#[wasm_bindgen_test]
async fn errors_are_sdk_shaped_rejections() {
    let bad = json(
        r#"{"CommonName":"x","OrganizationUnit":"y","Organization":"z","Locality":"l","State":"s","Years":11}"#,
    );
    let error = settle(create(bad, JsValue::UNDEFINED)).await.unwrap_err();
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(text(&error, "name"), "ClientError");
    assert_eq!(text(&error, "code"), "InvalidParameter.Years");
    assert_eq!(get(&error, "statusCode").as_f64(), Some(400.0));
    let request_id = text(&error, "requestId");
    assert_eq!(request_id.len(), 36);
    let data = get(&error, "data");
    assert_eq!(text(&data, "Code"), "InvalidParameter.Years");
    assert_eq!(
        text(&error, "message"),
        format!(
            "InvalidParameter.Years: code: 400, {} request id: {request_id}",
            text(&data, "Message")
        )
    );
    let missing = settle(create(json("{}"), JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(text(&missing, "code"), "MissingCommonName");
    let not_object = settle(create(JsValue::NULL, JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(text(&not_object, "code"), "InvalidParameter");
    let validated = settle(validate_root_request(request("ECC_256")))
        .await
        .unwrap();
    assert!(
        validated.is_undefined(),
        "resolves to undefined, as Promise<void> says"
    );
}

#[wasm_bindgen_test]
async fn ten_concurrent_calls_with_one_token_make_one_ca() {
    for algorithm in ["RSA_1024", "ECC_256"] {
        let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
        let req = request(algorithm);
        Reflect::set(
            &req,
            &"ClientToken".into(),
            &format!("token-{algorithm}").into(),
        )
        .unwrap();
        let calls: Array = (0..10)
            .map(|_| ca.create_root_ca_certificate(req.clone(), JsValue::UNDEFINED))
            .collect();
        let all = settle(Promise::all(&calls)).await.unwrap();
        let all: Array = all.dyn_into().unwrap();
        let identifiers: std::collections::BTreeSet<String> =
            all.iter().map(|r| text(&r, "Identifier")).collect();
        let request_ids: std::collections::BTreeSet<String> =
            all.iter().map(|r| text(&r, "RequestId")).collect();
        assert_eq!(identifiers.len(), 1, "{algorithm}");
        assert_eq!(request_ids.len(), 10, "{algorithm}");
        let list = settle(ca.list_ca_certificates()).await.unwrap();
        assert_eq!(list.dyn_into::<Array>().unwrap().length(), 1);
    }
}

#[wasm_bindgen_test]
async fn with_one_instance_left_exactly_one_concurrent_call_succeeds() {
    let ca = PrivateCa::new(json(r#"{"Instances":{"RSA":1}}"#)).unwrap();
    let calls: Array = (0..4)
        .map(|_| ca.create_root_ca_certificate(request("RSA_1024"), JsValue::UNDEFINED))
        .collect();
    let settled: Array = settle(Promise::all_settled(&calls))
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    let statuses: Vec<String> = settled.iter().map(|s| text(&s, "status")).collect();
    assert_eq!(statuses.iter().filter(|s| *s == "fulfilled").count(), 1);
    for outcome in settled.iter().filter(|s| text(s, "status") == "rejected") {
        assert_eq!(
            text(&get(&outcome, "reason"), "code"),
            "NoAvailableInstance"
        );
    }
}

#[wasm_bindgen_test]
async fn rsa_falls_back_to_rust_without_webcrypto() {
    let crypto = get(&js_sys::global(), "crypto");
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
    Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
    Reflect::define_property(&crypto.clone().into(), &"subtle".into(), &descriptor).unwrap();
    assert!(get(&crypto, "subtle").is_undefined());
    let result = settle(create(request("RSA_1024"), JsValue::UNDEFINED)).await;
    let key = settle(generate_private_key("RSA_1024".into())).await;
    Reflect::delete_property(&crypto.into(), &"subtle".into()).unwrap();
    let response = result.unwrap();
    assert!(text(&response, "Certificate").starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(text(&key.unwrap(), "PrivateKey").starts_with("-----BEGIN PRIVATE KEY-----"));
}

/// Replaces `crypto.subtle[method]` with `make(original, calls)`'s function, where `calls`
/// collects each call's arguments, until [`restore`].
fn patch_subtle(method: &str, make: &str) -> Array {
    let subtle = get(&get(&js_sys::global(), "crypto"), "subtle");
    let original = get(&subtle, method);
    let calls = Array::new();
    let factory = js_sys::Function::new_with_args("original, calls", make);
    let replacement = factory
        .call2(&JsValue::UNDEFINED, &original, &calls)
        .unwrap();
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"value".into(), &replacement).unwrap();
    Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
    Reflect::define_property(
        &subtle.dyn_into::<Object>().unwrap(),
        &method.into(),
        &descriptor,
    )
    .unwrap();
    calls
}

fn restore(method: &str) {
    let subtle = get(&get(&js_sys::global(), "crypto"), "subtle");
    Reflect::delete_property(&subtle.dyn_into::<Object>().unwrap(), &method.into()).unwrap();
}

const SPY: &str =
    "return function (...args) { calls.push(args); return original.apply(this, args); }";

/// A `crypto.subtle` method that refuses every call (and counts them).
const REFUSE: &str =
    "return function (...args) { calls.push(args); return Promise.reject(new Error('no')); }";

/// A key given as `options.PrivateKey` goes to WebCrypto as not extractable PKCS#8, whose
/// JavaScript copy is wiped at once, and WebCrypto signs with it.
#[wasm_bindgen_test]
async fn a_given_key_signs_in_webcrypto_and_its_copy_is_wiped() {
    for (algorithm, smallest, webcrypto_verifies_it) in
        [("RSA_1024", 600, false), ("ECC_256", 100, true)]
    {
        let key = settle(generate_private_key(algorithm.into()))
            .await
            .unwrap();
        let options = Object::new();
        Reflect::set(&options, &"PrivateKey".into(), &get(&key, "PrivateKey")).unwrap();
        let (result, [generated, _, imported, signed, verified]) =
            subtle_calls(algorithm, options.into()).await;
        let certificate =
            Certificate::from_der(&pem_to_der(&text(&result.unwrap(), "Certificate"))).unwrap();
        assert_eq!(generated.length(), 0, "{algorithm}");
        // The private key to sign, and where WebCrypto verifies, the certificate's public key.
        let verifications = u32::from(webcrypto_verifies_it);
        assert_eq!(imported.length(), 1 + verifications, "{algorithm}");
        let private = Array::from(&imported.get(0));
        assert_eq!(private.get(0).as_string().as_deref(), Some("pkcs8"));
        assert_eq!(
            private.get(3),
            JsValue::FALSE,
            "{algorithm}: not extractable"
        );
        let bytes = Uint8Array::new(&private.get(1)).to_vec();
        assert!(bytes.len() > smallest, "{algorithm}");
        assert!(
            bytes.iter().all(|&b| b == 0),
            "{algorithm}: the key's JavaScript copy is wiped"
        );
        assert_eq!(signed.length(), 1, "{algorithm}");
        let tbs = Uint8Array::new(&Array::from(&signed.get(0)).get(2)).to_vec();
        assert_eq!(tbs, certificate.tbs_certificate().to_der().unwrap());
        assert_eq!(verified.length(), verifications, "{algorithm}");
        assert!(webcrypto_verifies(&certificate).await, "{algorithm}");
        if webcrypto_verifies_it {
            assert!(rust_verifies(&certificate), "{algorithm}");
        }
    }
}

/// WebCrypto makes and signs every RSA root; it verifies RSA_4096 signatures, and Rust the
/// smaller ones (quicker than WebCrypto's round trips).
#[wasm_bindgen_test]
async fn a_generated_rsa_key_signs_in_webcrypto() {
    for (algorithm, webcrypto_verifies_it) in [("RSA_1024", false), ("RSA_4096", true)] {
        let (result, [generated, exported, imported, signed, verified]) =
            subtle_calls(algorithm, JsValue::UNDEFINED).await;
        let certificate =
            Certificate::from_der(&pem_to_der(&text(&result.unwrap(), "Certificate"))).unwrap();
        assert_eq!(generated.length(), 1, "{algorithm}");
        assert_eq!(exported.length(), 1, "{algorithm}: the PKCS#8 export");
        assert_eq!(signed.length(), 1, "{algorithm}");
        let tbs = certificate.tbs_certificate().to_der().unwrap();
        assert_eq!(
            Uint8Array::new(&Array::from(&signed.get(0)).get(2)).to_vec(),
            tbs
        );
        if webcrypto_verifies_it {
            // With the certificate's own SubjectPublicKeyInfo, imported from its bytes.
            assert_eq!(imported.length(), 1);
            let import = Array::from(&imported.get(0));
            assert_eq!(import.get(0).as_string().as_deref(), Some("spki"));
            let spki = certificate
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap();
            assert_eq!(Uint8Array::new(&import.get(1)).to_vec(), spki);
            assert_eq!(verified.length(), 1);
            assert_eq!(
                Uint8Array::new(&Array::from(&verified.get(0)).get(3)).to_vec(),
                tbs
            );
        } else {
            assert_eq!(imported.length() + verified.length(), 0, "{algorithm}");
        }
        assert!(webcrypto_verifies(&certificate).await, "{algorithm}");
    }
}

/// Verifies an ECDSA P-256 or P-384 certificate's signature with the RustCrypto curve crates,
/// beside WebCrypto: for roots that WebCrypto signed and verified itself.
fn rust_verifies(certificate: &Certificate) -> bool {
    use signature::hazmat::PrehashVerifier;
    let tbs = certificate.tbs_certificate();
    let point = tbs.subject_public_key_info().subject_public_key.raw_bytes();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(tbs.to_der().unwrap());
    let signature = certificate.signature().raw_bytes();
    match point.len() {
        65 => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .unwrap()
            .verify_prehash(
                &digest,
                &p256::ecdsa::Signature::from_der(signature).unwrap(),
            )
            .is_ok(),
        97 => p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .unwrap()
            .verify_prehash(
                &digest,
                &p384::ecdsa::Signature::from_der(signature).unwrap(),
            )
            .is_ok(),
        length => panic!("not a P-256 or P-384 point: {length} bytes"),
    }
}

/// Each spied `crypto.subtle` method's calls during `create(algorithm)`.
async fn subtle_calls(algorithm: &str, options: JsValue) -> (Result<JsValue, JsValue>, [Array; 5]) {
    let methods = ["generateKey", "exportKey", "importKey", "sign", "verify"];
    let calls = methods.map(|method| patch_subtle(method, SPY));
    let result = settle(create(request(algorithm), options)).await;
    for method in methods {
        restore(method);
    }
    (result, calls)
}

#[wasm_bindgen_test]
async fn a_generated_p256_or_p384_key_signs_and_verifies_in_webcrypto() {
    for algorithm in ["ECC_256", "ECC_384"] {
        let (result, [generated, exported, imported, signed, verified]) =
            subtle_calls(algorithm, JsValue::UNDEFINED).await;
        let certificate =
            Certificate::from_der(&pem_to_der(&text(&result.unwrap(), "Certificate"))).unwrap();
        let curve = if algorithm == "ECC_256" {
            "P-256"
        } else {
            "P-384"
        };
        let params = get(&Array::from(&generated.get(0)).get(0), "namedCurve");
        assert_eq!(params.as_string().as_deref(), Some(curve));
        assert_eq!(exported.length(), 1, "{algorithm}: the PKCS#8 export");
        assert_eq!(signed.length(), 1, "{algorithm}");
        let tbs = certificate.tbs_certificate().to_der().unwrap();
        let signed = Array::from(&signed.get(0));
        assert_eq!(Uint8Array::new(&signed.get(2)).to_vec(), tbs);
        assert_eq!(
            text(&signed.get(0), "hash"),
            "SHA-256",
            "ecdsa-with-SHA256 on every curve"
        );
        // Verified with the certificate's own public key, imported from its bytes.
        assert_eq!(imported.length(), 1, "{algorithm}");
        let import = Array::from(&imported.get(0));
        assert_eq!(import.get(0).as_string().as_deref(), Some("raw"));
        let point = certificate
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        assert_eq!(Uint8Array::new(&import.get(1)).to_vec(), point);
        assert_eq!(verified.length(), 1, "{algorithm}");
        assert_eq!(
            Uint8Array::new(&Array::from(&verified.get(0)).get(3)).to_vec(),
            tbs
        );
        assert!(webcrypto_verifies(&certificate).await, "{algorithm}");
        assert!(rust_verifies(&certificate), "{algorithm}");
    }
}

#[wasm_bindgen_test]
async fn p521_and_sm2_keys_stay_in_rust() {
    for algorithm in ["ECC_512", "SM2_256"] {
        let (result, calls) = subtle_calls(algorithm, JsValue::UNDEFINED).await;
        assert!(text(&result.unwrap(), "Certificate").starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(calls.iter().all(|calls| calls.length() == 0), "{algorithm}");
        let generated = settle(generate_private_key(algorithm.into()))
            .await
            .unwrap();
        assert_eq!(text(&generated, "Algorithm"), algorithm);
    }
}

/// WebCrypto refuses to sign (Rust signs and verifies), to import the certificate's public key
/// or to verify (Rust verifies WebCrypto's signature): a good root either way.
#[wasm_bindgen_test]
async fn a_root_is_made_when_webcrypto_refuses_to_sign_import_or_verify() {
    // Keeps a copy of each signature that WebCrypto makes.
    const KEEP: &str = "return async function (...args) { \
        const signature = await original.apply(this, args); \
        calls.push(new Uint8Array(signature.slice(0))); return signature; }";
    for algorithm in ["ECC_256", "RSA_4096"] {
        for method in ["sign", "importKey", "verify"] {
            let refusals = patch_subtle(method, REFUSE);
            let made = (method != "sign").then(|| patch_subtle("sign", KEEP));
            let result = settle(create(request(algorithm), JsValue::UNDEFINED)).await;
            restore(method);
            if made.is_some() {
                restore("sign");
            }
            assert_eq!(refusals.length(), 1, "{algorithm} {method}");
            let certificate =
                Certificate::from_der(&pem_to_der(&text(&result.unwrap(), "Certificate"))).unwrap();
            assert!(
                webcrypto_verifies(&certificate).await,
                "{algorithm} {method}"
            );
            if algorithm == "ECC_256" {
                assert!(rust_verifies(&certificate), "{method}");
                // ECDSA signatures are randomized: the certificate's is WebCrypto's, not one
                // that Rust made again.
                if let Some(made) = made {
                    assert_eq!(made.length(), 1, "{method}");
                    let der = certificate.signature().raw_bytes();
                    let fixed = p256::ecdsa::Signature::from_der(der).unwrap().to_bytes();
                    assert_eq!(Uint8Array::new(&made.get(0)).to_vec(), fixed.to_vec());
                }
            }
        }
    }
}

/// `pkcs8` (DER) with the public key left out of its SEC 1 `ECPrivateKey`, as some platforms
/// export EC keys.
fn without_public_key(pkcs8: &[u8]) -> Vec<u8> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8).unwrap();
    let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).unwrap();
    let bare = sec1::EcPrivateKey {
        public_key: None,
        ..ec
    }
    .to_der()
    .unwrap();
    pkcs8::PrivateKeyInfoRef {
        private_key: der::asn1::OctetStringRef::new(&bare).unwrap(),
        ..info
    }
    .to_der()
    .unwrap()
}

#[wasm_bindgen_test]
async fn an_ec_export_without_its_public_key_is_read_in_full() {
    use wasm_bindgen::closure::Closure;
    let strip = Closure::<dyn Fn(Uint8Array) -> Uint8Array>::new(|bytes: Uint8Array| {
        Uint8Array::from(&without_public_key(&bytes.to_vec())[..])
    });
    let stripped = patch_subtle(
        "exportKey",
        "return async function (format, key) {
           const exported = await original.call(this, format, key);
           calls.push(format);
           return format === 'pkcs8' ? calls.strip(new Uint8Array(exported)).buffer : exported;
         }",
    );
    Reflect::set(&stripped, &"strip".into(), strip.as_ref()).unwrap();
    let result = settle(create(request("ECC_384"), JsValue::UNDEFINED)).await;
    restore("exportKey");
    assert_eq!(stripped.length(), 1);
    let certificate =
        Certificate::from_der(&pem_to_der(&text(&result.unwrap(), "Certificate"))).unwrap();
    assert!(webcrypto_verifies(&certificate).await);
    assert!(rust_verifies(&certificate));
}

/// A PKCS#8 PEM RSA key whose private exponent is off by two: well-formed, with the public
/// half of `pem`, but not a valid key.
fn with_wrong_private_exponent(pem: &str) -> String {
    use der::asn1::UintRef;
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).unwrap();
    let key =
        rsa::pkcs1::RsaPrivateKey::<UintRef<'_>>::from_der(info.private_key.as_bytes()).unwrap();
    let mut d = key.private_exponent.as_bytes().to_vec();
    *d.last_mut().unwrap() ^= 2;
    let wrong = rsa::pkcs1::RsaPrivateKey {
        private_exponent: UintRef::new(&d).unwrap(),
        ..key
    };
    let inner = wrong.to_der().unwrap();
    let wrong_info = pkcs8::PrivateKeyInfoRef {
        algorithm: info.algorithm,
        private_key: der::asn1::OctetStringRef::new(&inner).unwrap(),
        public_key: None,
    };
    der::pem::encode_string(
        "PRIVATE KEY",
        der::pem::LineEnding::LF,
        &wrong_info.to_der().unwrap(),
    )
    .unwrap()
}

#[wasm_bindgen_test]
async fn a_given_rsa_key_that_is_not_valid_is_refused_after_signing_started() {
    let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
    let key = settle(generate_private_key("RSA_1024".into()))
        .await
        .unwrap();
    let options = Object::new();
    let wrong = with_wrong_private_exponent(&text(&key, "PrivateKey"));
    Reflect::set(&options, &"PrivateKey".into(), &wrong.into()).unwrap();
    let error = settle(ca.create_root_ca_certificate(request("RSA_1024"), options.into()))
        .await
        .unwrap_err();
    assert_eq!(
        text(&error, "code"),
        "InvalidParameter.PrivateKey",
        "{error:?}"
    );
    assert_eq!(ca_count(&ca).await, 0);
}

#[wasm_bindgen_test]
async fn a_wrong_webcrypto_signature_is_refused_and_nothing_is_kept() {
    // Well-formed signatures of the right size (for ECDSA, r and s in range) that are no
    // signature of this certificate: for RSA_1024, Rust's verification says so; for RSA_4096
    // and ECDSA, WebCrypto's verify, and then Rust's (also when WebCrypto refuses to verify).
    // And a "signature" that is not even a buffer.
    let wrong = |size: usize| format!("new Uint8Array({size}).fill(1).buffer");
    for (algorithm, signature, refused) in [
        ("RSA_1024", wrong(128), None),
        ("RSA_4096", wrong(512), None),
        ("ECC_256", wrong(64), None),
        ("ECC_256", wrong(64), Some("verify")),
        ("ECC_256", "-1".to_owned(), None),
        ("RSA_1024", "-1".to_owned(), None),
    ] {
        let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
        let signed = request(algorithm);
        Reflect::set(&signed, &"ClientToken".into(), &"token-1".into()).unwrap();
        let _ = patch_subtle(
            "sign",
            &format!("return async function (params, key, data) {{ return {signature}; }}"),
        );
        if let Some(method) = refused {
            let _ = patch_subtle(method, REFUSE);
        }
        let result =
            settle(ca.create_root_ca_certificate(signed.clone(), JsValue::UNDEFINED)).await;
        restore("sign");
        if let Some(method) = refused {
            restore(method);
        }
        let algorithm = format!("{algorithm}, signature {signature}, refused {refused:?}");
        let error = result.unwrap_err();
        assert_eq!(text(&error, "name"), "ServerError", "{algorithm}");
        assert_eq!(text(&error, "code"), "InternalError", "{algorithm}");
        assert!(
            text(&error, "message").contains("did not verify"),
            "{algorithm}: {error:?}"
        );
        assert_eq!(ca_count(&ca).await, 0, "{algorithm}");
        // The ClientToken was released: the same call now makes the CA.
        let response = settle(ca.create_root_ca_certificate(signed, JsValue::UNDEFINED))
            .await
            .unwrap();
        assert_eq!(text(&response, "Identifier").len(), 32, "{algorithm}");
    }
}

/// Creates a root with `options` and removes it; `Err` when the creation failed.
async fn create_and_remove(
    ca: &PrivateCa,
    algorithm: &str,
    options: JsValue,
) -> Result<(), JsValue> {
    let created = settle(ca.create_root_ca_certificate(request(algorithm), options)).await?;
    let identifier = get(&created, "Identifier");
    let removal = Object::new();
    Reflect::set(&removal, &"Identifier".into(), &identifier).unwrap();
    settle(ca.remove_ca_certificate(removal.into()))
        .await
        .map(drop)
}

/// Every way through WebCrypto, then removal, leaves the heap as it was: each waiting step is
/// one callback that is always called, and so freed with what it holds (the call's state and
/// WebCrypto's key handles). With a callback each for success and failure, the one not called
/// leaked some 400 bytes per root, and kept its private key handle alive on the JavaScript side.
#[wasm_bindgen_test]
async fn calls_through_webcrypto_leave_no_heap_behind() {
    let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
    let given = settle(generate_private_key("ECC_256".into()))
        .await
        .unwrap();
    let with_key = || {
        let options = Object::new();
        Reflect::set(&options, &"PrivateKey".into(), &get(&given, "PrivateKey")).unwrap();
        JsValue::from(options)
    };
    let round = || async {
        for algorithm in ["ECC_256", "ECC_384", "RSA_1024"] {
            create_and_remove(&ca, algorithm, JsValue::UNDEFINED)
                .await
                .unwrap();
        }
        create_and_remove(&ca, "ECC_256", with_key()).await.unwrap();
        // WebCrypto refuses to sign, to import the public key, to verify: Rust does it.
        for method in ["sign", "importKey", "verify"] {
            let _ = patch_subtle(method, REFUSE);
            let result = create_and_remove(&ca, "ECC_256", JsValue::UNDEFINED).await;
            restore(method);
            result.unwrap();
        }
        // A wrong signature: the call fails.
        let _ = patch_subtle(
            "sign",
            "return async function () { return new Uint8Array(64).fill(1).buffer; }",
        );
        let result = create_and_remove(&ca, "ECC_256", JsValue::UNDEFINED).await;
        restore("sign");
        result.unwrap_err();
    };
    // Once first, for what is made once: lazily built tables, the account's maps.
    round().await;
    let before = private_ca::env::heap_in_use();
    for _ in 0..3 {
        round().await;
    }
    assert_eq!(ca_count(&ca).await, 0);
    assert_eq!(private_ca::env::heap_in_use(), before);
}

#[wasm_bindgen_test]
async fn a_generated_key_can_be_given_to_create() {
    let ca = PrivateCa::new(JsValue::UNDEFINED).unwrap();
    let key = settle(generate_private_key("ECC_384".into()))
        .await
        .unwrap();
    let options = Object::new();
    Reflect::set(&options, &"PrivateKey".into(), &get(&key, "PrivateKey")).unwrap();
    let response =
        settle(ca.create_root_ca_certificate(request("ECC_384"), options.clone().into()))
            .await
            .unwrap();
    assert_eq!(text(&response, "Identifier").len(), 32);
    let mismatch = settle(ca.create_root_ca_certificate(request("ECC_256"), options.into()))
        .await
        .unwrap_err();
    assert_eq!(text(&mismatch, "code"), "InvalidParameter.PrivateKey");
    assert_eq!(
        ca_count(&ca).await,
        1,
        "a refused call leaves nothing behind"
    );
}

#[wasm_bindgen_test]
async fn a_panic_becomes_a_rejection_and_the_module_lives_on() {
    let error = settle(private_ca::wasm::panic_for_test())
        .await
        .unwrap_err();
    assert!(
        text(&error, "message").contains("deliberate panic"),
        "{:?}",
        error
    );
    let response = settle(create(request("ECC_256"), JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(text(&response, "Identifier").len(), 32);
}
