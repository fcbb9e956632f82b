//! Every validation rule of `CreateRootCACertificate` at its boundaries: the error code, and a
//! message that names the field and the rule.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{parse, refused, valid_request, with, with_all, without};
use private_ca::{Algorithm, ApiError, ErrorKind};
use serde_json::{Value, json};

/// The five required subject fields with their maximum length in characters.
const NAME_FIELDS: [(&str, usize); 5] = [
    ("CommonName", 64),
    ("OrganizationUnit", 64),
    ("Organization", 64),
    ("Locality", 128),
    ("State", 128),
];

/// Asserts an `InvalidParameter.<field>` error whose message contains each of `parts`.
#[track_caller]
fn assert_invalid(error: &ApiError, field: &str, parts: &[&str]) {
    assert_eq!(error.code(), format!("InvalidParameter.{field}"), "{error}");
    assert_eq!(error.status(), 400);
    assert_eq!(error.kind(), ErrorKind::Client);
    let message = error.to_string();
    assert!(message.contains(field), "{message:?} does not name {field}");
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

/// Asserts a `Missing<field>` error with the cloud's sentence.
#[track_caller]
fn assert_missing(error: &ApiError, field: &str) {
    assert_eq!(error.code(), format!("Missing{field}"), "{error}");
    assert_eq!(error.status(), 400);
    assert_eq!(
        error.to_string(),
        format!("{field} is mandatory for this action.")
    );
}

/// The value of a subject field in a parsed request.
fn subject_field(request: &Value, field: &str) -> String {
    let subject = parse(request).subject;
    match field {
        "CommonName" => subject.common_name,
        "OrganizationUnit" => subject.organization_unit,
        "Organization" => subject.organization,
        "Locality" => subject.locality,
        "State" => subject.state,
        _ => unreachable!("{field} is not a subject field"),
    }
}

fn tags(tags: Value) -> Value {
    with("Tags", tags)
}

fn tag(key: &str, value: &str) -> Value {
    json!({"Key": key, "Value": value})
}

// --- The request itself ---

#[test]
fn the_valid_request_is_accepted() {
    let request = parse(&valid_request());
    assert_eq!(request.subject.common_name, "Example Root CA");
    assert_eq!(request.subject.country, Some("CN"));
    assert_eq!(request.algorithm, Algorithm::Ecc256);
    assert_eq!(request.years, 10);
    assert_eq!(request.client_token, None);
    assert!(request.tags.is_empty());
    assert_eq!(request.resource_group_id, None);
}

#[test]
fn a_request_that_is_not_an_object_is_invalid_parameter() {
    let cases = [
        (json!(null), "null"),
        (json!([valid_request()]), "an array"),
        (json!("CommonName"), "the string \"CommonName\""),
        (json!(42), "the number 42"),
        (json!(true), "the boolean true"),
    ];
    for (request, got) in cases {
        let error = refused(&request);
        assert_eq!(error.code(), "InvalidParameter", "{request}");
        assert_eq!(error.status(), 400);
        assert_eq!(
            error.to_string(),
            format!("The request must be an object; got {got}.")
        );
    }
}

// --- The five required names ---

#[test]
fn absent_null_empty_or_blank_names_are_missing() {
    let blanks = [
        json!(null),
        json!(""),
        json!(" "),
        json!("\t\r\n"),
        json!("\u{a0}"),
        json!("\u{3000}"),
        json!(" \u{3000}\u{a0}\u{2003} "),
    ];
    for (field, _) in NAME_FIELDS {
        assert_missing(&refused(&without(field)), field);
        for blank in &blanks {
            assert_missing(&refused(&with(field, blank.clone())), field);
        }
    }
}

#[test]
fn names_of_the_wrong_type_are_invalid() {
    let cases = [
        (json!(7), "the number 7"),
        (json!(false), "the boolean false"),
        (json!(["Example"]), "an array"),
        (json!({"Text": "Example"}), "an object"),
    ];
    for (field, _) in NAME_FIELDS {
        for (value, got) in &cases {
            let error = refused(&with(field, value.clone()));
            assert_eq!(
                error.to_string(),
                format!("{field} must be a string; got {got}.")
            );
            assert_invalid(&error, field, &["must be a string"]);
        }
    }
}

#[test]
fn name_lengths_are_counted_in_characters() {
    for (field, max) in NAME_FIELDS {
        let longest = "阿".repeat(max);
        assert_eq!(longest.len(), 3 * max, "three bytes each in UTF-8");
        assert_eq!(subject_field(&with(field, json!(longest)), field), longest);

        let error = refused(&with(field, json!("阿".repeat(max + 1))));
        assert_eq!(
            error.to_string(),
            format!(
                "{field} must be 1 to {max} characters long; got {}.",
                max + 1
            )
        );
        assert_invalid(&error, field, &[]);

        // One character is the shortest name.
        assert_eq!(subject_field(&with(field, json!("阿")), field), "阿");
    }
}

#[test]
fn characters_outside_the_bmp_count_as_one() {
    for (field, max) in NAME_FIELDS {
        // U+1F600 is one character, two UTF-16 units and four UTF-8 bytes.
        let longest = "😀".repeat(max);
        assert_eq!(subject_field(&with(field, json!(longest)), field), longest);
        let mixed = format!("{}😀", "a".repeat(max - 1));
        assert_eq!(subject_field(&with(field, json!(mixed)), field), mixed);

        let error = refused(&with(field, json!("😀".repeat(max + 1))));
        assert_invalid(&error, field, &[&format!("1 to {max} characters"), "got "]);
    }
}

#[test]
fn surrounding_white_space_is_trimmed_before_counting_and_storing() {
    for (field, max) in NAME_FIELDS {
        let longest = "阿".repeat(max);
        let padded = format!("\u{3000} \u{a0}\t{longest}\n\u{a0}\u{3000} ");
        assert_eq!(subject_field(&with(field, json!(padded)), field), longest);
        // Inner spaces are kept as they are.
        let inner = "Example \u{3000} Root";
        assert_eq!(
            subject_field(&with(field, json!(format!("  {inner}  "))), field),
            inner
        );
    }
}

#[test]
fn control_bidi_and_noncharacters_are_refused() {
    let refused_chars = [
        '\u{0}',
        '\u{7}',
        '\u{1b}',
        '\u{7f}',
        '\u{85}',
        '\u{9f}',
        '\u{61c}',
        '\u{200e}',
        '\u{200f}',
        '\u{202a}',
        '\u{202b}',
        '\u{202c}',
        '\u{202d}',
        '\u{202e}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{fdd0}',
        '\u{fdef}',
        '\u{fffe}',
        '\u{ffff}',
        '\u{1fffe}',
        '\u{1ffff}',
        '\u{10ffff}',
    ];
    for (field, _) in NAME_FIELDS {
        for c in refused_chars {
            let value = format!("阿{c}b");
            let error = refused(&with(field, json!(value)));
            assert_eq!(
                error.to_string(),
                format!(
                    "{field} must not contain control, bidirectional-control or noncharacter \
                     code points; found U+{:04X} at character 2.",
                    c as u32
                )
            );
            assert_invalid(&error, field, &[]);
        }
    }
}

#[test]
fn joiners_and_other_scripts_are_accepted() {
    let names = [
        "a\u{200d}b",                    // ZWJ
        "\u{915}\u{94d}\u{200c}\u{937}", // ZWNJ in Devanagari
        "\u{1f469}\u{200d}\u{1f4bb}",    // an emoji ZWJ sequence
        "阿里云 (杭州) 有限公司",
        "Ünïcödé, Inc.",
        "\u{627}\u{644}\u{639}\u{631}\u{628}\u{64a}\u{629}", // Arabic, right to left by itself
    ];
    for (field, _) in NAME_FIELDS {
        for name in names {
            assert_eq!(subject_field(&with(field, json!(name)), field), name);
        }
    }
}

// --- Years ---

#[test]
fn years_from_1_to_10() {
    for years in 1..=10u8 {
        assert_eq!(parse(&with("Years", json!(years))).years, years);
        assert_eq!(parse(&with("Years", json!(years.to_string()))).years, years);
    }
    for years in [0, 11, 100, 255, 256] {
        let error = refused(&with("Years", json!(years)));
        assert_eq!(
            error.to_string(),
            format!("Years must be from 1 to 10; got the number {years}.")
        );
        assert_invalid(&error, "Years", &["from 1 to 10"]);
    }
    let error = refused(&with("Years", json!("11")));
    assert_invalid(&error, "Years", &["from 1 to 10"]);
    let error = refused(&with("Years", json!("0")));
    assert_invalid(&error, "Years", &["from 1 to 10"]);
}

#[test]
fn years_as_number_string_or_whole_float_are_equal() {
    let as_number = parse(&with("Years", json!(10)));
    assert_eq!(parse(&with("Years", json!("10"))), as_number);
    assert_eq!(parse(&with("Years", json!(10.0))), as_number);
    assert_eq!(parse(&with("Years", json!("010"))), as_number);
    assert_eq!(as_number.years, 10);
}

#[test]
fn years_that_are_not_whole_numbers_are_invalid() {
    let strings = [
        "1.5", "-1", " 10", "10 ", "ten", "1e1", "+5", "0x0A", "１０",
    ];
    for text in strings {
        let error = refused(&with("Years", json!(text)));
        assert_invalid(
            &error,
            "Years",
            &["must be a whole number or a string of decimal digits"],
        );
    }
    let error = refused(&with("Years", json!(1.5)));
    assert_eq!(
        error.to_string(),
        "Years must be a whole number; got the number 1.5."
    );
    let error = refused(&with("Years", json!(-1)));
    assert_eq!(
        error.to_string(),
        "Years must be from 1 to 10; got the number -1."
    );
    for value in [json!(true), json!([10]), json!({"Years": 10})] {
        let error = refused(&with("Years", value.clone()));
        assert_invalid(&error, "Years", &["must be a whole number"]);
    }
}

#[test]
fn absent_null_or_blank_years_are_missing() {
    assert_missing(&refused(&without("Years")), "Years");
    for blank in [json!(null), json!(""), json!("  "), json!("\u{3000}")] {
        assert_missing(&refused(&with("Years", blank)), "Years");
    }
}

#[test]
fn huge_years_are_refused_without_panicking() {
    let error = refused(&with("Years", json!("99999999999999999999999")));
    assert_eq!(
        error.to_string(),
        "Years must be from 1 to 10; got the string \"99999999999999999999999\"."
    );
    let huge = [
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e300),
        json!(-1e300),
        json!(4_294_967_296.0),
    ];
    for value in huge {
        let error = refused(&with("Years", value));
        assert_invalid(&error, "Years", &["from 1 to 10"]);
    }
    let long = "9".repeat(10_000);
    let error = refused(&with("Years", json!(long)));
    assert_eq!(
        error.to_string(),
        "Years must be from 1 to 10; got a string of 10000 characters."
    );
}

