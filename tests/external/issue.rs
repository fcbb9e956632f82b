//! Issuing roots through the public entry point, `dispatch`, with an injected clock.

use private_ca::env::{Clock, OsEntropy, UnixMillis};
use private_ca::{Account, AccountOptions, Algorithm, dispatch};
use serde_json::json;

/// The subject most tests request: Chinese text in every field, CountryCode sent as `cn`.
pub const STATE: &str = "浙江省";
/// L.
pub const LOCALITY: &str = "杭州市";
/// O.
pub const ORGANIZATION: &str = "阿里云计算有限公司";
/// OU.
pub const ORGANIZATION_UNIT: &str = "安全部 (測試)";
/// CN: simplified and traditional Chinese, Latin and a space.
pub const COMMON_NAME: &str = "阿里云根CA 測試";

/// The subject fields of a request, as sent.
#[derive(Clone, Debug)]
pub struct Subject {
    /// CountryCode as sent (any letter case), or absent.
    pub country: Option<String>,
    /// State.
    pub state: String,
    /// Locality.
    pub locality: String,
    /// Organization.
    pub organization: String,
    /// OrganizationUnit.
    pub organization_unit: String,
    /// CommonName.
    pub common_name: String,
}

impl Subject {
    /// The usual subject with this CommonName.
    pub fn with_common_name(common_name: &str) -> Self {
        Self {
            country: Some("cn".to_owned()),
            state: STATE.to_owned(),
            locality: LOCALITY.to_owned(),
            organization: ORGANIZATION.to_owned(),
            organization_unit: ORGANIZATION_UNIT.to_owned(),
            common_name: common_name.to_owned(),
        }
    }

    /// The RDNs the certificate must carry, in order: (OID, short name, DER string tag,
    /// value). C only when CountryCode was sent, upper-cased, as a PrintableString (0x13);
    /// the others UTF8String (0x0C).
    pub fn expected_rdns(&self) -> Vec<(&'static str, &'static str, u8, String)> {
        let mut rdns = Vec::new();
        if let Some(country) = &self.country {
            rdns.push(("2.5.4.6", "C", 0x13, country.to_ascii_uppercase()));
        }
        rdns.extend([
            ("2.5.4.8", "ST", 0x0C, self.state.clone()),
            ("2.5.4.7", "L", 0x0C, self.locality.clone()),
            ("2.5.4.10", "O", 0x0C, self.organization.clone()),
            ("2.5.4.11", "OU", 0x0C, self.organization_unit.clone()),
            ("2.5.4.3", "CN", 0x0C, self.common_name.clone()),
        ]);
        rdns
    }
}

/// A clock that always says the same instant.
struct FixedClock(UnixMillis);

impl Clock for FixedClock {
    fn now(&self) -> UnixMillis {
        self.0
    }
}

/// An issued root as the API returned it.
pub struct Issued {
    /// The algorithm asked for.
    pub algorithm: Algorithm,
    /// The `Certificate` field exactly as returned.
    pub pem: String,
    /// The DER inside it, decoded by x509-parser's PEM reader (not the crate's).
    pub der: Vec<u8>,
    /// The subject asked for.
    pub subject: Subject,
    /// The injected issuance instant.
    pub now: UnixMillis,
}

/// An account whose clock is stuck at `now` and whose randomness is the operating system's.
pub fn account_at(now: UnixMillis) -> Account {
    Account::new(
        AccountOptions::default(),
        Box::new(FixedClock(now)),
        Box::new(OsEntropy),
    )
}

/// Issues one root in `account` (whose clock says `now`) and decodes the returned PEM.
pub fn issue_in(
    account: &mut Account,
    now: UnixMillis,
    algorithm: Algorithm,
    subject: &Subject,
    years: u8,
) -> Issued {
    let mut request = json!({
        "CommonName": subject.common_name,
        "OrganizationUnit": subject.organization_unit,
        "Organization": subject.organization,
        "Locality": subject.locality,
        "State": subject.state,
        "Algorithm": algorithm.name(),
        "Years": years,
    });
    if let Some(country) = &subject.country {
        request["CountryCode"] = json!(country);
    }
    let response = dispatch(account, "CreateRootCACertificate", &request)
        .unwrap_or_else(|failure| panic!("{algorithm}: {:?}", failure.body()));
    let pem = response["Certificate"]
        .as_str()
        .expect("Certificate is a string")
        .to_owned();
    assert_pem_layout(&pem, algorithm);
    assert_eq!(
        response["CertificateChain"].as_str(),
        Some(format!("{pem}\n").as_str()),
        "{algorithm}: a root's chain is the root alone, ending in LF"
    );
    let (rest, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .unwrap_or_else(|e| panic!("{algorithm}: x509-parser cannot read the PEM: {e:?}"));
    assert!(rest.is_empty(), "{algorithm}: text after the PEM block");
    assert_eq!(block.label, "CERTIFICATE");
    Issued {
        algorithm,
        pem,
        der: block.contents,
        subject: subject.clone(),
        now,
    }
}

/// Issues one root with the usual subject and `common_name` in a fresh account whose clock
/// says `now`.
pub fn issue(now: UnixMillis, algorithm: Algorithm, common_name: &str, years: u8) -> Issued {
    let subject = Subject::with_common_name(common_name);
    issue_in(&mut account_at(now), now, algorithm, &subject, years)
}

/// The contract's PEM: header, base64 in lines of 64, footer, LF line ends, no trailing
/// newline.
fn assert_pem_layout(pem: &str, algorithm: Algorithm) {
    assert!(!pem.contains('\r'), "{algorithm}: CR in the PEM");
    let lines: Vec<&str> = pem.split('\n').collect();
    let n = lines.len();
    assert!(n >= 3, "{algorithm}: PEM too short");
    assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----", "{algorithm}");
    assert_eq!(
        lines[n - 1],
        "-----END CERTIFICATE-----",
        "{algorithm}: no trailing LF"
    );
    for (i, line) in lines[1..n - 1].iter().enumerate() {
        let last = i == n - 3;
        assert!(
            line.len() == 64 || (last && (1..=64).contains(&line.len())),
            "{algorithm}: base64 line {i} has {} characters",
            line.len()
        );
    }
}

/// Unix milliseconds of a UTC instant written `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
///
/// Computed with the proleptic Gregorian day count (H. Hinnant's `days_from_civil`), so the
/// tests do not lean on the crate's date code.
pub fn unix_millis(text: &str) -> UnixMillis {
    let text = text.strip_suffix('Z').expect("instant ends in Z");
    let (date, time) = text.split_once('T').expect("instant has a T");
    let date: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (time, millis) = time.split_once('.').unwrap_or((time, "000"));
    assert_eq!(millis.len(), 3, "milliseconds have three digits");
    let time: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    let (year, month, day) = (date[0], date[1], date[2]);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + time[0] * 3_600 + time[1] * 60 + time[2];
    seconds * 1_000 + millis.parse::<i64>().unwrap()
}
