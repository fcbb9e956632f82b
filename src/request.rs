//! Request parsing and every validation rule, in one place.
//!
//! Requests arrive as JSON-like values (from JavaScript, from a JSON file, later from the cloud's
//! wire protocol) and leave this module as types that cannot hold a bad value. The rules are the
//! contract's (`CreateRootCACertificate`, "Request"); each rule is a function below, and each
//! failure names the field, the rule and what was wrong.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::error::ApiError;

/// X.520 upper bound for CN, O and OU (ub-common-name, ub-organization-name, ...).
pub const MAX_NAME_CHARS: usize = 64;
/// X.520 upper bound for L and ST (ub-locality-name, ub-state-name).
pub const MAX_PLACE_CHARS: usize = 128;
/// Validity in whole calendar years: at least this many **(ours)**.
pub const MIN_YEARS: u8 = 1;
/// Validity in whole calendar years: at most this many.
pub const MAX_YEARS: u8 = 10;
/// Longest ClientToken, the cloud-wide limit.
pub const MAX_CLIENT_TOKEN_CHARS: usize = 64;
/// Longest PEM text accepted for an import, in bytes.
pub const MAX_PEM_BYTES: usize = 64 * 1024;
/// Most tags on one resource.
pub const MAX_TAGS: usize = 20;
/// Longest tag key and tag value.
pub const MAX_TAG_CHARS: usize = 128;

/// A validated, normalized `CreateRootCACertificate` request.
///
/// Two requests that mean the same (whitespace around text, letter case of CountryCode, Years
/// as `10` or `"10"`, tag order, the default Algorithm spelled out) are equal, which is what
/// ClientToken idempotency compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateRootCaRequest {
    /// The subject's attributes.
    pub subject: SubjectFields,
    /// The key algorithm; `RSA_2048` when the request names none.
    pub algorithm: Algorithm,
    /// Validity in calendar years, 1 to 10.
    pub years: u8,
    /// The idempotency token, 1–64 visible ASCII characters.
    pub client_token: Option<String>,
    /// Tags, keyed by tag key (keys are unique; order does not matter).
    pub tags: BTreeMap<String, String>,
    /// The resource group, `rg-` and 1–61 lower-case letters or digits.
    pub resource_group_id: Option<String>,
}

/// The subject attributes of a CA, trimmed and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectFields {
    /// CN, 1–64 characters.
    pub common_name: String,
    /// OU, 1–64 characters.
    pub organization_unit: String,
    /// O, 1–64 characters.
    pub organization: String,
    /// L, 1–128 characters.
    pub locality: String,
    /// ST, 1–128 characters.
    pub state: String,
    /// C: an officially assigned ISO 3166-1 alpha-2 code, upper case.
    pub country: Option<&'static str>,
}

/// The fields of `CreateRootCACertificate`, in the contract's order.
pub const CREATE_ROOT_FIELDS: [&str; 11] = [
    "CommonName",
    "OrganizationUnit",
    "Organization",
    "Locality",
    "State",
    "CountryCode",
    "Algorithm",
    "Years",
    "ClientToken",
    "Tags",
    "ResourceGroupId",
];

/// Fields of the other actions and of account options.
pub const OTHER_FIELDS: [&str; 7] = [
    "Identifier",
    "Passphrase",
    "Plain",
    "Certificate",
    "PrivateKey",
    "Instances",
    "RateLimitPerSecond",
];

/// The field of some action that `name` spells exactly, as the `&'static str` errors carry;
/// `None` for a name no action reads.
pub fn known_field(name: &str) -> Option<&'static str> {
    CREATE_ROOT_FIELDS
        .iter()
        .chain(OTHER_FIELDS.iter())
        .find(|field| **field == name)
        .copied()
}

/// Whether `name` is some action's field in any letter case: the fields a request is read for,
/// near misses included. Values under other names are ignored without being looked at.
pub fn names_a_field(name: &str) -> bool {
    CREATE_ROOT_FIELDS
        .iter()
        .chain(OTHER_FIELDS.iter())
        .any(|field| field.eq_ignore_ascii_case(name))
}

