//! Times `CreateRootCACertificate` natively, per algorithm, as a caller sees it: request
//! validation, key generation, the certificate, its self-verification and the PEM response.
//!
//! `cargo run --release --example bench_native [ALGORITHM...]` prints a Markdown table of the
//! median, minimum and maximum wall-clock time per call, in milliseconds. Iterations: 200 for
//! the elliptic curves and SM2, 20 for RSA_1024 and RSA_2048, 5 for RSA_4096 (its key
//! generation takes most of a second and varies a lot). One untimed call per algorithm warms
//! up first. Name algorithms to run only those.

// Native only: wasm32 has no system clock for `Account::with_system` or `Instant`.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::process::ExitCode;
    use std::time::Instant;

    use private_ca::{Account, AccountOptions, Algorithm, dispatch};
    use serde_json::json;

    pub fn main() -> ExitCode {
        let only: Vec<String> = std::env::args().skip(1).collect();
        if let Some(unknown) = only.iter().find(|n| Algorithm::from_name(n).is_none()) {
            eprintln!("unknown algorithm {unknown:?}");
            return ExitCode::FAILURE;
        }
        println!("| Algorithm | calls | median ms | min ms | max ms |");
        println!("|---|---:|---:|---:|---:|");
        for algorithm in Algorithm::ALL {
            if !only.is_empty() && !only.iter().any(|n| n == algorithm.name()) {
                continue;
            }
            match time_calls(algorithm, iterations(algorithm)) {
                Ok(mut times) => {
                    times.sort_by(f64::total_cmp);
                    println!(
                        "| {algorithm} | {} | {:.2} | {:.2} | {:.2} |",
                        times.len(),
                        median(&times),
                        times.first().copied().unwrap_or(f64::NAN),
                        times.last().copied().unwrap_or(f64::NAN),
                    );
                }
                Err(body) => {
                    eprintln!("{algorithm}: the call failed: {body}");
                    return ExitCode::FAILURE;
                }
            }
        }
        ExitCode::SUCCESS
    }

    fn iterations(algorithm: Algorithm) -> usize {
        match algorithm {
            Algorithm::Rsa1024 | Algorithm::Rsa2048 => 20,
            Algorithm::Rsa4096 => 5,
            Algorithm::Ecc256 | Algorithm::Ecc384 | Algorithm::Ecc512 | Algorithm::Sm2_256 => 200,
        }
    }

    /// Milliseconds per call, in call order, after one untimed warm-up call.
    fn time_calls(algorithm: Algorithm, calls: usize) -> Result<Vec<f64>, String> {
        let mut account = Account::with_system(AccountOptions::default());
        let request = json!({
            "CommonName": "阿里云根CA 測試", "OrganizationUnit": "安全部", "Organization": "阿里云",
            "Locality": "杭州", "State": "浙江", "CountryCode": "cn",
            "Algorithm": algorithm.name(), "Years": 10,
        });
        let mut times = Vec::with_capacity(calls);
        for call in 0..=calls {
            let start = Instant::now();
            let result = dispatch(&mut account, "CreateRootCACertificate", &request);
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            if let Err(failure) = result {
                return Err(json!(failure.body()).to_string());
            }
            if call > 0 {
                times.push(elapsed);
            }
        }
        Ok(times)
    }

    fn median(sorted: &[f64]) -> f64 {
        match sorted.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        }
    }
}
