//! Check digits for FIGI (Bloomberg's algorithm) and ISIN (ISO 6166).

/// Numeric value of an identifier character: `0`–`9` as themselves,
/// `A`–`Z` as 10–35. `None` for anything else.
fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        'A'..='Z' => Some(u32::from(c) - u32::from('A') + 10),
        _ => None,
    }
}

/// Sum of the decimal digits of `n`.
fn digit_sum(mut n: u32) -> u32 {
    let mut sum = 0;
    while n > 0 {
        sum += n % 10;
        n /= 10;
    }
    sum
}

/// The FIGI check digit for the first 11 characters.
///
/// Each character is converted to its value (digits as-is, letters A=10 …
/// Z=35); every second value (the 2nd, 4th, … character) is doubled; the
/// decimal digits of all values are summed; the check digit is
/// `(10 - sum % 10) % 10`.
pub(crate) fn figi_check_digit(first11: &str) -> Option<char> {
    if first11.chars().count() != 11 {
        return None;
    }
    let mut sum = 0;
    for (index, c) in first11.chars().enumerate() {
        let mut value = char_value(c)?;
        if index % 2 == 1 {
            value *= 2;
        }
        sum += digit_sum(value);
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

#[cfg(test)]
/// Whether `figi` is a well-formed 12-character FIGI with a valid check digit.
pub(crate) fn is_valid_figi(figi: &str) -> bool {
    let chars: Vec<char> = figi.chars().collect();
    if chars.len() != 12 || chars[2] != 'G' {
        return false;
    }
    // FIGIs use digits and upper-case consonants only.
    if chars[..11]
        .iter()
        .any(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase()) || "AEIOU".contains(*c))
    {
        return false;
    }
    figi_check_digit(&figi[..11]).is_some_and(|check| chars[11] == check)
}

/// The ISIN check digit for the first 11 characters (country code + NSIN).
///
/// Letters become two digits (A=10 … Z=35), giving a string of digits; then
/// Luhn: from the rightmost digit leftwards, every other digit starting with
/// the rightmost is doubled, the digits of the results are summed, and the
/// check digit is `(10 - sum % 10) % 10`.
pub(crate) fn isin_check_digit(first11: &str) -> Option<char> {
    if first11.chars().count() != 11 {
        return None;
    }
    let mut digits = Vec::with_capacity(22);
    for c in first11.chars() {
        let value = char_value(c)?;
        if value >= 10 {
            digits.push(value / 10);
        }
        digits.push(value % 10);
    }
    let mut sum = 0;
    for (position, digit) in digits.iter().rev().enumerate() {
        let value = if position % 2 == 0 { digit * 2 } else { *digit };
        sum += digit_sum(value);
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

#[cfg(test)]
/// Whether `isin` is a well-formed 12-character ISIN with a valid check digit.
pub(crate) fn is_valid_isin(isin: &str) -> bool {
    let chars: Vec<char> = isin.chars().collect();
    chars.len() == 12
        && chars[..2].iter().all(char::is_ascii_uppercase)
        && chars[2..11]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && isin_check_digit(&isin[..11]).is_some_and(|check| chars[11] == check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_figis_validate() {
        // IBM, Apple, Microsoft (Bloomberg composite FIGIs).
        for figi in ["BBG000BLNNH6", "BBG000B9XRY4", "BBG000BPH459"] {
            assert!(is_valid_figi(figi), "{figi}");
        }
        assert_eq!(figi_check_digit("BBG000BLNNH"), Some('6'));
    }

    #[test]
    fn corrupted_figis_fail() {
        assert!(!is_valid_figi("BBG000BLNNH7"));
        assert!(!is_valid_figi("BBG000BLNNH"));
        assert!(!is_valid_figi("BBA000BLNNH6"));
        assert!(!is_valid_figi("BBG000BLANH6"));
    }

    #[test]
    fn known_isins_validate() {
        // Apple, BAE Systems, Treasury Corp of Victoria, SAP, Toyota.
        for isin in [
            "US0378331005",
            "GB0002634946",
            "AU0000XVGZA3",
            "DE0007164600",
            "JP3633400001",
        ] {
            assert!(is_valid_isin(isin), "{isin}");
        }
        assert_eq!(isin_check_digit("US037833100"), Some('5'));
    }

    #[test]
    fn corrupted_isins_fail() {
        assert!(!is_valid_isin("US0378331006"));
        assert!(!is_valid_isin("US037833100"));
        assert!(!is_valid_isin("us0378331005"));
    }
}
