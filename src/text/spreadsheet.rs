//! Which cells a spreadsheet program would run as a formula when it opens a CSV file, and how
//! such a cell is made inert (OWASP's advice against CSV formula injection). One rule for every
//! CSV qcode writes for spreadsheets (`--excel`, review sheets), so they cannot drift apart.
//!
//! What Excel and LibreOffice Calc evaluate when they open a CSV file: a cell starting with `=`,
//! `+`, `-` or `@` (Excel also takes the full-width forms `＝ ＋ － ＠` that a Japanese or
//! Chinese input method types), also after leading spaces, and a cell starting with a tab or a
//! carriage return (which some programs strip before looking at the first character). Not run,
//! and so left as they are: a sign alone (`-` is read as text) and a plain number such as `-3`,
//! `+1.5` or `-2e3` (read as a number, which is what it is).

use std::borrow::Cow;

/// The characters that start a formula, after any leading spaces.
const FORMULA_START: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];

/// Whether a spreadsheet opening a CSV would run `cell` as a formula (see the module's rule).
pub fn runs_as_formula(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r']) {
        return true;
    }
    let rest = cell.trim_start_matches(' ');
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !FORMULA_START.contains(&first) {
        return false;
    }
    let sign_alone = chars.next().is_none() && matches!(first, '+' | '-');
    !(sign_alone || is_plain_number(rest))
}

/// `cell` as a spreadsheet shows it without running it: a leading `'` where it would run.
pub fn inert(cell: &str) -> Cow<'_, str> {
    if runs_as_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// An ASCII decimal number with an optional sign, fraction and exponent (`-3`, `+1.5`, `-.5`,
/// `-2e3`): what a spreadsheet reads as a number.
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_in_every_spelling_are_marked() {
        for cell in [
            "=1+1",
            "+SUM(A1)",
            "-1+2",
            "@SUM(A1)",
            "=HYPERLINK(\"http://x\")",
            "＝1+1",
            "＋1",
            "－A1",
            "＠A1",
            "  =1+1",
            " @x",
            "\tx",
            "\rx",
            "=",
            "@",
            "- item",
            "-A1",
            "-1,5",
        ] {
            assert!(runs_as_formula(cell), "{cell:?}");
            assert_eq!(inert(cell), format!("'{cell}"));
        }
    }

    #[test]
    fn text_signs_alone_and_numbers_are_left_alone() {
        for cell in [
            "",
            "plain",
            "a=b",
            "'=1",
            "-",
            "+",
            " -",
            "-3",
            "+3",
            "-3.25",
            "-.5",
            "+1e5",
            "-2E-3",
            "100",
            "café – naïve",
            "—dash",
            "−3",
        ] {
            assert!(!runs_as_formula(cell), "{cell:?}");
            assert_eq!(inert(cell), cell);
        }
    }

    proptest! {
        #[test]
        fn what_is_made_inert_never_runs(s in ".*") {
            prop_assert!(!runs_as_formula(&inert(s.as_str())));
        }

        #[test]
        fn only_a_cell_that_runs_is_changed(s in ".*") {
            prop_assert_eq!(inert(&s) != s.as_str(), runs_as_formula(&s));
        }

        #[test]
        fn numbers_stay_numbers(i in any::<i64>(), x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let shown = [i.to_string(), x.to_string(), format!("{x:e}"), format!("{x:.3}")];
            for n in shown {
                prop_assert!(!runs_as_formula(&n), "{}", n);
            }
        }

        #[test]
        fn a_formula_start_after_spaces_runs(spaces in " {0,5}", start in "[=+@＝＋－＠-]", rest in "[A-Za-z(][A-Za-z0-9()+]*") {
            let cell = format!("{spaces}{start}{rest}");
            prop_assert!(runs_as_formula(&cell), "{:?}", cell);
        }
    }
}
