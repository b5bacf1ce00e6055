//! Borrowed reading of zap JSON records.
//!
//! One pass over the object records where each top-level key and value starts and ends;
//! a value is decoded only when a parser asks for it. A zap record is a flat object
//! whose values are mostly strings, so this is several times cheaper than building a
//! `serde_json::Map` of the whole line, and most lines only ever need `msg`, `ts` and
//! one or two fields.

use serde_json::Value;
use std::borrow::Cow;

/// The top-level fields of one JSON object, borrowed from the line.
#[derive(Clone, Debug, Default)]
pub struct Fields<'a> {
    src: Cow<'a, [u8]>,
    /// (key start, key end, value start, value end); keys without their quotes, values as
    /// raw JSON text.
    spans: Vec<[u32; 4]>,
}

/// Why a line is not a JSON object.
#[derive(Debug, PartialEq, Eq)]
pub struct NotJson;

impl<'a> Fields<'a> {
    /// Scan the first JSON object of `src` (anything after its closing brace is ignored,
    /// as when a record is followed by the start of another one).
    pub fn scan(src: Cow<'a, [u8]>) -> Result<Fields<'a>, NotJson> {
        let spans = scan_object(&src)?;
        Ok(Fields { src, spans })
    }

    /// Fields of an empty object.
    pub fn empty() -> Fields<'static> {
        Fields::default()
    }

    /// Number of top-level keys.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the object has no keys.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Raw JSON text of the value of `key` (the last one when a key repeats, as
    /// `serde_json` does).
    pub fn raw(&self, key: &str) -> Option<Cow<'_, str>> {
        let s = self.span(key)?;
        Some(String::from_utf8_lossy(
            &self.src[s[2] as usize..s[3] as usize],
        ))
    }

    /// The span of `key`, the last one when a key repeats.
    fn span(&self, key: &str) -> Option<[u32; 4]> {
        self.spans
            .iter()
            .rev()
            .find(|s| &self.src[s[0] as usize..s[1] as usize] == key.as_bytes())
            .copied()
    }

    /// The value of `key` when it is a string, unescaped (borrowed when it has no
    /// escapes).
    pub fn get_str(&self, key: &str) -> Option<Cow<'_, str>> {
        match self.raw(key)? {
            Cow::Borrowed(raw) => {
                let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
                if !inner.contains('\\') {
                    return Some(Cow::Borrowed(inner));
                }
                serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
            }
            Cow::Owned(raw) => serde_json::from_str::<String>(&raw).ok().map(Cow::Owned),
        }
    }

    /// Like [`Fields::get_str`], borrowing from the line itself when it can.
    pub fn get_str_borrowed(&self, key: &str) -> Option<Cow<'a, str>> {
        match &self.src {
            Cow::Borrowed(b) => {
                let b: &'a [u8] = b;
                let s = self.span(key)?;
                let raw = &b[s[2] as usize..s[3] as usize];
                let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
                if memchr::memchr(b'\\', inner).is_none() {
                    if let Ok(t) = std::str::from_utf8(inner) {
                        return Some(Cow::Borrowed(t));
                    }
                }
                self.get_str(key).map(|c| Cow::Owned(c.into_owned()))
            }
            Cow::Owned(_) => self.get_str(key).map(|c| Cow::Owned(c.into_owned())),
        }
    }

    /// The decoded value of `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        serde_json::from_str(&self.raw(key)?).ok()
    }

    /// The first of `keys` whose value is a string.
    pub fn first_str(&self, keys: &[&str]) -> Option<Cow<'_, str>> {
        keys.iter().find_map(|k| self.get_str(k))
    }

    /// Every key with its value as text (strings unescaped, other values as raw JSON),
    /// in line order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Cow<'_, str>)> + '_ {
        self.spans.iter().filter_map(|s| {
            let key = std::str::from_utf8(&self.src[s[0] as usize..s[1] as usize]).ok()?;
            let val = match self.src[s[2] as usize] {
                b'"' => self.get_str(key)?,
                _ => String::from_utf8_lossy(&self.src[s[2] as usize..s[3] as usize]),
            };
            Some((key, val))
        })
    }

    /// Same fields, owning their text.
    pub fn into_owned(self) -> Fields<'static> {
        Fields {
            src: Cow::Owned(self.src.into_owned()),
            spans: self.spans,
        }
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// End (exclusive, after the closing quote) of the string starting at `b[i] == '"'`.
fn string_end(b: &[u8], i: usize) -> Result<usize, NotJson> {
    let mut j = i + 1;
    loop {
        let k = j + memchr::memchr2(b'"', b'\\', &b[j..]).ok_or(NotJson)?;
        if b[k] == b'"' {
            return Ok(k + 1);
        }
        // backslash: skip the escaped character
        if k + 1 >= b.len() {
            return Err(NotJson);
        }
        j = k + 2;
    }
}