impl CreateRootCaRequest {
    /// Parses and validates a request object.
    ///
    /// # Errors
    ///
    /// `InvalidParameter` when `value` is not an object, `Missing<Field>` for an absent or blank
    /// required field, `InvalidParameter.<Field>` for a value that breaks its rule.
    pub fn from_json(value: &Value) -> Result<Self, ApiError> {
        let params = Params::new(value, &CREATE_ROOT_FIELDS)?;
        let subject = SubjectFields {
            common_name: params.required_text("CommonName", MAX_NAME_CHARS)?,
            organization_unit: params.required_text("OrganizationUnit", MAX_NAME_CHARS)?,
            organization: params.required_text("Organization", MAX_NAME_CHARS)?,
            locality: params.required_text("Locality", MAX_PLACE_CHARS)?,
            state: params.required_text("State", MAX_PLACE_CHARS)?,
            country: params
                .optional_string("CountryCode")?
                .map(|code| country_code("CountryCode", &code))
                .transpose()?,
        };
        let algorithm = match params.optional_string("Algorithm")? {
            Some(name) => Algorithm::parse("Algorithm", &name)?,
            None => Algorithm::DEFAULT,
        };
        Ok(Self {
            subject,
            algorithm,
            years: years(
                "Years",
                params.required_integer("Years", out_of_range_years)?,
            )?,
            client_token: params
                .optional_string("ClientToken")?
                .map(|token| client_token("ClientToken", token))
                .transpose()?,
            tags: params.tags("Tags")?,
            resource_group_id: params
                .optional_string("ResourceGroupId")?
                .map(|id| resource_group_id("ResourceGroupId", id))
                .transpose()?,
        })
    }
}

/// The parameters of one call: a JSON object, checked for near-miss field names.
pub(crate) struct Params<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Params<'a> {
    /// Accepts an object whose keys are either known fields or unknown in every letter case.
    ///
    /// A key equal to a known field but for letter case (`commonName`) is refused **(ours)**:
    /// in JavaScript such a typo would otherwise silently fall back to a default.
    pub(crate) fn new(value: &'a Value, known: &[&'static str]) -> Result<Self, ApiError> {
        let Value::Object(map) = value else {
            return Err(ApiError::InvalidParameter {
                field: None,
                message: format!("The request must be an object; got {}.", describe(value)),
            });
        };
        check_near_misses(map, known)?;
        Ok(Self { map })
    }

    /// A value that is absent when missing, `null`, or (for strings) empty after trimming.
    fn present(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|value| !value.is_null())
    }

    /// An optional text field: trimmed, empty means absent.
    pub(crate) fn optional_string(&self, field: &'static str) -> Result<Option<String>, ApiError> {
        match self.present(field) {
            None => Ok(None),
            Some(Value::String(text)) => {
                let trimmed = trim(text);
                Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
            }
            Some(other) => Err(wrong_type(field, "a string", other)),
        }
    }

    /// An optional string taken exactly as given (no trimming); empty means absent.
    pub(crate) fn raw_string(&self, field: &'static str) -> Result<Option<String>, ApiError> {
        match self.present(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok((!text.is_empty()).then(|| text.clone())),
            Some(other) => Err(wrong_type(field, "a string", other)),
        }
    }

    /// An optional boolean.
    pub(crate) fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, ApiError> {
        match self.present(field) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(other) => Err(wrong_type(field, "a boolean", other)),
        }
    }

    /// A required PEM text of at most [`MAX_PEM_BYTES`] bytes.
    pub(crate) fn required_pem(&self, field: &'static str) -> Result<String, ApiError> {
        let text = self
            .optional_string(field)?
            .ok_or(ApiError::Missing { field })?;
        if text.len() > MAX_PEM_BYTES {
            return Err(ApiError::invalid(
                field,
                format!(
                    "{field} must be at most {MAX_PEM_BYTES} bytes of PEM; got {}.",
                    text.len()
                ),
            ));
        }
        Ok(text)
    }

    /// A required name-like text field: trimmed, 1 to `max` characters of allowed text.
    pub(crate) fn required_text(
        &self,
        field: &'static str,
        max: usize,
    ) -> Result<String, ApiError> {
        let text = self
            .optional_string(field)?
            .ok_or(ApiError::Missing { field })?;
        check_text(field, &text, 1, max)?;
        Ok(text)
    }

    /// A required integer: a JSON number without a fraction, or a decimal string.
    /// `out_of_range` makes the error for a negative or huge number.
    pub(crate) fn required_integer(
        &self,
        field: &'static str,
        out_of_range: OutOfRange,
    ) -> Result<u64, ApiError> {
        match self.present(field) {
            None => Err(ApiError::Missing { field }),
            // Blank is absent, as for text fields; " 10" is still refused below.
            Some(Value::String(text)) if trim(text).is_empty() => Err(ApiError::Missing { field }),
            Some(value) => integer(field, value, out_of_range),
        }
    }

    /// `Tags`: an array of `{Key, Value}` objects.
    fn tags(&self, field: &'static str) -> Result<BTreeMap<String, String>, ApiError> {
        let items = match self.present(field) {
            None => return Ok(BTreeMap::new()),
            // For an optional field an empty string also means absent.
            Some(Value::String(text)) if trim(text).is_empty() => return Ok(BTreeMap::new()),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(wrong_type(field, "an array of {Key, Value}", other)),
        };
        if items.len() > MAX_TAGS {
            return Err(ApiError::invalid(
                field,
                format!(
                    "{field} may hold at most {MAX_TAGS} tags; got {}.",
                    items.len()
                ),
            ));
        }
        let mut tags = BTreeMap::new();
        for (index, item) in items.iter().enumerate() {
            let (key, value) = tag(field, index + 1, item)?;
            if tags.contains_key(&key) {
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "{field}.{}.Key {key:?} is given twice; tag keys must be unique.",
                        index + 1
                    ),
                ));
            }
            tags.insert(key, value);
        }
        Ok(tags)
    }
}

