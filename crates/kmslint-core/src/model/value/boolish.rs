//! How a value reads where CloudFormation expects a boolean.

use crate::source::Style;

use super::{Alt, Val};

/// How a value reads as a boolean property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Boolish {
    True,
    False,
    /// YAML 1.1's `yes`/`no`/`on`/`off`/`y`/`n`: a boolean to some parsers, a string to others.
    Ambiguous(bool),
    /// Not a boolean at all (`"maybe"`, a list).
    NotBool,
    Unknown,
}

impl Alt<'_> {
    pub(crate) fn as_bool(&self) -> Boolish {
        let text = match &self.val {
            Val::Text(t) => match t.literal() {
                Some(s) => s,
                None => return Boolish::Unknown,
            },
            Val::Node(_) => return Boolish::NotBool,
            Val::NoValue | Val::Unknown => return Boolish::Unknown,
        };
        let plain = matches!(self.style(), Some(Style::Plain));
        match text {
            "true" | "True" | "TRUE" => Boolish::True,
            "false" | "False" | "FALSE" => Boolish::False,
            // CloudFormation converts the strings "true"/"false" in any case.
            t if t.eq_ignore_ascii_case("true") => Boolish::True,
            t if t.eq_ignore_ascii_case("false") => Boolish::False,
            "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" if plain => {
                Boolish::Ambiguous(true)
            }
            "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" if plain => {
                Boolish::Ambiguous(false)
            }
            _ => Boolish::NotBool,
        }
    }
}
