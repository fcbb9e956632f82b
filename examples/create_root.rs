//! Creates one root CA natively and prints the response JSON.
//!
//! `cargo run --release --example create_root [request.json]`; without a file, the documented
//! example request (RSA_2048, 10 years) is used.

#[cfg(not(target_arch = "wasm32"))]
use std::process::ExitCode;

#[cfg(not(target_arch = "wasm32"))]
use private_ca::{Account, AccountOptions, dispatch};

#[cfg(not(target_arch = "wasm32"))]
const EXAMPLE: &str = r#"{"CommonName":"Alibaba","OrganizationUnit":"Security","Organization":"Aliyun",
"Locality":"Hangzhou","State":"Zhejiang","CountryCode":"CN","Algorithm":"RSA_2048","Years":10}"#;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> ExitCode {
    let text = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("cannot read {path}: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => EXAMPLE.to_owned(),
    };
    let request: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            eprintln!("the request is not JSON: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut account = Account::with_system(AccountOptions::default());
    match dispatch(&mut account, "CreateRootCACertificate", &request) {
        Ok(response) => {
            println!("{response:#}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{:#}", serde_json::json!(failure.body()));
            ExitCode::FAILURE
        }
    }
}
