//! Reading the mailboxes of From (and Sender) header fields, strictly.
//!
//! Who sent a message is decided from these mailboxes, so they are read by a strict RFC 5322
//! `address-list` parser of our own rather than by a lenient one: a display name, a comment,
//! an encoded word or a group can never hide a mailbox or invent one, and a field that does not
//! follow the grammar is reported as unreadable (the caller then fails the sender check) rather
//! than read as "no mailbox" or as something a mail app might display differently.
//!
//! Accepted: `mailbox` (`addr-spec`, or `[display-name] <addr-spec>`), groups (`name: a, b;`,
//! which RFC 6854 allows in From), comments and folding white space anywhere CFWS may occur,
//! quoted strings with quoted pairs, encoded words in display names (they are atoms to this
//! grammar), periods in display names (`obs-phrase`), empty list elements (`obs-mbox-list`),
//! domain literals, and UTF-8 (RFC 6532). Refused: source routes, a bare word without `@`,
//! text after a mailbox, unbalanced quotes, comments or brackets, control characters.

use super::lines::{field_name, scan_headers};

/// The From header fields of one header block, and its Sender fields.
///
/// A Sender field (RFC 5322 section 3.6.2) names the mailbox of the agent that sent the
/// message on behalf of the From authors (a secretary, a list, a gateway). The sender rule
/// treats it as one more mailbox of the sender: a signer certificate must carry it as well as
/// every From mailbox ([`FromFields::checked_mailboxes`]). So mail sent on someone's behalf is
/// trusted only when the signer's certificate carries both addresses; a Sender the certificate
/// does not carry fails the address check naming that mailbox, and a Sender field that cannot
/// be read fails it as unreadable. It never passes silently.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FromFields {
    /// How many From header fields the block has.
    pub fields: usize,
    /// Every mailbox (bare `addr-spec`, such as `alice@example.com`) of every From field, in
    /// order; groups contribute their members.
    pub mailboxes: Vec<String>,
    /// Why a From or Sender field could not be read, if one could not. Its mailboxes are then
    /// unknown: a sender check must fail rather than rely on [`FromFields::mailboxes`].
    pub unreadable: Option<String>,
    /// How many Sender header fields the block has (RFC 5322 allows at most one).
    pub sender_fields: usize,
    /// Every mailbox of every Sender field, in order.
    pub sender: Vec<String>,
}

impl FromFields {
    /// Whether the block has at least one From field.
    pub fn present(&self) -> bool {
        self.fields > 0
    }

    /// The mailboxes the sender rule holds a signer certificate to: every From mailbox, then
    /// every Sender mailbox that is not already one of them (compared as addresses: domain
    /// case-insensitive, local part exact). Empty when there is no From mailbox: a Sender
    /// without an author does not make a message checkable.
    pub fn checked_mailboxes(&self) -> Vec<String> {
        if self.mailboxes.is_empty() {
            return Vec::new();
        }
        let mut out = self.mailboxes.clone();
        for s in &self.sender {
            if !out.iter().any(|m| same_address(m, s)) {
                out.push(s.clone());
            }
        }
        out
    }

    /// The Sender mailboxes that name someone other than the From mailboxes.
    pub fn sender_differing_from_from(&self) -> Vec<String> {
        self.sender
            .iter()
            .filter(|s| !self.mailboxes.iter().any(|m| same_address(m, s)))
            .cloned()
            .collect()
    }
}

