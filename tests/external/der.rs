//! A deliberately tiny DER reader for the assertions that must look at raw bytes: tags of
//! strings and times, minimal lengths and minimal INTEGERs.
//!
//! It only splits tag-length-value triples (single-byte tags, definite lengths) and panics on
//! anything else, which in a test is the failure we want. It shares no code with the crate.

/// One DER element.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// The tag byte, e.g. 0x30 for SEQUENCE, 0x17 for UTCTime.
    pub tag: u8,
    /// The contents octets.
    pub content: &'a [u8],
    /// The whole element: tag, length and contents.
    pub raw: &'a [u8],
}

/// Reads one element from the front of `input` and returns it with the rest. Panics unless
/// the length is encoded in the fewest octets (DER, X.690 §10.1).
pub fn read(input: &[u8]) -> (Tlv<'_>, &[u8]) {
    assert!(input.len() >= 2, "truncated DER: {input:02x?}");
    let tag = input[0];
    assert_ne!(tag & 0x1F, 0x1F, "multi-byte tags are not expected here");
    let (length, header) = match input[1] {
        short @ 0..=0x7F => (usize::from(short), 2),
        0x80 => panic!("indefinite length is not DER"),
        long => {
            let count = usize::from(long & 0x7F);
            assert!(count <= 4, "length of {count} octets");
            let octets = &input[2..2 + count];
            assert_ne!(octets[0], 0, "length with a leading zero octet is not DER");
            let length = octets
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            assert!(length >= 0x80, "long form for a short length is not DER");
            (length, 2 + count)
        }
    };
    assert!(
        input.len() >= header + length,
        "element of {length} octets overruns its input"
    );
    let raw = &input[..header + length];
    let tlv = Tlv {
        tag,
        content: &raw[header..],
        raw,
    };
    (tlv, &input[header + length..])
}

/// Reads exactly one element that fills `input`.
pub fn read_all(input: &[u8]) -> Tlv<'_> {
    let (tlv, rest) = read(input);
    assert!(rest.is_empty(), "{} octets after the element", rest.len());
    tlv
}

/// The elements inside a constructed element's contents, in order.
pub fn children<'a>(tlv: &Tlv<'a>) -> Vec<Tlv<'a>> {
    assert_ne!(tlv.tag & 0x20, 0, "tag {:#04x} is not constructed", tlv.tag);
    let mut rest = tlv.content;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (child, next) = read(rest);
        out.push(child);
        rest = next;
    }
    out
}

/// Asserts that `tlv` is a DER INTEGER holding a positive value in the fewest octets (no
/// superfluous leading 0x00, no negative value) and returns its magnitude without the sign
/// octet.
pub fn positive_integer<'a>(tlv: &Tlv<'a>, what: &str) -> &'a [u8] {
    assert_eq!(tlv.tag, 0x02, "{what} is not an INTEGER");
    let bytes = tlv.content;
    assert!(!bytes.is_empty(), "{what}: empty INTEGER");
    assert_eq!(bytes[0] & 0x80, 0, "{what}: negative INTEGER {bytes:02x?}");
    if bytes.len() > 1 && bytes[0] == 0 {
        assert_ne!(
            bytes[1] & 0x80,
            0,
            "{what}: superfluous leading zero octet {bytes:02x?}"
        );
        return &bytes[1..];
    }
    assert!(bytes.iter().any(|&b| b != 0), "{what}: zero");
    bytes
}