// --- CountryCode ---

#[test]
fn country_codes_are_stored_upper_case() {
    for (given, stored) in [("cn", "CN"), ("CN", "CN"), ("cN", "CN"), (" gb ", "GB")] {
        assert_eq!(
            parse(&with("CountryCode", json!(given))).subject.country,
            Some(stored)
        );
    }
    assert_eq!(
        parse(&with("CountryCode", json!("cn"))),
        parse(&with("CountryCode", json!("CN")))
    );
}

#[test]
fn absent_null_or_empty_country_code_means_no_c() {
    let cases = [
        without("CountryCode"),
        with("CountryCode", json!(null)),
        with("CountryCode", json!("")),
        with("CountryCode", json!("  ")),
    ];
    for request in cases {
        assert_eq!(parse(&request).subject.country, None, "{request}");
    }
}

#[test]
fn alpha3_codes_get_a_hint() {
    for (given, hint) in [("CHN", "CN"), ("chn", "CN"), ("USA", "US"), ("DEU", "DE")] {
        let error = refused(&with("CountryCode", json!(given)));
        assert_eq!(
            error.to_string(),
            format!(
                "CountryCode must be a two-letter ISO 3166-1 code; got the three-letter \
                 {given:?}. Did you mean {hint}?"
            )
        );
        assert_invalid(&error, "CountryCode", &[]);
    }
}

