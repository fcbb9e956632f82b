//! Helpers shared by the fuzz targets: JSON-like values built from fuzz bytes, biased towards
//! what the request rules care about (field names and their near misses, white space, joiners,
//! bidirectional controls, characters outside the Basic Multilingual Plane, lengths at the
//! limits), and a deterministic random number source that can be told to fail.

use arbitrary::{Result, Unstructured};
use private_ca::env::{Clock, Entropy, EntropyError, UnixMillis};
use serde_json::{Map, Number, Value};

/// The fields of `CreateRootCACertificate`.
pub use private_ca::request::CREATE_ROOT_FIELDS as CREATE_FIELDS;

/// Other field names the dispatcher and the account options know, and the fields of a tag.
const OTHER_FIELDS: [&str; 9] = {
    let other = private_ca::request::OTHER_FIELDS;
    [
        "Key", "Value", other[0], other[1], other[2], other[3], other[4], other[5], other[6],
    ]
};

/// Fragments that sit at the edges of the rules.
const PIECES: [&str; 44] = [
    " ",
    "\u{3000}",
    "\u{a0}",
    "\t",
    "\n",
    "\r\n",
    "\u{200d}",
    "\u{200c}",
    "\u{200e}",
    "\u{202e}",
    "\u{2066}",
    "\u{61c}",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{fdd0}",
    "\u{fffe}",
    "\u{10ffff}",
    "\u{1f600}",
    "\u{1f468}\u{200d}\u{1f469}",
    "\u{fffd}",
    "阿里云",
    "नमस्ते",
    "a",
    "Z",
    "0",
    "9",
    "rg-",
    "cn",
    "CN",
    "uk",
    "XK",
    "CHN",
    "aliyun",
    "ACS:",
    "http://",
    "HTTPS://",
    "RSA_2048",
    "ECC_256",
    "SM2_256",
    "ecc_256",
    "10",
    "-1",
    "\"\\",
];

/// Lengths just around the limits (64, 128 characters; 20 tags; 61 after `rg-`).
const RUN_LENGTHS: [usize; 12] = [1, 2, 19, 20, 21, 60, 61, 63, 64, 65, 128, 129];

/// A string made of a few fragments, arbitrary characters and runs of one character.
pub fn text(u: &mut Unstructured<'_>) -> Result<String> {
    let mut out = String::new();
    let pieces = u.int_in_range(0..=6)?;
    for _ in 0..pieces {
        match u.int_in_range(0..=3)? {
            0 => out.push_str(u.choose(&PIECES)?),
            1 => out.push(u.arbitrary::<char>()?),
            2 => {
                let c = if u.arbitrary()? {
                    u.arbitrary::<char>()?
                } else {
                    *u.choose(&['a', '阿', '\u{1f600}', ' ', '\u{200d}'])?
                };
                let n = *u.choose(&RUN_LENGTHS)?;
                out.extend(std::iter::repeat_n(c, n));
            }
            _ => out.push_str(&u.arbitrary::<String>()?),
        }
    }
    Ok(out)
}

/// A number: small, at the Years limits, negative, fractional, huge.
pub fn number(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=5)? {
        0 => Value::from(u.int_in_range(0u64..=12)?),
        1 => Value::from(u.arbitrary::<u64>()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
        4 => Number::from_f64(f64::from(u.int_in_range(0u8..=11)?) + *u.choose(&[0.0, 0.5])?)
            .map_or(Value::Null, Value::Number),
        _ => Value::from(*u.choose(&[-1.0, -0.0, 1e300, 4294967296.0, 1e-300])?),
    })
}

/// A field name: a known one, a near miss in letter case, or anything.
pub fn key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=4)? {
        0 | 1 => u.choose(&CREATE_FIELDS)?.to_string(),
        2 => u.choose(&OTHER_FIELDS)?.to_string(),
        3 => {
            let name = u.choose(&CREATE_FIELDS)?;
            if u.arbitrary()? {
                name.to_lowercase()
            } else {
                let mut chars: Vec<char> = name.chars().collect();
                let i = u.choose_index(chars.len())?;
                chars[i] = if chars[i].is_uppercase() {
                    chars[i].to_ascii_lowercase()
                } else {
                    chars[i].to_ascii_uppercase()
                };
                chars.into_iter().collect()
            }
        }
        _ => text(u)?,
    })
}

/// Any JSON-like value, nested at most `depth` more levels.
pub fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let last = if depth == 0 { 3 } else { 5 };
    Ok(match u.int_in_range(0..=last)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => number(u)?,
        3 => Value::String(text(u)?),
        4 => {
            let n = *u.choose(&[0, 1, 2, 3, 20, 21])?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                if u.is_empty() {
                    break;
                }
                items.push(if u.arbitrary()? {
                    tag(u, depth - 1)?
                } else {
                    value(u, depth - 1)?
                });
            }
            Value::Array(items)
        }
        _ => object(u, depth - 1)?,
    })
}