/// Whether two bare addresses are the same mailbox (domain case-insensitive, local part
/// exact); unparsable addresses compare byte for byte.
fn same_address(a: &str, b: &str) -> bool {
    match (normalize_address(a), normalize_address(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Reads the From and Sender fields of the header block that starts `entity` (a message, or a
/// MIME entity such as the signed content of a signature). Line endings may be CRLF or LF.
pub fn from_fields(entity: &[u8]) -> FromFields {
    let block = scan_headers(entity, 0);
    let mut out = FromFields::default();
    for field in &block.fields {
        let raw = entity.get(field.clone()).unwrap_or_default();
        let Some(colon) = raw.iter().position(|&b| b == b':') else {
            continue;
        };
        let Some(name) = field_name(raw) else {
            continue;
        };
        let (what, count) = if name.eq_ignore_ascii_case(b"from") {
            out.fields += 1;
            ("From", out.fields)
        } else if name.eq_ignore_ascii_case(b"sender") {
            out.sender_fields += 1;
            ("Sender", out.sender_fields)
        } else {
            continue;
        };
        let value = raw.get(colon + 1..).unwrap_or_default();
        match parse_address_list(value) {
            Ok(list) if what == "From" => out.mailboxes.extend(list),
            Ok(list) => out.sender.extend(list),
            Err(why) => {
                if out.unreadable.is_none() {
                    out.unreadable = Some(format!("{what} field {count} cannot be read: {why}"));
                }
            }
        }
    }
    out
}

/// The From fields that a signature over `signed_entity` protects: those of its own header
/// block (a whole message signed, or RFC 9788 header protection) and, when the entity is a
/// whole message wrapped in `message/rfc822` for protection (RFC 8551 section 3.1; not one
/// marked `forwarded=yes`), those of the wrapped message, which a mail app that honours the
/// wrapping shows instead. When both have From fields, every mailbox of both counts. None
/// present when neither has any.
pub fn protected_from_fields(signed_entity: &[u8]) -> FromFields {
    let mut own = from_fields(signed_entity);
    let Some(range) = super::parse::wrapped_message(signed_entity) else {
        return own;
    };
    let wrapped = from_fields(signed_entity.get(range).unwrap_or_default());
    if !own.present() {
        let mut wrapped = wrapped;
        wrapped.sender_fields += own.sender_fields;
        wrapped.sender.extend(own.sender);
        if wrapped.unreadable.is_none() {
            wrapped.unreadable = own.unreadable;
        }
        return wrapped;
    }
    own.fields += wrapped.fields;
    own.mailboxes.extend(wrapped.mailboxes);
    own.sender_fields += wrapped.sender_fields;
    own.sender.extend(wrapped.sender);
    if own.unreadable.is_none() {
        own.unreadable = wrapped.unreadable;
    }
    own
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A run of atext and periods (an atom, a dot-atom, an encoded word).
    Atom(String),
    /// A quoted string, with its quotes, quoted pairs kept as written.
    Quoted(String),
    /// A domain literal, with its brackets.
    Literal(String),
    /// One of `< > @ , : ;`.
    Special(u8),
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b) || b >= 0x80
}

/// Splits a field value into tokens, dropping white space, line breaks and comments.
fn tokenize(value: &[u8]) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                let mut depth = 0usize;
                loop {
                    match value.get(i) {
                        None => return Err("a comment is not closed".into()),
                        Some(b'\\') => i += 2,
                        Some(b'(') => {
                            depth += 1;
                            i += 1;
                        }
                        Some(b')') => {
                            depth -= 1;
                            i += 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match value.get(i) {
                        None => return Err("a quoted string is not closed".into()),
                        Some(b'\\') => {
                            if value.get(i + 1).is_none() {
                                return Err("a quoted string is not closed".into());
                            }
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(&c) if c < 0x20 && c != b'\t' && c != b'\r' && c != b'\n' => {
                            return Err("a control character in a quoted string".into());
                        }
                        Some(_) => i += 1,
                    }
                }
                let text = value.get(start..i).unwrap_or_default();
                tokens.push(Token::Quoted(String::from_utf8_lossy(text).into_owned()));
            }
            b'[' => {
                let start = i;
                loop {
                    match value.get(i) {
                        None => return Err("a domain literal is not closed".into()),
                        Some(b'\\') => i += 2,
                        Some(b']') => {
                            i += 1;
                            break;
                        }
                        Some(b'[') if i > start => {
                            return Err("'[' inside a domain literal".into());
                        }
                        Some(_) => i += 1,
                    }
                }
                let text = value.get(start..i).unwrap_or_default();
                let text: Vec<u8> = text
                    .iter()
                    .copied()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                tokens.push(Token::Literal(String::from_utf8_lossy(&text).into_owned()));
            }
            b'<' | b'>' | b'@' | b',' | b':' | b';' => {
                tokens.push(Token::Special(b));
                i += 1;
            }
            _ if is_atext(b) => {
                let start = i;
                while value.get(i).is_some_and(|&c| is_atext(c)) {
                    i += 1;
                }
                let text = value.get(start..i).unwrap_or_default();
                tokens.push(Token::Atom(String::from_utf8_lossy(text).into_owned()));
            }
            other => {
                return Err(format!("unexpected character {:?}", char::from(other)));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn at_special(&self, c: u8) -> bool {
        self.peek() == Some(&Token::Special(c))
    }

    /// `local-part "@" domain`, the local part already read.
    fn addr_spec_after_local(&mut self, local: String) -> Result<String, String> {
        if self.next() != Some(Token::Special(b'@')) {
            return Err(format!("{local:?} is not an address (no '@')"));
        }
        let domain = match self.next() {
            Some(Token::Atom(d)) if valid_dot_atom(&d) => d,
            Some(Token::Literal(d)) => d,
            _ => return Err(format!("the address {local}@ has no valid domain")),
        };
        if local.starts_with('"') || valid_dot_atom(&local) {
            Ok(format!("{local}@{domain}"))
        } else {
            Err(format!("{local:?} is not a valid local part"))
        }
    }

    /// `"<" addr-spec ">"`, the `<` already read.
    fn angle_addr(&mut self) -> Result<String, String> {
        let local = match self.next() {
            Some(Token::Atom(l)) | Some(Token::Quoted(l)) => l,
            Some(Token::Special(b'@')) => {
                return Err("source routes are not accepted".into());
            }
            _ => return Err("'<' is not followed by an address".into()),
        };
        let addr = self.addr_spec_after_local(local)?;
        if self.next() != Some(Token::Special(b'>')) {
            return Err(format!("the address <{addr} is not closed by '>'"));
        }
        Ok(addr)
    }

    /// One mailbox, or a group when `groups` (its members are appended), or nothing (an empty
    /// list element).
    fn element(&mut self, groups: bool, out: &mut Vec<String>) -> Result<(), String> {
        let mut phrase: Vec<Token> = Vec::new();
        while let Some(t @ (Token::Atom(_) | Token::Quoted(_))) = self.peek() {
            phrase.push(t.clone());
            self.pos += 1;
        }
        match self.peek() {
            Some(Token::Special(b'@')) => {
                let [Token::Atom(local) | Token::Quoted(local)] = phrase.as_slice() else {
                    return Err("a display name is followed by '@' without '<'".into());
                };
                let local = local.clone();
                out.push(self.addr_spec_after_local(local)?);
            }
            Some(Token::Special(b'<')) => {
                self.pos += 1;
                out.push(self.angle_addr()?);
            }
            Some(Token::Special(b':')) if groups => {
                if phrase.is_empty() {
                    return Err("a group has no name".into());
                }
                self.pos += 1;
                loop {
                    if self.at_special(b';') {
                        self.pos += 1;
                        break;
                    }
                    self.element(false, out)?;
                    match self.next() {
                        Some(Token::Special(b',')) => {}
                        Some(Token::Special(b';')) => break,
                        _ => return Err("a group is not closed by ';'".into()),
                    }
                }
            }
            Some(Token::Special(b',' | b';')) | None if phrase.is_empty() => {}
            _ => {
                return Err(match phrase.first() {
                    Some(Token::Atom(w) | Token::Quoted(w)) => {
                        format!("{w:?} is not followed by an address")
                    }
                    _ => "unexpected text where an address should be".into(),
                });
            }
        }
        Ok(())
    }
}

fn valid_dot_atom(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('.') && !s.ends_with('.') && !s.contains("..")
}

/// Parses an RFC 5322 `address-list` (From allows groups since RFC 6854) into its mailboxes.
fn parse_address_list(value: &[u8]) -> Result<Vec<String>, String> {
    let mut p = Parser {
        tokens: tokenize(value)?,
        pos: 0,
    };
    let mut out = Vec::new();
    loop {
        p.element(true, &mut out)?;
        match p.next() {
            None => break,
            Some(Token::Special(b',')) => {}
            Some(_) => return Err("text after an address".into()),
        }
    }
    Ok(out)
}

/// The two sides of an e-mail address, `local@domain`: surrounding whitespace and angle
/// brackets removed, split at the last `@`. `None` without an `@` or with an empty side.
pub fn split_address(address: &str) -> Option<(&str, &str)> {
    let s = address.trim();
    let s = s.strip_prefix('<').unwrap_or(s);
    let s = s.strip_suffix('>').unwrap_or(s).trim();
    let (local, domain) = s.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    Some((local, domain))
}

/// The index form of an e-mail address: `split_address`, the domain lower-cased (the local
/// part is kept as is).
pub fn normalize_address(address: &str) -> Option<String> {
    let (local, domain) = split_address(address)?;
    Some(format!("{local}@{}", domain.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &str) -> Result<Vec<String>, String> {
        parse_address_list(v.as_bytes())
    }

    #[test]
    fn every_mailbox_is_read() {
        assert_eq!(list(" alice@example.com").unwrap(), ["alice@example.com"]);
        assert_eq!(
            list(" \"Mallory, alice@example.com\" <mallory@evil.example>").unwrap(),
            ["mallory@evil.example"]
        );
        assert_eq!(
            list(" alice@example.com (mallory@evil.example)").unwrap(),
            ["alice@example.com"]
        );
        assert_eq!(
            list(" =?utf-8?q?alice=40example.com?= <mallory@evil.example>").unwrap(),
            ["mallory@evil.example"]
        );
        assert_eq!(
            list(" Team: a@example.com, B <b@example.com>;, c@example.com").unwrap(),
            ["a@example.com", "b@example.com", "c@example.com"]
        );
        assert_eq!(
            list(" John Q. Public <jqp@example.com>, , \"x\\\"y\"@example.com").unwrap(),
            ["jqp@example.com", "\"x\\\"y\"@example.com"]
        );
        assert_eq!(list(" undisclosed:;").unwrap(), Vec::<String>::new());
        assert_eq!(list(" a@[192.0.2.1]").unwrap(), ["a@[192.0.2.1]"]);
    }

    #[test]
    fn what_does_not_follow_the_grammar_is_unreadable() {
        for bad in [
            " =?utf-8?q?mallory=40evil.example?=",
            " Alice",
            " <alice@example.com> mallory@evil.example",
            " alice@example.com mallory@evil.example",
            " <alice@example.com",
            " \"alice@example.com",
            " alice@example.com (comment",
            " <@route.example:alice@example.com>",
            " Alice Smith@example.com",
            " alice@",
            " alice@.example.com",
            " a@example.com; b@example.com",
            " g: a@example.com",
            " g: h: a@example.com;;",
            " alice\\@example.com",
        ] {
            assert!(list(bad).is_err(), "{bad:?} was read as {:?}", list(bad));
        }
    }

    #[test]
    fn fields_are_found_in_a_header_block() {
        let f = from_fields(
            b"from: a@example.com\r\nSubject: x\r\nFROM: B\r\n <b@example.com>\r\n\r\nFrom: c@example.com\r\n",
        );
        assert_eq!(f.fields, 2);
        assert_eq!(f.mailboxes, ["a@example.com", "b@example.com"]);
        assert_eq!(f.unreadable, None);
        let f = from_fields(b"From: a@example.com\nFrom: Alice\n\nbody");
        assert_eq!(f.fields, 2);
        assert!(f.unreadable.unwrap().contains("From field 2"));
        assert!(!from_fields(b"Content-Type: text/plain\r\n\r\nFrom: x@example.com\r\n").present());
    }

    #[test]
    fn sender_fields_are_read_and_join_the_checked_mailboxes() {
        let f = from_fields(
            b"From: a@example.com\r\nSender: B <b@example.com>\r\nsender : a@EXAMPLE.com\r\n\
Resent-Sender: c@example.com\r\n\r\nSender: d@example.com\r\n",
        );
        assert_eq!((f.fields, f.sender_fields), (1, 2));
        assert_eq!(f.mailboxes, ["a@example.com"]);
        assert_eq!(f.sender, ["b@example.com", "a@EXAMPLE.com"]);
        assert_eq!(f.checked_mailboxes(), ["a@example.com", "b@example.com"]);
        assert_eq!(f.sender_differing_from_from(), ["b@example.com"]);
        let f = from_fields(b"From: a@example.com\r\nSender: B\r\n\r\n");
        assert!(f.unreadable.unwrap().contains("Sender field 1"));
        // A Sender alone is no From, and nothing to check against.
        let f = from_fields(b"Sender: b@example.com\r\n\r\n");
        assert!(!f.present());
        assert_eq!(f.sender, ["b@example.com"]);
        assert!(f.checked_mailboxes().is_empty());
    }
}