#[test]
fn common_mistakes_get_a_hint() {
    for (given, hint) in [("UK", "GB"), ("uk", "GB"), ("EL", "GR")] {
        let error = refused(&with("CountryCode", json!(given)));
        assert_invalid(
            &error,
            "CountryCode",
            &[
                "is not an ISO 3166-1 code",
                &format!("Did you mean {hint} ("),
            ],
        );
    }
}

#[test]
fn user_assigned_codes_are_refused() {
    for code in ["XX", "XK", "xk", "AA", "ZZ", "QM", "QZ", "QQ", "XA"] {
        let error = refused(&with("CountryCode", json!(code)));
        assert_eq!(
            error.to_string(),
            format!(
                "CountryCode {code:?} is a user-assigned code, not an officially assigned \
                 country code."
            )
        );
        assert_invalid(&error, "CountryCode", &[]);
    }
}

#[test]
fn other_bad_country_codes_are_refused() {
    // EU, UN and UK are exceptionally reserved, AN and YU were withdrawn.
    for code in [
        "C", "CNN", "C1", "12", "中国", "C N", "cn\u{0}", "EU", "UN", "AN", "YU",
    ] {
        let error = refused(&with("CountryCode", json!(code)));
        assert_invalid(
            &error,
            "CountryCode",
            &["must be an officially assigned ISO 3166-1 alpha-2 code"],
        );
    }
    for value in [json!(86), json!(true), json!(["CN"])] {
        let error = refused(&with("CountryCode", value));
        assert_invalid(&error, "CountryCode", &["must be a string"]);
    }
}