/// An object with a few keys, mostly known field names.
pub fn object(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let mut map = Map::new();
    for _ in 0..u.int_in_range(0..=12)? {
        let name = key(u)?;
        let item = field_value(u, &name, depth)?;
        map.insert(name, item);
    }
    Ok(Value::Object(map))
}

/// A tag `{Key, Value}`, with its parts sometimes missing or of the wrong type.
pub fn tag(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let mut map = Map::new();
    for name in ["Key", "Value"] {
        match u.int_in_range(0..=5)? {
            0 => {}
            1 => {
                map.insert(name.into(), value(u, depth)?);
            }
            _ => {
                map.insert(name.into(), Value::String(text(u)?));
            }
        }
    }
    if u.ratio(1, 8)? {
        map.insert(key(u)?, value(u, depth)?);
    }
    Ok(Value::Object(map))
}

/// A value for a named field: mostly of the type the field wants, sometimes anything.
pub fn field_value(u: &mut Unstructured<'_>, name: &str, depth: u32) -> Result<Value> {
    if u.ratio(1, 4)? {
        return value(u, depth);
    }
    Ok(match name {
        "Years" | "RateLimitPerSecond" => {
            if u.arbitrary()? {
                number(u)?
            } else {
                Value::String(text(u)?)
            }
        }
        "Tags" => {
            let n = *u.choose(&[0, 1, 2, 3, 20, 21])?;
            let mut items = Vec::new();
            for _ in 0..n {
                if u.is_empty() {
                    break;
                }
                items.push(tag(u, depth)?);
            }
            Value::Array(items)
        }
        "Plain" => Value::Bool(u.arbitrary()?),
        _ => Value::String(text(u)?),
    })
}

/// A request that is valid unless the fuzzer decides otherwise, field by field.
pub fn create_request(u: &mut Unstructured<'_>) -> Result<Value> {
    const NAMES: [&str; 5] = [
        "阿里云 Root",
        "Security",
        "Example Ltd",
        "Hangzhou",
        "Zhejiang",
    ];
    const ALGORITHMS: [&str; 7] = [
        "RSA_1024", "RSA_2048", "RSA_4096", "ECC_256", "ECC_384", "ECC_512", "SM2_256",
    ];
    let mut map = Map::new();
    for (index, name) in CREATE_FIELDS.iter().enumerate() {
        let good = match *name {
            "CountryCode" => Some(Value::from(*u.choose(&["CN", "cn", "GB", ""])?)),
            "Algorithm" => Some(Value::from(*u.choose(&ALGORITHMS)?)),
            "Years" => Some(Value::from(u.int_in_range(1u8..=10)?)),
            "ClientToken" => Some(Value::from(*u.choose(&["t1", "t2", "t3"])?)),
            "Tags" => Some(serde_json::json!([{"Key": "env", "Value": "prod"}])),
            "ResourceGroupId" => Some(Value::from("rg-abc123")),
            _ => Some(Value::from(NAMES[index.min(4)])),
        };
        match u.int_in_range(0..=9)? {
            0 => {}
            1 => {
                map.insert((*name).into(), field_value(u, name, 1)?);
            }
            2..=4 if index >= 5 => {}
            _ => {
                if let Some(good) = good {
                    map.insert((*name).into(), good);
                }
            }
        }
    }
    if u.ratio(1, 16)? {
        map.insert(key(u)?, value(u, 1)?);
    }
    Ok(Value::Object(map))
}

/// A clock that shows one instant, which the target may move.
#[derive(Clone, Debug)]
pub struct FixedClock(pub std::rc::Rc<std::cell::Cell<UnixMillis>>);

impl Clock for FixedClock {
    fn now(&self) -> UnixMillis {
        self.0.get()
    }
}

/// A deterministic random number source (SplitMix64) that fails once `budget` bytes were
/// drawn, when a budget is set. Fine for fuzzing; never for real keys.
#[derive(Clone, Debug)]
pub struct FuzzEntropy {
    state: u64,
    budget: Option<usize>,
}

impl FuzzEntropy {
    /// A source seeded with `seed`, failing after `budget` bytes if given.
    pub fn new(seed: u64, budget: Option<usize>) -> Self {
        Self {
            state: seed,
            budget,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Entropy for FuzzEntropy {
    fn fill(&mut self, dest: &mut [u8]) -> std::result::Result<(), EntropyError> {
        if let Some(budget) = &mut self.budget {
            *budget = budget.checked_sub(dest.len()).ok_or(EntropyError)?;
        }
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}
