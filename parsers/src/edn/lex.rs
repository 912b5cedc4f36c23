//! Lexing EDN: byte classes of whitespace and symbol bytes, and the leaf
//! grammars (nom) of the rarer number shapes and character names.

use history::Value;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::{alphanumeric1, char as nchar, digit0, digit1, hex_digit1, one_of};
use nom::combinator::{all_consuming, map_opt, opt, recognize, value as nvalue};
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;

/// The longest integer literal in a non-decimal radix that is converted (digits).
pub(super) const MAX_RADIX_DIGITS: usize = 4096;

pub(super) const C_WS: u8 = 1;
pub(super) const C_SYM: u8 = 2;

/// Byte classes: whitespace (including the comma) and the bytes that make up
/// symbols, keywords, numbers and tags (all non-ASCII bytes included).
pub(super) static CLASS: [u8; 256] = build_class();

pub(super) const fn build_class() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f | b',') {
            C_WS
        } else if b.is_ascii_alphanumeric()
            || b >= 0x80
            || matches!(
                b,
                b'.' | b'*'
                    | b'+'
                    | b'!'
                    | b'-'
                    | b'_'
                    | b'?'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'='
                    | b'<'
                    | b'>'
                    | b'/'
                    | b':'
                    | b'#'
                    | b'\''
            )
        {
            C_SYM
        } else {
            0
        };
        i += 1;
    }
    t
}

/// Bytes that end a run of whitespace for [`Parser::skip_ws`] at once: not
/// whitespace, not a comment's `;`, not the `#` of a possible `#_`.
pub(super) static WS_END: [bool; 256] = build_ws_end();

pub(super) const fn build_ws_end() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = CLASS[i] != C_WS && i as u8 != b';' && i as u8 != b'#';
        i += 1;
    }
    t
}

/// The ASCII bytes of symbols and keywords.
pub(super) static ASCII_SYM: [bool; 256] = build_ascii_sym();

pub(super) const fn build_ascii_sym() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = CLASS[i] == C_SYM;
        i += 1;
    }
    t
}

#[inline(always)]
pub(super) fn is_ws(b: u8) -> bool {
    CLASS[b as usize] == C_WS
}

#[inline(always)]
pub(super) fn is_sym(b: u8) -> bool {
    CLASS[b as usize] == C_SYM
}

#[inline(always)]
pub(super) fn is_closer(b: u8) -> bool {
    matches!(b, b'}' | b']' | b')')
}

// ---------------------------------------------------------------------------
// Leaf grammars (nom)

pub(super) type NomRes<'a, T> = IResult<&'a [u8], T, ()>;
/// Sign, `0x`, digits, `N`.
pub(super) type HexParts<'a> = (Option<char>, &'a [u8], &'a [u8], Option<char>);
/// Sign, radix, `r`, digits.
pub(super) type RadixParts<'a> = (Option<char>, &'a [u8], char, &'a [u8]);

pub(super) fn sign(i: &[u8]) -> NomRes<'_, Option<char>> {
    opt(one_of("+-"))(i)
}

/// The text of a number token without a leading `+`.
pub(super) fn unsigned_plus(tok: &[u8]) -> &[u8] {
    tok.strip_prefix(b"+").unwrap_or(tok)
}

pub(super) fn text_of(tok: &[u8]) -> Option<Box<str>> {
    std::str::from_utf8(tok).ok().map(Box::from)
}