// --- Algorithm ---

#[test]
fn each_algorithm_is_accepted_exactly() {
    let names = [
        ("RSA_1024", Algorithm::Rsa1024),
        ("RSA_2048", Algorithm::Rsa2048),
        ("RSA_4096", Algorithm::Rsa4096),
        ("ECC_256", Algorithm::Ecc256),
        ("ECC_384", Algorithm::Ecc384),
        ("ECC_512", Algorithm::Ecc512),
        ("SM2_256", Algorithm::Sm2_256),
    ];
    assert_eq!(names.map(|(_, a)| a), Algorithm::ALL);
    for (name, algorithm) in names {
        assert_eq!(parse(&with("Algorithm", json!(name))).algorithm, algorithm);
        assert_eq!(algorithm.name(), name);
    }
}

#[test]
fn the_default_algorithm_is_rsa_2048() {
    let explicit = parse(&with("Algorithm", json!("RSA_2048")));
    for request in [
        without("Algorithm"),
        with("Algorithm", json!(null)),
        with("Algorithm", json!("")),
        with("Algorithm", json!(" ")),
    ] {
        let parsed = parse(&request);
        assert_eq!(parsed.algorithm, Algorithm::Rsa2048, "{request}");
        assert_eq!(
            parsed, explicit,
            "the default is spelled out for idempotency"
        );
    }
}

#[test]
fn algorithm_letter_case_gets_a_hint() {
    let all = "RSA_1024, RSA_2048, RSA_4096, ECC_256, ECC_384, ECC_512, SM2_256";
    let error = refused(&with("Algorithm", json!("rsa_2048")));
    assert_eq!(
        error.to_string(),
        format!("Algorithm must be one of {all}; got \"rsa_2048\". Did you mean RSA_2048?")
    );
    assert_invalid(&error, "Algorithm", &[]);
    let error = refused(&with("Algorithm", json!("Sm2_256")));
    assert_invalid(&error, "Algorithm", &["Did you mean SM2_256?"]);
}

#[test]
fn unknown_algorithms_are_refused() {
    for name in [
        "RSA_3072",
        "RSA2048",
        "ECC_521",
        "P-256",
        "Ed25519",
        "RSA_2048 RSA",
    ] {
        let error = refused(&with("Algorithm", json!(name)));
        assert_invalid(&error, "Algorithm", &["must be one of RSA_1024"]);
        assert!(!error.to_string().contains("Did you mean"), "{error}");
    }
    let error = refused(&with("Algorithm", json!(2048)));
    assert_invalid(&error, "Algorithm", &["must be a string"]);
}

// --- Field names ---

#[test]
fn field_names_in_another_letter_case_are_refused() {
    let cases = [
        ("commonName", json!("Example"), "CommonName"),
        ("algorithm", json!("ECC_256"), "Algorithm"),
        ("YEARS", json!(5), "Years"),
        ("countrycode", json!("CN"), "CountryCode"),
        ("clientToken", json!("t"), "ClientToken"),
        ("tags", json!([]), "Tags"),
        ("resourceGroupId", json!("rg-a"), "ResourceGroupId"),
    ];
    for (key, value, field) in cases {
        let error = refused(&with(key, value));
        assert_eq!(
            error.to_string(),
            format!("Unknown field {key:?}: field names are case-sensitive. Did you mean {field}?")
        );
        assert_invalid(&error, field, &[]);
    }
}