fn check_near_misses(map: &Map<String, Value>, known: &[&'static str]) -> Result<(), ApiError> {
    for key in map.keys() {
        let near = known
            .iter()
            .find(|field| *field != key && field.eq_ignore_ascii_case(key));
        if let Some(field) = near {
            return Err(ApiError::invalid(
                field,
                format!(
                    "Unknown field {key:?}: field names are case-sensitive. Did you mean {field}?"
                ),
            ));
        }
    }
    Ok(())
}

/// One tag, numbered from 1 as the cloud's flattened `Tags.N.Key` parameters are.
fn tag(field: &'static str, number: usize, item: &Value) -> Result<(String, String), ApiError> {
    let at = format!("{field}.{number}");
    if !item.is_object() {
        return Err(ApiError::invalid(
            field,
            format!(
                "{at} must be an object {{Key, Value}}; got {}.",
                describe(item)
            ),
        ));
    }
    let params = match Params::new(item, &["Key", "Value"]) {
        Ok(params) => params,
        Err(ApiError::InvalidParameter { message, .. }) => {
            return Err(ApiError::invalid(field, format!("{at}: {message}")));
        }
        Err(other) => return Err(other),
    };
    let in_tag = |error: ApiError| match error {
        ApiError::InvalidParameter { message, .. } => {
            ApiError::invalid(field, format!("{at}.{message}"))
        }
        ApiError::Missing { .. } => {
            ApiError::invalid(field, format!("{at}.Key is mandatory for each tag."))
        }
        other => other,
    };
    let key = params
        .optional_string("Key")
        .map_err(in_tag)?
        .unwrap_or_default();
    let value = params
        .optional_string("Value")
        .map_err(in_tag)?
        .unwrap_or_default();
    let bad = |message: String| ApiError::invalid(field, format!("{at}.{message}"));
    if key.is_empty() {
        return Err(bad("Key is mandatory for each tag.".into()));
    }
    check_text("Key", &key, 1, MAX_TAG_CHARS).map_err(in_tag)?;
    check_text("Value", &value, 0, MAX_TAG_CHARS).map_err(in_tag)?;
    if let Some(prefix) = ["aliyun", "acs:"]
        .into_iter()
        .find(|p| starts_with_ignore_ascii_case(&key, p))
    {
        return Err(bad(format!(
            "Key {key:?} must not start with {prefix:?} (reserved)."
        )));
    }
    for (name, text) in [("Key", &key), ("Value", &value)] {
        if contains_ignore_ascii_case(text, "http://")
            || contains_ignore_ascii_case(text, "https://")
        {
            return Err(bad(format!("{name} must not contain http:// or https://.")));
        }
    }
    Ok((key, value))
}

/// Whether `text` starts with the ASCII `prefix`, ignoring ASCII letter case.
///
/// The same as `text.to_lowercase().starts_with(prefix)` for the prefixes used here, without
/// the Unicode case tables: the only non-ASCII characters whose lower case contains ASCII
/// letters are U+212A KELVIN SIGN (`k`) and U+0130 (`i` followed by U+0307), and no prefix here
/// has a `k` or an `i` that ends it.
fn starts_with_ignore_ascii_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether `text` contains the ASCII `needle`, ignoring ASCII letter case; the same as
/// `text.to_lowercase().contains(needle)` for the needles used here (see
/// [`starts_with_ignore_ascii_case`]).
fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The error for a whole number outside a field's range, given the field and the value.
pub(crate) type OutOfRange = fn(&'static str, &Value) -> ApiError;

fn integer(field: &'static str, value: &Value, out_of_range: OutOfRange) -> Result<u64, ApiError> {
    let not_whole = || {
        ApiError::invalid(
            field,
            format!("{field} must be a whole number; got {}.", describe(value)),
        )
    };
    match value {
        Value::Number(number) => {
            if let Some(n) = number.as_u64() {
                return Ok(n);
            }
            if number.as_i64().is_some() {
                return Err(out_of_range(field, value));
            }
            // A float such as 10.0 is an integer to JavaScript's Number.isInteger.
            let float = number.as_f64().ok_or_else(not_whole)?;
            if float.fract() != 0.0 || !float.is_finite() {
                return Err(not_whole());
            }
            if float < 0.0 || float > u32::MAX as f64 {
                return Err(out_of_range(field, value));
            }
            Ok(float as u64)
        }
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            // Only overflow can fail here; any such number is out of range anyway.
            text.parse::<u64>().map_err(|_| out_of_range(field, value))
        }
        Value::String(_) => Err(ApiError::invalid(
            field,
            format!(
                "{field} must be a whole number or a string of decimal digits; got {}.",
                describe(value)
            ),
        )),
        other => Err(wrong_type(field, "a whole number", other)),
    }
}

fn years(field: &'static str, years: u64) -> Result<u8, ApiError> {
    match u8::try_from(years) {
        Ok(y) if (MIN_YEARS..=MAX_YEARS).contains(&y) => Ok(y),
        _ => Err(out_of_range_years(field, &Value::from(years))),
    }
}

/// "`{field} {rule}; got {value}.`": a whole number outside the field's range.
fn range_error(field: &'static str, rule: &str, value: &Value) -> ApiError {
    ApiError::invalid(field, format!("{field} {rule}; got {}.", describe(value)))
}

fn out_of_range_years(field: &'static str, value: &Value) -> ApiError {
    range_error(
        field,
        &format!("must be from {MIN_YEARS} to {MAX_YEARS}"),
        value,
    )
}

fn out_of_range_rate(field: &'static str, value: &Value) -> ApiError {
    let rule = format!("must be a whole number of calls from 1 to {}", u32::MAX);
    range_error(field, &rule, value)
}

fn out_of_range_count(field: &'static str, value: &Value) -> ApiError {
    let rule = format!("counts must be whole numbers from 0 to {}", u32::MAX);
    range_error(field, &rule, value)
}

fn client_token(field: &'static str, token: String) -> Result<String, ApiError> {
    let count = token.chars().count();
    if count > MAX_CLIENT_TOKEN_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be 1 to {MAX_CLIENT_TOKEN_CHARS} characters; got {count}."),
        ));
    }
    if let Some(bad) = token.chars().find(|c| !('\u{21}'..='\u{7e}').contains(c)) {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} must be visible ASCII characters (0x21 to 0x7E); got U+{:04X}.",
                bad as u32
            ),
        ));
    }
    Ok(token)
}

