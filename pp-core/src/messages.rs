//! How messages show what a user wrote: numbers in a form that reads well at any magnitude
//! ([`show_number`]: `2.5`, `1e300`, never a 300-digit number), and a hint for the JSON
//! syntax slips people make with numbers ([`json_syntax_hint`]: `NaN`, `Infinity`). Every
//! error message of the workspace that quotes a time or a value goes through these.

/// A number as messages show it: as Rust prints it when that is short (`2.5`, `-3`,
/// `1000000`, `0.001`, `NaN`, `inf`), in exponent form when it is very large or very small
/// (`1e300`, `2.5e-9`).
///
/// ```
/// use pp_core::messages::show_number;
/// assert_eq!(show_number(2.5), "2.5");
/// assert_eq!(show_number(-3.0), "-3");
/// assert_eq!(show_number(1e300), "1e300");
/// assert_eq!(show_number(2.5e-9), "2.5e-9");
/// assert_eq!(show_number(f64::NAN), "NaN");
/// assert_eq!(show_number(0.0), "0");
/// ```
pub fn show_number(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-4..1e7).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A hint for a JSON syntax error at `line` and `column` (1-based, as `serde_json` reports
/// them) of `text`, when the word there is one JSON does not have: `NaN`, `Infinity`, `inf`
/// (any case, with a sign). `None` otherwise.
///
/// ```
/// use pp_core::messages::json_syntax_hint;
/// let text = "{\"times\": [1.0, NaN]}";
/// assert!(json_syntax_hint(text, 1, 17).unwrap().contains("JSON has no NaN"));
/// assert!(json_syntax_hint("{\"t\": -Infinity}", 1, 8).is_some());
/// assert_eq!(json_syntax_hint("{\"t\": [1.0,, 2]}", 1, 12), None);
/// ```
pub fn json_syntax_hint(text: &str, line: usize, column: usize) -> Option<&'static str> {
    let line_text = text.lines().nth(line.checked_sub(1)?)?;
    let chars: Vec<char> = line_text.chars().collect();
    if chars.is_empty() {
        return None;
    }
    // the parser stops at the word or just after its first letter: look back to its start
    let mut start = column.saturating_sub(1).min(chars.len() - 1);
    while start > 0 && chars[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    if !chars[start].is_ascii_alphabetic() && start + 1 < chars.len() {
        start += 1;
    }
    let word: String = chars[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(word.as_str(), "nan" | "inf" | "infinity").then_some(
        "JSON has no NaN or Infinity: write a finite number (or null, or a string, where the \
         format allows one)",
    )
}