/// End of the array/object value starting at `b[i]`.
fn nested_end(b: &[u8], i: usize) -> Result<usize, NotJson> {
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'"' => {
                j = string_end(b, j)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    Err(NotJson)
}

fn scalar_end(b: &[u8], i: usize) -> Result<usize, NotJson> {
    let mut j = i;
    while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    let t = &b[i..j];
    let ok = match t.first() {
        Some(b'-' | b'0'..=b'9') => t
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')),
        _ => matches!(t, b"true" | b"false" | b"null"),
    };
    if ok {
        Ok(j)
    } else {
        Err(NotJson)
    }
}

fn scan_object(b: &[u8]) -> Result<Vec<[u32; 4]>, NotJson> {
    if b.len() > u32::MAX as usize {
        return Err(NotJson);
    }
    let mut spans = Vec::with_capacity(12);
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(NotJson);
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(spans);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(NotJson);
        }
        let kend = string_end(b, i)?;
        let (ks, ke) = (i + 1, kend - 1);
        i = ws(b, kend);
        if b.get(i) != Some(&b':') {
            return Err(NotJson);
        }
        i = ws(b, i + 1);
        let vs = i;
        let ve = match b.get(i) {
            Some(b'"') => string_end(b, i)?,
            Some(b'{' | b'[') => nested_end(b, i)?,
            Some(_) => scalar_end(b, i)?,
            None => return Err(NotJson),
        };
        spans.push([ks as u32, ke as u32, vs as u32, ve as u32]);
        i = ws(b, ve);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return Ok(spans),
            _ => return Err(NotJson),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Fields<'_> {
        Fields::scan(Cow::Borrowed(s.as_bytes())).unwrap()
    }

    #[test]
    fn reads_a_zap_record() {
        let line = r#"{"level":"warn","ts":"2023-05-01T10:00:05.123Z","caller":"etcdserver/util.go:167","msg":"apply request took too long","took":"1.062730115s","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/pods/default/web-0\" ","response":"","error":"etcdserver: leader changed"}"#;
        let x = f(line);
        assert_eq!(x.len(), 10);
        assert_eq!(x.get_str("msg").unwrap(), "apply request took too long");
        assert_eq!(
            x.get_str("request").unwrap(),
            "key:\"/registry/pods/default/web-0\" "
        );
        assert!(matches!(x.get_str("ts").unwrap(), Cow::Borrowed(_)));
        assert_eq!(x.get_str("missing"), None);
    }

    #[test]
    fn values_of_every_type() {
        let x = f(
            r#" { "a" : [1, {"b": "]}"}], "n": -1.5e3, "t": true, "o": {"x": [ ] }, "s": "\u00e9\n" } trailing"#,
        );
        assert_eq!(x.get("n").unwrap().as_f64(), Some(-1500.0));
        assert_eq!(x.get("t").unwrap().as_bool(), Some(true));
        assert_eq!(x.get("a").unwrap()[1]["b"], "]}");
        assert_eq!(x.get_str("s").unwrap(), "é\n");
        assert_eq!(x.get_str("n"), None);
        assert!(x.get("o").unwrap().is_object());
    }

    #[test]
    fn last_duplicate_wins_like_serde() {
        let x = f(r#"{"k":"1","k":"2"}"#);
        assert_eq!(x.get_str("k").unwrap(), "2");
    }

    #[test]
    fn rejects_what_serde_rejects() {
        for bad in [
            r#"{"level":"info","msg":"cut"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":tru}"#,
            r#"["a"]"#,
            r#"{"a":"x"\"#,
            "",
        ] {
            assert!(
                Fields::scan(Cow::Borrowed(bad.as_bytes())).is_err(),
                "{bad}"
            );
            assert!(serde_json::from_str::<serde_json::Map<String, Value>>(bad).is_err());
        }
        assert!(f("{}").is_empty());
    }
}