fn resource_group_id(field: &'static str, id: String) -> Result<String, ApiError> {
    let rest = id.strip_prefix("rg-").unwrap_or("");
    let valid = (1..=61).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !valid {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} must be \"rg-\" followed by 1 to 61 lower-case letters or digits; got {}.",
                quote(&id)
            ),
        ));
    }
    Ok(id)
}

/// Checks an ISO 3166-1 alpha-2 code and returns it upper case.
pub(crate) fn country_code(field: &'static str, code: &str) -> Result<&'static str, ApiError> {
    let upper = code.to_ascii_uppercase();
    let refuse = |why: String| ApiError::invalid(field, format!("{field} {why}"));
    if upper.len() == 3 {
        if let Some(country) = country_where(|country| country.alpha3() == upper) {
            return Err(refuse(format!(
                "must be a two-letter ISO 3166-1 code; got the three-letter {code:?}. Did you mean {}?",
                country.alpha2()
            )));
        }
    }
    if let Some((_, right, name)) = COMMON_MISTAKES.iter().find(|(wrong, ..)| *wrong == upper) {
        return Err(refuse(format!(
            "{code:?} is not an ISO 3166-1 code. Did you mean {right} ({name})?"
        )));
    }
    if is_user_assigned(&upper) {
        return Err(refuse(format!(
            "{code:?} is a user-assigned code, not an officially assigned country code."
        )));
    }
    match country_where(|country| country.alpha2() == upper) {
        Some(country) => Ok(country.alpha2()),
        None => Err(refuse(format!(
            "must be an officially assigned ISO 3166-1 alpha-2 code, such as CN; got {}.",
            quote(code)
        ))),
    }
}

/// The country whose codes satisfy `test`. A search over the crate's table of countries rather
/// than its `for_alpha2`/`for_alpha3`, whose 249-arm string matches are large in WebAssembly;
/// the codes are unique, so the result is the same.
fn country_where(
    test: impl Fn(&isocountry::CountryCode) -> bool,
) -> Option<isocountry::CountryCode> {
    isocountry::CountryCode::iter()
        .copied()
        .find(|country| test(country))
}

/// Codes people write that ISO 3166-1 assigns to nobody, or reserves, with the right one.
const COMMON_MISTAKES: [(&str, &str, &str); 3] = [
    ("UK", "GB", "United Kingdom"),
    ("EL", "GR", "Greece"),
    ("EN", "GB", "United Kingdom"),
];

/// ISO 3166-1 §8.1.3: AA, QM to QZ, XA to XZ and ZZ are for users, never for countries.
fn is_user_assigned(code: &str) -> bool {
    let bytes = code.as_bytes();
    matches!(
        bytes,
        [b'A', b'A'] | [b'Q', b'M'..=b'Z'] | [b'X', _] | [b'Z', b'Z']
    )
}

/// Every officially assigned alpha-2 code with its English short name, sorted by code.
pub fn country_codes() -> Vec<(&'static str, &'static str)> {
    // The crate keeps its countries sorted by alpha-2 code too, so no sort is needed.
    isocountry::CountryCode::iter_alpha2()
        .map(|country| (country.alpha2(), country.name()))
        .collect()
}

/// Parses the options of a new account: `{ Instances?: { RSA?, ECC?, SM2? },
/// RateLimitPerSecond? }`, each count a whole number. `null` or absent means all off.
///
/// # Errors
///
/// `InvalidParameter.<Field>` for a value that is not a whole number in range or an unknown
/// key family.
pub fn account_options(value: &Value) -> Result<crate::account::AccountOptions, ApiError> {
    use crate::algorithm::KeyFamily;
    let mut options = crate::account::AccountOptions::default();
    if value.is_null() {
        return Ok(options);
    }
    let params = Params::new(value, &["Instances", "RateLimitPerSecond"])?;
    if let Some(value) = params.present("RateLimitPerSecond") {
        let limit = integer("RateLimitPerSecond", value, out_of_range_rate)?;
        let limit = u32::try_from(limit)
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| out_of_range_rate("RateLimitPerSecond", value))?;
        options.rate_limit_per_second = Some(limit);
    }
    if let Some(instances) = params.present("Instances") {
        let Value::Object(map) = instances else {
            return Err(wrong_type(
                "Instances",
                "an object such as { RSA: 1 }",
                instances,
            ));
        };
        let mut counts = BTreeMap::new();
        for (name, count_value) in map {
            let family = [KeyFamily::Rsa, KeyFamily::Ecc, KeyFamily::Sm2]
                .into_iter()
                .find(|family| family.name() == name)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "Instances",
                        format!(
                            "Instances keys must be RSA, ECC or SM2; got {}.",
                            quote(name)
                        ),
                    )
                })?;
            let count = integer("Instances", count_value, out_of_range_count)?;
            let count =
                u32::try_from(count).map_err(|_| out_of_range_count("Instances", count_value))?;
            counts.insert(family, count);
        }
        options.instances = Some(counts);
    }
    Ok(options)
}

