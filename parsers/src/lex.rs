//! Lexing shared by the readers: the run of decimal digits the fast paths
//! read, and JSON numbers (the JSON reader and `ltl`'s trace reader use the
//! same grammar; each says in its own words what went wrong).

/// The run of at most 18 decimal digits at `i` (so the value fits an `i64`
/// without a check): its value, its first digit and the position after it.
/// `None` when `b[i]` is not a digit. What may follow the run is the caller's
/// rule (a delimiter in EDN, not more of a number in JSON).
#[inline(always)]
pub(crate) fn digits18(b: &[u8], i: usize) -> Option<(i64, u8, usize)> {
    let first = b.get(i)?.wrapping_sub(b'0');
    if first > 9 {
        return None;
    }
    let lim = b.len().min(i + 18);
    let mut v = first as i64;
    let mut j = i + 1;
    while j < lim {
        let d = b[j].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + d as i64;
        j += 1;
    }
    Some((v, first, j))
}

/// What a JSON number is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumKind {
    /// An integer that fits an `i64`.
    Int(i64),
    /// An integer beyond 64 bits; its text is the number's span.
    BigInt,
    /// A number with a fraction or an exponent; its text is the number's span.
    Float,
}

/// Where a JSON number is malformed: the offset at which a digit was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumError {
    /// No digit at the start of the integer part (after an optional `-`).
    Digit(usize),
    /// A leading zero followed by more digits: the offset of the zero.
    LeadingZero(usize),
    /// No digit after the decimal point.
    Fraction(usize),
    /// No digit in the exponent (after `e` and an optional sign).
    Exponent(usize),
}

/// Lexes the JSON number (RFC 8259 grammar) that starts at `start` (a `-` or a
/// digit): what it is and the offset after it. The span `b[start..end]` is
/// ASCII; a caller reading a float parses that text with `str::parse::<f64>`,
/// which rounds correctly, so both readers read every float exactly.
#[inline]
pub fn json_number(b: &[u8], start: usize) -> Result<(NumKind, usize), NumError> {
    let mut j = start;
    let neg = b.get(j) == Some(&b'-');
    if neg {
        j += 1;
    }
    let first = j;
    // The magnitude, in u64 so that -9223372036854775808 is an integer too.
    let mut acc: u64 = 0;
    while let Some(&d) = b.get(j) {
        if !d.is_ascii_digit() {
            break;
        }
        acc = acc.wrapping_mul(10).wrapping_add((d - b'0') as u64);
        j += 1;
    }
    if j == first {
        return Err(NumError::Digit(first));
    }
    if b[first] == b'0' && j - first > 1 {
        return Err(NumError::LeadingZero(first));
    }
    // 19 digits always fit in a u64; more never fit in an i64.
    let overflow = j - first > 19;
    let mut float = false;
    if b.get(j) == Some(&b'.') {
        float = true;
        j = digits(b, j + 1).ok_or(NumError::Fraction(j + 1))?;
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        float = true;
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        j = digits(b, j).ok_or(NumError::Exponent(j))?;
    }
    const MIN_MAG: u64 = 1 << 63;
    let kind = match (float, overflow, neg) {
        (true, _, _) => NumKind::Float,
        (false, false, false) if acc <= i64::MAX as u64 => NumKind::Int(acc as i64),
        (false, false, true) if acc < MIN_MAG => NumKind::Int(-(acc as i64)),
        (false, false, true) if acc == MIN_MAG => NumKind::Int(i64::MIN),
        _ => NumKind::BigInt,
    };
    Ok((kind, j))
}

/// One or more digits at `j`: the offset after them.
#[inline]
fn digits(b: &[u8], mut j: usize) -> Option<usize> {
    if !b.get(j)?.is_ascii_digit() {
        return None;
    }
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Result<(NumKind, usize), NumError> {
        json_number(s.as_bytes(), 0)
    }

    #[test]
    fn json_numbers() {
        assert_eq!(lex("0"), Ok((NumKind::Int(0), 1)));
        assert_eq!(lex("-12,"), Ok((NumKind::Int(-12), 3)));
        assert_eq!(lex("9223372036854775807"), Ok((NumKind::Int(i64::MAX), 19)));
        assert_eq!(lex("-9223372036854775808"), Ok((NumKind::Int(i64::MIN), 20)));
        assert_eq!(lex("9223372036854775808"), Ok((NumKind::BigInt, 19)));
        assert_eq!(lex("-9223372036854775809"), Ok((NumKind::BigInt, 20)));
        assert_eq!(lex("123456789012345678901234"), Ok((NumKind::BigInt, 24)));
        assert_eq!(lex("1.5e-3]"), Ok((NumKind::Float, 6)));
        assert_eq!(lex("2E+10"), Ok((NumKind::Float, 5)));
        assert_eq!(lex("-"), Err(NumError::Digit(1)));
        assert_eq!(lex("-x"), Err(NumError::Digit(1)));
        assert_eq!(lex("-012"), Err(NumError::LeadingZero(1)));
        assert_eq!(lex("1."), Err(NumError::Fraction(2)));
        assert_eq!(lex("1.e5"), Err(NumError::Fraction(2)));
        assert_eq!(lex("1e+"), Err(NumError::Exponent(3)));
        assert_eq!(lex("1Ex"), Err(NumError::Exponent(2)));
    }

    #[test]
    fn digit_runs() {
        assert_eq!(digits18(b"123 ", 0), Some((123, 1, 3)));
        assert_eq!(digits18(b"x1", 0), None);
        assert_eq!(digits18(b"0123", 0), Some((123, 0, 4)));
        // At most 18 digits: the 19th is left for the caller to refuse.
        assert_eq!(digits18(b"1234567890123456789", 0), Some((123456789012345678, 1, 18)));
    }
}
