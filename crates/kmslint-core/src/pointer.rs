//! JSON pointers (RFC 6901) to the nodes findings are at: writing one for a span, escaping and
//! unescaping its tokens, and reading the resource it names. The one place that knows `~0` and
//! `~1`.

use std::borrow::Cow;

use crate::source::{Node, Span, Value};

/// The JSON pointer of the innermost node whose span (or key) contains `span`, descending
/// into key policies written as JSON strings (`embedded`: host span, parsed policy).
pub(crate) fn pointer_to(root: &Node<'_>, embedded: &[(Span, &Node<'_>)], span: Span) -> String {
    let mut pointer = String::new();
    let mut node = root;
    'descend: loop {
        match &node.value {
            Value::Map(entries) => {
                // Entries are in source order, so the one that starts last at or before the
                // span is the likely container; big `Resources` mappings make a scan costly.
                // The scan stays as the fallback (a duplicate key keeps its first place).
                let guess = entries
                    .partition_point(|e| e.key_span.start <= span.start)
                    .checked_sub(1);
                let order = guess.into_iter().chain(0..entries.len());
                for entry in order.map(|i| &entries[i]) {
                    if entry.key_span.contains(span) {
                        push_token(&mut pointer, &entry.key);
                        break 'descend;
                    }
                    if entry.value.span.contains(span) {
                        push_token(&mut pointer, &entry.key);
                        node = &entry.value;
                        continue 'descend;
                    }
                }
                break;
            }
            Value::Seq(items) => {
                let guess = items
                    .partition_point(|item| item.span.start <= span.start)
                    .checked_sub(1);
                for i in guess.into_iter().chain(0..items.len()) {
                    let item = &items[i];
                    if item.span.contains(span) {
                        pointer.push('/');
                        pointer.push_str(&i.to_string());
                        node = item;
                        continue 'descend;
                    }
                }
                break;
            }
            Value::Scalar(_) => {
                match embedded
                    .iter()
                    .find(|(host, inner)| *host == node.span && inner.span.contains(span))
                {
                    Some((_, inner)) => node = inner,
                    None => break,
                }
            }
            Value::Invalid => break,
        }
    }
    pointer
}

/// Appends `/` and `key` as one pointer token.
pub(crate) fn push_token(pointer: &mut String, key: &str) {
    pointer.push('/');
    pointer.push_str(&escape(key));
}

/// `key` as a pointer token: `~` as `~0`, `/` as `~1`.
pub(crate) fn escape(key: &str) -> Cow<'_, str> {
    // Most keys have nothing to escape: no copies for them.
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

/// The key a pointer token names: [`escape`] undone (`~1` first, so `~01` is `~1`).
pub(crate) fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// `/Resources/Key/...` belongs to resource `Key`.
pub(crate) fn resource_of(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/Resources/")?;
    let name = rest.split('/').next()?;
    Some(unescape(name).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_escape_and_unescape_tilde_and_slash() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        // `~01` is an escaped `~` then `1`, not an escaped `/`.
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape(&escape("~1/")), "~1/");
        assert_eq!(
            resource_of("/Resources/a~1b/Properties"),
            Some("a/b".to_owned())
        );
        assert_eq!(resource_of("/Parameters/P"), None);
    }
}
