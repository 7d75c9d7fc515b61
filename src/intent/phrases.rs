//! [`Phrases`]: what an intent says, in each language it speaks, picked by the turn's language.
//!
//! ```text
//! const WHICH_CITY: Phrases = Phrases::new(&[
//!     ("en", "Which city?"),
//!     ("ja", "どの都市ですか？"),
//! ]);
//! Reply::text(WHICH_CITY.get(&turn))
//! ```
//!
//! The first entry is the default, used for any language the table does not have. Entries are
//! any `Copy` value (a string, an array of chip labels, a small struct), keyed by the primary
//! language subtag (`ja` also answers `ja-JP`).

use std::fmt::{Display, Write as _};

use crate::protocol::Turn;

/// A value per language; the first entry is the default.
#[derive(Debug, Clone, Copy)]
pub struct Phrases<T: 'static = &'static str> {
    default: (&'static str, T),
    others: &'static [(&'static str, T)],
}

impl<T: Copy> Phrases<T> {
    /// A table of `(language, value)` entries.
    ///
    /// # Panics
    /// When `entries` is empty; in a `const` item that is a compile error.
    // Tables are `const` items (the examples and the README show them so): the panic happens
    // at compile time, never on a request.
    #[allow(clippy::panic)]
    pub const fn new(entries: &'static [(&'static str, T)]) -> Self {
        match entries {
            [default, others @ ..] => Phrases {
                default: *default,
                others,
            },
            [] => panic!("a phrase table needs at least one language"),
        }
    }

    /// The entry for the turn's language, else the default.
    pub fn get(&self, turn: &Turn) -> T {
        self.entry(&turn.language()).1
    }

    /// The language of the entry [`get`](Self::get) picks, e.g. to ask an upstream API for
    /// names in the language of the answer.
    pub fn language(&self, turn: &Turn) -> &'static str {
        self.entry(&turn.language()).0
    }

    fn entry(&self, language: &str) -> &(&'static str, T) {
        self.others
            .iter()
            .find(|(lang, _)| lang.eq_ignore_ascii_case(language))
            .unwrap_or(&self.default)
    }
}

impl Phrases<&'static str> {
    /// The turn's phrase with each `{name}` replaced by its value in `values`; a placeholder
    /// without a value stays as written. Values are inserted as they are, never read as
    /// placeholders themselves.
    pub fn fill(&self, turn: &Turn, values: &[(&str, &dyn Display)]) -> String {
        let mut out = String::new();
        let mut rest = self.get(turn);
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (v, close))
            });
            match value {
                Some((v, close)) => {
                    let _ = write!(out, "{v}");
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: Phrases =
        Phrases::new(&[("en", "Hi {name}!"), ("ja", "{name}さん、こんにちは！")]);

    fn turn(language_code: &str) -> Turn {
        Turn {
            language_code: language_code.into(),
            ..Turn::default()
        }
    }

    #[test]
    fn picks_the_turn_language_by_primary_subtag() {
        assert_eq!(HELLO.get(&turn("ja-JP")), "{name}さん、こんにちは！");
        assert_eq!(HELLO.language(&turn("JA")), "ja");
    }

    #[test]
    fn falls_back_to_the_first_language() {
        for code in ["de", "", "en-GB"] {
            assert_eq!(HELLO.get(&turn(code)), "Hi {name}!", "{code}");
            assert_eq!(HELLO.language(&turn(code)), "en", "{code}");
        }
    }

    #[test]
    fn fill_replaces_named_placeholders_once() {
        let name: &dyn Display = &"{name}";
        assert_eq!(HELLO.fill(&turn("en"), &[("name", &"Aiko")]), "Hi Aiko!");
        assert_eq!(HELLO.fill(&turn("en"), &[("name", name)]), "Hi {name}!");
        assert_eq!(HELLO.fill(&turn("en"), &[("other", &1)]), "Hi {name}!");
        let odd: Phrases = Phrases::new(&[("en", "{a} {b {c}")]);
        assert_eq!(odd.fill(&turn("en"), &[("a", &1), ("c", &3.5)]), "1 {b 3.5");
    }

    #[test]
    fn entries_may_be_any_copy_value() {
        const CHIPS: Phrases<[&str; 2]> =
            Phrases::new(&[("en", ["Yes", "No"]), ("ja", ["はい", "いいえ"])]);
        assert_eq!(CHIPS.get(&turn("ja")), ["はい", "いいえ"]);
    }
}