#[test]
fn a_near_miss_is_refused_even_without_the_right_field() {
    // Without the check, "algorithm" would silently become the default RSA_2048.
    let mut request = without("Algorithm");
    request["algorithm"] = json!("ECC_256");
    assert_invalid(
        &refused(&request),
        "Algorithm",
        &["Did you mean Algorithm?"],
    );
    // And "commonName" would have been reported as a missing CommonName.
    let mut request = without("CommonName");
    request["commonName"] = json!("Example");
    assert_invalid(
        &refused(&request),
        "CommonName",
        &["Did you mean CommonName?"],
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let request = with_all(&[
        ("Foo", json!("bar")),
        ("RequestId", json!(1)),
        ("Common_Name", json!(null)),
        ("", json!({})),
    ]);
    assert_eq!(parse(&request), parse(&valid_request()));
}

// --- ClientToken ---

#[test]
fn client_tokens_are_1_to_64_visible_ascii_characters() {
    let visible: String = (0x21u8..=0x7e).map(char::from).collect();
    for token in [
        "a".to_owned(),
        "x".repeat(64),
        visible[..64].to_owned(),
        visible[30..].to_owned(),
    ] {
        let parsed = parse(&with("ClientToken", json!(token)));
        assert_eq!(parsed.client_token.as_deref(), Some(token.as_str()));
    }
    let error = refused(&with("ClientToken", json!("x".repeat(65))));
    assert_eq!(
        error.to_string(),
        "ClientToken must be 1 to 64 characters; got 65."
    );
    assert_invalid(&error, "ClientToken", &[]);
}

#[test]
fn client_tokens_with_other_characters_are_refused() {
    let cases = [
        ("two words", 0x20),
        ("caf\u{e9}", 0xe9),
        ("tab\there", 0x09),
        ("nul\u{0}", 0x00),
        ("del\u{7f}", 0x7f),
        ("阿", 0x963f),
    ];
    for (token, code) in cases {
        let error = refused(&with("ClientToken", json!(token)));
        assert_eq!(
            error.to_string(),
            format!(
                "ClientToken must be visible ASCII characters (0x21 to 0x7E); got U+{code:04X}."
            )
        );
        assert_invalid(&error, "ClientToken", &[]);
    }
    let error = refused(&with("ClientToken", json!(123)));
    assert_invalid(&error, "ClientToken", &["must be a string"]);
}

#[test]
fn client_tokens_are_trimmed_and_blank_means_none() {
    let parsed = parse(&with("ClientToken", json!(" \u{3000}token-1\t")));
    assert_eq!(parsed.client_token.as_deref(), Some("token-1"));
    assert_eq!(parsed, parse(&with("ClientToken", json!("token-1"))));
    // 64 characters after trimming are accepted.
    let padded = format!("  {}  ", "t".repeat(64));
    assert_eq!(
        parse(&with("ClientToken", json!(padded))).client_token,
        Some("t".repeat(64))
    );
    for blank in [json!(null), json!(""), json!("   ")] {
        assert_eq!(parse(&with("ClientToken", blank)).client_token, None);
    }
}

// --- Tags ---

#[test]
fn up_to_20_tags_are_accepted() {
    let twenty: Vec<Value> = (1..=20)
        .map(|n| tag(&format!("k{n}"), &format!("v{n}")))
        .collect();
    let parsed = parse(&tags(json!(twenty)));
    assert_eq!(parsed.tags.len(), 20);
    assert_eq!(parsed.tags["k7"], "v7");

    let mut twenty_one = twenty;
    twenty_one.push(tag("k21", "v21"));
    let error = refused(&tags(json!(twenty_one)));
    assert_eq!(error.to_string(), "Tags may hold at most 20 tags; got 21.");
    assert_invalid(&error, "Tags", &[]);
}

#[test]
fn absent_null_or_empty_tags_mean_none() {
    for request in [
        without("Tags"),
        tags(json!(null)),
        tags(json!([])),
        tags(json!("")),
    ] {
        assert!(parse(&request).tags.is_empty(), "{request}");
    }
}

#[test]
fn duplicate_tag_keys_are_refused() {
    let error = refused(&tags(json!([
        tag("env", "a"),
        tag("team", "b"),
        tag("env", "c")
    ])));
    assert_eq!(
        error.to_string(),
        "Tags.3.Key \"env\" is given twice; tag keys must be unique."
    );
    assert_invalid(&error, "Tags", &[]);
    // Keys are compared after trimming.
    let error = refused(&tags(json!([tag("env", "a"), tag(" env ", "a")])));
    assert_invalid(&error, "Tags", &["Tags.2.Key", "unique"]);
}

#[test]
fn reserved_tag_key_prefixes_are_refused() {
    for (key, prefix) in [
        ("aliyun", "aliyun"),
        ("aliyunOwner", "aliyun"),
        ("ALIYUN:x", "aliyun"),
        ("AliYun", "aliyun"),
        ("acs:rm:rgId", "acs:"),
        ("ACS:x", "acs:"),
    ] {
        let error = refused(&tags(json!([tag("ok", "v"), tag(key, "v")])));
        assert_eq!(
            error.to_string(),
            format!("Tags.2.Key {key:?} must not start with {prefix:?} (reserved).")
        );
        assert_invalid(&error, "Tags", &[]);
    }
    // Only the start is reserved.
    let parsed = parse(&tags(json!([tag("my-aliyun", "v"), tag("acs", "v")])));
    assert_eq!(parsed.tags.len(), 2);
}

#[test]
fn urls_in_tags_are_refused() {
    for text in [
        "http://example.com",
        "see https://x",
        "HTTPS://X",
        "Http://x",
    ] {
        let error = refused(&tags(json!([tag(text, "v")])));
        assert_eq!(
            error.to_string(),
            "Tags.1.Key must not contain http:// or https://."
        );
        assert_invalid(&error, "Tags", &[]);
        let error = refused(&tags(json!([tag("k", text)])));
        assert_eq!(
            error.to_string(),
            "Tags.1.Value must not contain http:// or https://."
        );
    }
    let parsed = parse(&tags(json!([tag("http", "example.com/https")])));
    assert_eq!(parsed.tags["http"], "example.com/https");
}

#[test]
fn tag_key_and_value_lengths() {
    let key = "阿".repeat(128);
    let value = "😀".repeat(128);
    let parsed = parse(&tags(json!([tag(&key, &value)])));
    assert_eq!(parsed.tags[&key], value);

    let error = refused(&tags(json!([tag(&"k".repeat(129), "v")])));
    assert_eq!(
        error.to_string(),
        "Tags.1.Key must be 1 to 128 characters long; got 129."
    );
    assert_invalid(&error, "Tags", &[]);
    let error = refused(&tags(json!([tag("k", &"v".repeat(129))])));
    assert_eq!(
        error.to_string(),
        "Tags.1.Value must be 0 to 128 characters long; got 129."
    );
    assert_invalid(&error, "Tags", &[]);
}

#[test]
fn tag_values_may_be_empty_or_absent() {
    let parsed = parse(&tags(json!([
        tag("a", ""),
        {"Key": "b"},
        {"Key": "c", "Value": null},
        tag("d", "  "),
    ])));
    for key in ["a", "b", "c", "d"] {
        assert_eq!(parsed.tags[key], "", "{key}");
    }
}

#[test]
fn tag_keys_are_mandatory() {
    for item in [
        json!({"Value": "v"}),
        json!({"Key": "", "Value": "v"}),
        json!({"Key": null}),
        json!({"Key": " \u{3000}"}),
    ] {
        let error = refused(&tags(json!([tag("ok", "v"), item])));
        assert_eq!(error.to_string(), "Tags.2.Key is mandatory for each tag.");
        assert_invalid(&error, "Tags", &[]);
    }
}

#[test]
fn tags_that_are_not_an_array_of_objects_are_refused() {
    for value in [json!({"Key": "k", "Value": "v"}), json!("k=v"), json!(1)] {
        let error = refused(&tags(value));
        assert_invalid(&error, "Tags", &["must be an array of {Key, Value}"]);
    }
    for item in [json!("k=v"), json!(["k", "v"]), json!(null), json!(3)] {
        let error = refused(&tags(json!([tag("ok", "v"), item])));
        assert_invalid(&error, "Tags", &["Tags.2", "must be an object"]);
    }
    for item in [json!({"Key": 1}), json!({"Key": "k", "Value": false})] {
        let error = refused(&tags(json!([item])));
        assert_invalid(&error, "Tags", &["Tags.1.", "must be a string"]);
    }
}

#[test]
fn tag_field_names_are_case_sensitive() {
    let error = refused(&tags(json!([{"key": "k", "value": "v"}])));
    assert_invalid(&error, "Tags", &["Tags.1", "Did you mean Key?"]);
}

#[test]
fn tag_characters_follow_the_name_rules() {
    let error = refused(&tags(json!([tag("a\u{202e}b", "v")])));
    assert_invalid(&error, "Tags", &["Tags.1.Key", "U+202E"]);
    let error = refused(&tags(json!([tag("k", "v\u{7}")])));
    assert_invalid(&error, "Tags", &["Tags.1.Value", "U+0007"]);
}

#[test]
fn tag_order_does_not_matter() {
    let one = parse(&tags(json!([tag("a", "1"), tag("b", "2"), tag("c", "")])));
    let other = parse(&tags(json!([tag(" c", ""), tag("b", "2 "), tag("a", "1")])));
    assert_eq!(one, other);
    assert_ne!(one, parse(&tags(json!([tag("a", "1"), tag("b", "3")]))));
}

// --- ResourceGroupId ---

#[test]
fn resource_group_ids() {
    for id in [
        "rg-abc123",
        "rg-a",
        "rg-0",
        &format!("rg-{}", "a".repeat(61)),
    ] {
        let parsed = parse(&with("ResourceGroupId", json!(id)));
        assert_eq!(parsed.resource_group_id.as_deref(), Some(id));
    }
    let parsed = parse(&with("ResourceGroupId", json!(" rg-abc ")));
    assert_eq!(parsed.resource_group_id.as_deref(), Some("rg-abc"));
    for blank in [json!(null), json!(""), json!(" ")] {
        assert_eq!(
            parse(&with("ResourceGroupId", blank)).resource_group_id,
            None
        );
    }

    let too_long = format!("rg-{}", "a".repeat(62));
    for id in [
        "rg-",
        "rg-ABC",
        "xx-abc",
        "RG-abc",
        "rg_abc",
        "rg-ab-c",
        "rg-abc ü",
        "abc",
        too_long.as_str(),
    ] {
        let error = refused(&with("ResourceGroupId", json!(id)));
        assert_eq!(
            error.to_string(),
            format!(
                "ResourceGroupId must be \"rg-\" followed by 1 to 61 lower-case letters or \
                 digits; got {id:?}."
            )
        );
        assert_invalid(&error, "ResourceGroupId", &[]);
    }
    let error = refused(&with("ResourceGroupId", json!(42)));
    assert_invalid(&error, "ResourceGroupId", &["must be a string"]);
}

// --- Order of checks ---

#[test]
fn the_first_failing_field_in_contract_order_is_reported() {
    let request = json!({"Years": 0, "Algorithm": "nope"});
    assert_missing(&refused(&request), "CommonName");
    let request = with_all(&[("Years", json!(0)), ("Algorithm", json!("nope"))]);
    assert_invalid(&refused(&request), "Algorithm", &[]);
}

#[test]
fn long_refused_values_are_not_echoed() {
    let long = "x".repeat(100_000);
    let error = refused(&with("CountryCode", json!(long)));
    assert_eq!(
        error.to_string(),
        "CountryCode must be an officially assigned ISO 3166-1 alpha-2 code, such as CN; got a \
         string of 100000 characters."
    );
    let error = refused(&with("ResourceGroupId", json!(format!("rg-{long}"))));
    assert_eq!(
        error.to_string(),
        "ResourceGroupId must be \"rg-\" followed by 1 to 61 lower-case letters or digits; got \
         a string of 100003 characters."
    );
    for (field, _) in NAME_FIELDS {
        let message = refused(&with(field, json!(long))).to_string();
        assert!(message.len() < 100, "{message}");
    }
}