/// Checks text that was already trimmed: allowed characters and a length in characters.
fn check_text(field: &'static str, text: &str, min: usize, max: usize) -> Result<(), ApiError> {
    if let Some((position, c)) = text.chars().enumerate().find(|(_, c)| is_refused_char(*c)) {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} must not contain control, bidirectional-control or noncharacter code \
                 points; found U+{:04X} at character {}.",
                c as u32,
                position + 1
            ),
        ));
    }
    let count = text.chars().count();
    if !(min..=max).contains(&count) {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be {min} to {max} characters long; got {count}."),
        ));
    }
    Ok(())
}

/// Control characters (Cc), bidirectional controls and noncharacters.
fn is_refused_char(c: char) -> bool {
    let code = c as u32;
    c.is_control()
        || matches!(code, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
        || (0xFDD0..=0xFDEF).contains(&code)
        || code & 0xFFFE == 0xFFFE
}

/// Trims surrounding Unicode white space (White_Space: includes U+00A0 and U+3000).
fn trim(text: &str) -> &str {
    text.trim_matches(char::is_whitespace)
}

fn wrong_type(field: &'static str, expected: &str, value: &Value) -> ApiError {
    ApiError::invalid(
        field,
        format!("{field} must be {expected}; got {}.", describe(value)),
    )
}

/// Quotes a text for a message, or gives only its length when it is long (over 100
/// characters), so that a message never grows with the input.
pub(crate) fn quote(text: &str) -> String {
    let count = text.chars().count();
    if count <= 100 {
        format!("{text:?}")
    } else {
        format!("a string of {count} characters")
    }
}

/// The text of `format!("{x}")` for a float, made from the shortest round-trip digits that
/// serde_json's float formatter already gives for [`describe`], so that WebAssembly does not
/// carry a second float-to-text algorithm (core's Grisu and Dragon4, with their tables).
///
/// Both give the shortest digit string that reads back as `x`, the one nearest `x` when several
/// do. They differ only in the layout (`1.5e22` there, `15000000000000000000000` here) and when
/// `x` lies exactly halfway between the two nearest: serde_json's rounds that tie to even,
/// core's up, and so does this function.
#[cfg_attr(
    not(any(target_arch = "wasm32", test)),
    expect(dead_code, reason = "used by the WebAssembly binding, tested natively")
)]
pub(crate) fn display_float(x: f64) -> String {
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_nan() {
        return "NaN".into();
    }
    let Some(number) = serde_json::Number::from_f64(x.abs()) else {
        return format!("{sign}inf");
    };
    let text = number.to_string();
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().unwrap_or(0)),
        None => (text.as_str(), 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The value is 0.DIGITS times ten to the power `point`.
    let all = format!("{whole}{fraction}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let mut digits = all.trim_matches('0').to_owned();
    if digits.is_empty() {
        return format!("{sign}0");
    }
    let count = |digits: &str| i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let mut point = count(whole) + exponent - i32::try_from(leading).unwrap_or(i32::MAX);
    if is_halfway_above(x.abs(), &digits, point - count(&digits) - 1) {
        // Round the last digit up, carrying.
        let mut bytes = digits.into_bytes();
        while bytes.last() == Some(&b'9') {
            bytes.pop();
        }
        match bytes.last_mut() {
            Some(last) => *last += 1,
            None => {
                bytes.push(b'1');
                point += 1;
            }
        }
        digits = String::from_utf8(bytes).unwrap_or_default();
    }
    let count = count(&digits);
    let zeros = |n: i32| "0".repeat(usize::try_from(n).unwrap_or(0));
    if point <= 0 {
        format!("{sign}0.{}{digits}", zeros(-point))
    } else if point >= count {
        format!("{sign}{digits}{}", zeros(point - count))
    } else {
        let (before, after) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{sign}{before}.{after}")
    }
}

/// Whether the positive `x` is exactly DIGITS followed by one more digit 5, times ten to the
/// power `scale`: halfway between DIGITS and the next number of as many digits.
fn is_halfway_above(x: f64, digits: &str, scale: i32) -> bool {
    let Some(half) = digits
        .parse::<u128>()
        .ok()
        .and_then(|d| d.checked_mul(10)?.checked_add(5))
    else {
        return false;
    };
    // x = odd * 2^power exactly.
    let bits = x.to_bits();
    let biased = i32::try_from((bits >> 52) & 0x7FF).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    let (mut odd, mut power) = if biased == 0 {
        (u128::from(fraction), -1074)
    } else {
        (u128::from(fraction | 1 << 52), biased - 1075)
    };
    if odd == 0 {
        return false;
    }
    let zeros = odd.trailing_zeros();
    odd >>= zeros;
    power += i32::try_from(zeros).unwrap_or(0);
    // half * 10^scale = half * 5^scale * 2^scale, and half is odd.
    let Some(five) = 5u128.checked_pow(scale.unsigned_abs()) else {
        return false;
    };
    power == scale
        && if scale >= 0 {
            half.checked_mul(five) == Some(odd)
        } else {
            odd.checked_mul(five) == Some(half)
        }
}

/// Names a JSON value's type for messages, without echoing long content.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        // A JavaScript number arrives as a float: -1 is -1.0 to serde_json, but not to the caller.
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 2f64.powi(53) => {
                format!("the number {}", x as i64)
            }
            _ => format!("the number {n}"),
        },
        Value::String(s) if s.chars().count() <= 40 => format!("the string {s:?}"),
        Value::String(s) => format!("a string of {} characters", s.chars().count()),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_option_counts_name_their_range() {
        use serde_json::json;
        let message = |options: Value| account_options(&options).unwrap_err().to_string();
        // JavaScript numbers arrive as floats.
        let rate = "RateLimitPerSecond must be a whole number of calls from 1 to 4294967295";
        assert!(
            message(json!({"RateLimitPerSecond": -1.0}))
                .contains(&format!("{rate}; got the number -1."))
        );
        assert!(
            message(json!({"RateLimitPerSecond": 0}))
                .contains(&format!("{rate}; got the number 0."))
        );
        let instances = "Instances counts must be whole numbers from 0 to 4294967295";
        assert!(
            message(json!({"Instances": {"RSA": -1.0}}))
                .contains(&format!("{instances}; got the number -1."))
        );
        assert!(message(json!({"Instances": {"SM2": 4294967296u64}})).contains(instances));
        let options =
            account_options(&json!({"RateLimitPerSecond": 20.0, "Instances": {"ECC": 0}})).unwrap();
        assert_eq!(options.rate_limit_per_second, Some(20));
        assert_eq!(
            options.instances.unwrap()[&crate::algorithm::KeyFamily::Ecc],
            0
        );
        let years =
            CreateRootCaRequest::from_json(&json!({"CommonName": "a", "OrganizationUnit": "b",
            "Organization": "c", "Locality": "d", "State": "e", "Years": -1.0}))
            .unwrap_err();
        assert!(
            years
                .to_string()
                .contains("Years must be from 1 to 10; got the number -1."),
            "{years}"
        );
    }

    #[test]
    fn user_assigned_codes_are_recognized() {
        for code in ["AA", "QM", "QZ", "XA", "XK", "XX", "ZZ"] {
            assert!(is_user_assigned(code), "{code}");
        }
        for code in ["QL", "CN", "ZW", "ZA"] {
            assert!(!is_user_assigned(code), "{code}");
        }
    }

    #[test]
    fn trim_removes_unicode_spaces() {
        assert_eq!(trim("\u{3000}\u{a0} 阿里云 \t\n"), "阿里云");
    }

    #[test]
    fn refused_characters() {
        for c in [
            '\u{0}',
            '\u{7}',
            '\u{7f}',
            '\u{85}',
            '\u{202e}',
            '\u{2066}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{10ffff}',
        ] {
            assert!(is_refused_char(c), "U+{:04X}", c as u32);
        }
        for c in ['a', '阿', '\u{200d}', '\u{200c}', '\u{1f600}', ' '] {
            assert!(!is_refused_char(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn ascii_case_checks_match_unicode_lower_case() {
        // The argument of `starts_with_ignore_ascii_case`: only these non-ASCII characters
        // have a lower case with ASCII in it.
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            if !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii()) {
                assert!(matches!(c, '\u{130}' | '\u{212A}'), "U+{:04X}", c as u32);
            }
        }
        let texts = [
            "",
            "a",
            "aliyun",
            "ALIYUN-x",
            "AliYun",
            "al\u{130}yun",
            "ali\u{130}un",
            "\u{212A}",
            "acs:",
            "ACS:x",
            "acs",
            "xacs:",
            "HTTP://x",
            "a https://",
            "HtTpS:/",
            "http:\u{130}//",
            "\u{3a3}http://\u{3a3}",
            "h\u{212A}ttp://",
            "阿里云http://",
        ];
        for text in texts {
            let lower = text.to_lowercase();
            for prefix in ["aliyun", "acs:"] {
                assert_eq!(
                    starts_with_ignore_ascii_case(text, prefix),
                    lower.starts_with(prefix),
                    "{text:?} {prefix:?}"
                );
            }
            for needle in ["http://", "https://"] {
                assert_eq!(
                    contains_ignore_ascii_case(text, needle),
                    lower.contains(needle),
                    "{text:?} {needle:?}"
                );
            }
        }
    }

    #[test]
    fn display_float_is_core_display() {
        let mut special = vec![
            0.0,
            -0.0,
            1.0,
            1000.5,
            1e21,
            1e22,
            1.5e300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            0.1,
            0.3,
            123456.789,
            9007199254740993.0,
            4294967295.0,
            1e15,
            1e16,
            1e17,
            1e-7,
            0.000123,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -1234.5,
        ];
        special.extend((0..1100).map(|e| 10f64.powi(e - 330)));
        special.extend((0..64).map(|e| 2f64.powi(e) + 1.0));
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            // xorshift64*: reproducible bit patterns over the whole range of f64.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        special.extend((0..200_000).map(|_| f64::from_bits(next())));
        // Numbers with few fraction bits, where ties are common.
        special.extend((0..200_000).map(|_| {
            let shift = next() % 60;
            let whole = (next() >> shift) as f64;
            whole + (next() % 16) as f64 / 16.0
        }));
        special.extend((0..100_000).map(|_| {
            let shift = next() % 64;
            (next() >> shift) as f64 * 2f64.powi((next() % 200) as i32 - 100)
        }));
        special.extend((0..100_000).map(|_| {
            let shift = next() % 64;
            (next() >> shift) as f64
        }));
        for x in special {
            assert_eq!(display_float(x), format!("{x}"), "{:#x}", x.to_bits());
        }
    }

    #[test]
    fn country_lookup_matches_the_crate() {
        for country in isocountry::CountryCode::iter() {
            let by_alpha2 = country_where(|c| c.alpha2() == country.alpha2());
            assert_eq!(
                by_alpha2,
                isocountry::CountryCode::for_alpha2(country.alpha2()).ok()
            );
            let by_alpha3 = country_where(|c| c.alpha3() == country.alpha3());
            assert_eq!(
                by_alpha3,
                isocountry::CountryCode::for_alpha3(country.alpha3()).ok()
            );
        }
        for code in ["", "C", "XX", "UK", "cn", "CHN ", "ZZZ", "chn"] {
            assert_eq!(
                country_where(|c| c.alpha2() == code),
                isocountry::CountryCode::for_alpha2(code).ok()
            );
            assert_eq!(
                country_where(|c| c.alpha3() == code),
                isocountry::CountryCode::for_alpha3(code).ok()
            );
        }
    }

    #[test]
    fn country_list_has_only_official_codes() {
        let codes = country_codes();
        assert_eq!(codes.len(), 249);
        assert!(
            codes.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted by code"
        );
        assert!(codes.iter().any(|(code, _)| *code == "CN"));
        assert!(!codes.iter().any(|(code, _)| is_user_assigned(code)));
    }
}
