//! Make log-derived text safe to print: control characters, escape sequences and
//! bidirectional overrides are replaced before text reaches a terminal.

/// Replace control characters (C0, DEL, C1) and bidi/format characters with visible
/// escapes, so a log line cannot move the cursor, change colours or reorder text.
pub fn terminal(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            match c {
                '\t' => out.push(' '),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || u == 0x7f
        || (0x80..0xa0).contains(&u)
        || matches!(u, 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(terminal("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal("l1\nl2"), "l1\\nl2");
    }
}