/// Any number token the fast path does not take: big or suffixed integers,
/// floats, hexadecimal, radix and ratio literals.
pub(super) fn number_token(tok: &[u8]) -> Option<Value> {
    // Decimal: [+-]digits[.digits][e[+-]digits][N|M]
    let decimal: NomRes<'_, (&[u8], Option<char>)> = all_consuming(tuple((
        recognize(tuple((
            sign,
            digit1,
            opt(pair(nchar('.'), digit0)),
            opt(tuple((one_of("eE"), opt(one_of("+-")), digit1))),
        ))),
        opt(one_of("NM")),
    )))(tok);
    if let Ok((_, (text, suffix))) = decimal {
        let is_int = text.iter().all(|b| b.is_ascii_digit() || *b == b'-' || *b == b'+');
        return match suffix {
            Some('N') if is_int => text_of(unsigned_plus(text)).map(Value::BigInt),
            Some('N') => None,
            Some(_) => text_of(unsigned_plus(text)).map(Value::Decimal),
            None if is_int => {
                let s = std::str::from_utf8(text).ok()?;
                Some(match s.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(unsigned_plus(text).iter().map(|&b| b as char).collect::<String>().into()),
                })
            }
            None => std::str::from_utf8(text).ok()?.parse::<f64>().ok().map(Value::Float),
        };
    }
    // Hexadecimal: [+-]0x…[N]
    let hex: NomRes<'_, HexParts<'_>> =
        all_consuming(tuple((sign, alt((tag("0x"), tag("0X"))), hex_digit1, opt(nchar('N')))))(tok);
    if let Ok((_, (s, _, digits, big))) = hex {
        return radix_value(s == Some('-'), digits, 16, big.is_some());
    }
    // Radix: [+-]NNrDDD
    let radix: NomRes<'_, RadixParts<'_>> = all_consuming(tuple((sign, digit1, one_of("rR"), alphanumeric1)))(tok);
    if let Ok((_, (s, r, _, digits))) = radix {
        let r: u32 = std::str::from_utf8(r).ok()?.parse().ok()?;
        if !(2..=36).contains(&r) {
            return None;
        }
        return radix_value(s == Some('-'), digits, r, false);
    }
    // Ratio: [+-]digits/digits, kept as a symbol of its text.
    let ratio: NomRes<'_, &[u8]> = all_consuming(recognize(tuple((sign, digit1, nchar('/'), digit1))))(tok);
    if let Ok((_, text)) = ratio {
        return text_of(text).map(Value::Symbol);
    }
    None
}

/// An integer written in `radix`: `Int` if it fits, else `BigInt` in decimal.
pub(super) fn radix_value(neg: bool, digits: &[u8], radix: u32, force_big: bool) -> Option<Value> {
    if digits.len() > MAX_RADIX_DIGITS {
        return None;
    }
    const BASE: u64 = 1_000_000_000;
    // Little-endian limbs in base 10^9.
    let mut limbs: Vec<u32> = vec![0];
    for &d in digits {
        let mut carry = (d as char).to_digit(radix)? as u64;
        for l in limbs.iter_mut() {
            let x = *l as u64 * radix as u64 + carry;
            *l = (x % BASE) as u32;
            carry = x / BASE;
        }
        while carry > 0 {
            limbs.push((carry % BASE) as u32);
            carry /= BASE;
        }
    }
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let mut it = limbs.iter().rev();
    s.push_str(&it.next().copied().unwrap_or(0).to_string());
    for l in it {
        s.push_str(&format!("{l:09}"));
    }
    if !force_big {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::Int(i));
        }
    }
    Some(Value::BigInt(s.into()))
}

/// The character named after a backslash: `newline`, `u00e9`, `o101`…
pub(super) fn named_char(name: &[u8]) -> Option<char> {
    let hex4 = |i| take_while_m_n(4, 4, |b: u8| b.is_ascii_hexdigit())(i);
    let oct = |i| take_while_m_n(1, 3, |b: u8| (b'0'..=b'7').contains(&b))(i);
    let r: NomRes<'_, char> = all_consuming(alt((
        nvalue('\n', tag("newline")),
        nvalue(' ', tag("space")),
        nvalue('\t', tag("tab")),
        nvalue('\r', tag("return")),
        nvalue('\u{8}', tag("backspace")),
        nvalue('\u{c}', tag("formfeed")),
        map_opt(preceded(tag("u"), hex4), |h: &[u8]| {
            let s = std::str::from_utf8(h).ok()?;
            char::from_u32(u32::from_str_radix(s, 16).ok()?)
        }),
        map_opt(preceded(tag("o"), oct), |o: &[u8]| {
            let s = std::str::from_utf8(o).ok()?;
            let n = u32::from_str_radix(s, 8).ok()?;
            if n <= 0o377 {
                char::from_u32(n)
            } else {
                None
            }
        }),
    )))(name);
    r.ok().map(|(_, c)| c)
}
