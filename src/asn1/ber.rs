//! A bounded BER reader.
//!
//! Peers (OpenSSL `-stream`, NSS, gpgsm, Bouncy Castle) write CMS in BER: indefinite lengths and
//! constructed OCTET STRINGs. This reader turns such input into a tree of [`Node`]s that keep
//! their byte ranges, and re-encodes any node as DER-length TLV so the strict `der` types can
//! decode the leaves. Nesting depth and node count are bounded, so hostile input cannot exhaust
//! the stack or memory.

use super::write_header;
use crate::error::ParseError;
use std::ops::Range;

/// How deep BER structures may nest.
pub const MAX_DEPTH: usize = 64;
/// How many TLV nodes one parse may produce.
pub const MAX_NODES: usize = 200_000;

/// Context-specific class bits.
pub const CLASS_CONTEXT: u8 = 0x80;

/// One TLV element.
#[derive(Debug, Clone)]
pub struct Node {
    /// The identifier octet (class, constructed bit, tag number < 31).
    pub tag: u8,
    /// The range of the whole element in the input (header, content and end-of-contents).
    pub range: Range<usize>,
    /// The range of the content octets (for indefinite length: without the end-of-contents).
    pub content: Range<usize>,
    /// Whether the length was indefinite (BER).
    pub indefinite: bool,
    /// Children of a constructed element.
    pub children: Vec<Node>,
}

impl Node {
    /// Whether the constructed bit is set.
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// The tag number with the constructed bit cleared (class bits kept).
    pub fn tag_class_number(&self) -> u8 {
        self.tag & !0x20
    }

    /// Whether this is context-specific tag `[n]`.
    pub fn is_context(&self, n: u8) -> bool {
        self.tag & 0xC0 == CLASS_CONTEXT && self.tag & 0x1F == n
    }

    /// The primitive content bytes, or for a constructed string the concatenation of the
    /// primitive segments (BER constructed OCTET STRING).
    pub fn string_bytes(&self, input: &[u8]) -> Result<Vec<u8>, ParseError> {
        let mut out = Vec::new();
        self.collect_string(input, &mut out, 0)?;
        Ok(out)
    }

    fn collect_string(
        &self,
        input: &[u8],
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep { limit: MAX_DEPTH });
        }
        if self.constructed() {
            for c in &self.children {
                c.collect_string(input, out, depth + 1)?;
            }
        } else {
            out.extend_from_slice(slice(input, &self.content)?);
        }
        Ok(())
    }

    /// The element re-encoded with definite lengths. Constructed universal strings stay
    /// constructed unless `flatten_strings` is set, in which case OCTET STRINGs (and any
    /// constructed node whose tag is `flatten_tag`) become primitive.
    pub fn to_der(&self, input: &[u8]) -> Result<Vec<u8>, ParseError> {
        if !self.indefinite && !self.has_indefinite() {
            return Ok(slice(input, &self.range)?.to_vec());
        }
        let mut out = Vec::with_capacity(self.range.len());
        self.write_der(input, &mut out, 0)?;
        Ok(out)
    }

    fn has_indefinite(&self) -> bool {
        self.indefinite || self.children.iter().any(Node::has_indefinite)
    }

    fn write_der(&self, input: &[u8], out: &mut Vec<u8>, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep { limit: MAX_DEPTH });
        }
        if !self.has_indefinite() {
            out.extend_from_slice(slice(input, &self.range)?);
            return Ok(());
        }
        // Universal constructed OCTET STRING (0x24) with indefinite parts becomes primitive.
        if self.tag == 0x24 {
            let bytes = self.string_bytes(input)?;
            write_header(out, 0x04, bytes.len());
            out.extend_from_slice(&bytes);
            return Ok(());
        }
        let mut content = Vec::new();
        for c in &self.children {
            c.write_der(input, &mut content, depth + 1)?;
        }
        write_header(out, self.tag, content.len());
        out.extend_from_slice(&content);
        Ok(())
    }

    /// The children, after checking this node is constructed.
    pub fn seq(&self, what: &str) -> Result<&[Node], ParseError> {
        if !self.constructed() {
            return Err(ParseError::der(format!(
                "{what}: expected a constructed element"
            )));
        }
        Ok(&self.children)
    }
}

fn slice<'a>(input: &'a [u8], r: &Range<usize>) -> Result<&'a [u8], ParseError> {
    input
        .get(r.clone())
        .ok_or_else(|| ParseError::der("element runs past the end of the input"))
}

/// Parses exactly one element that spans the whole input (trailing zero padding, which some
/// tools append, is tolerated; any other trailing byte is an error).
pub fn parse(input: &[u8]) -> Result<Node, ParseError> {
    if input.is_empty() {
        return Err(ParseError::Empty);
    }
    let mut count = 0usize;
    let (node, end) = parse_at(input, 0, input.len(), 0, &mut count)?;
    if input[end..].iter().any(|b| *b != 0) {
        return Err(ParseError::der(format!(
            "{} unexpected bytes after the end of the structure",
            input.len() - end
        )));
    }
    Ok(node)
}

fn parse_at(
    input: &[u8],
    pos: usize,
    limit: usize,
    depth: usize,
    count: &mut usize,
) -> Result<(Node, usize), ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::TooDeep { limit: MAX_DEPTH });
    }
    *count += 1;
    if *count > MAX_NODES {
        return Err(ParseError::TooMany {
            what: "DER elements",
            limit: MAX_NODES,
        });
    }
    let at = |p: usize| -> Result<u8, ParseError> {
        if p < limit {
            Ok(input[p])
        } else {
            Err(ParseError::der(format!(
                "truncated element at offset {pos}"
            )))
        }
    };
    let tag = at(pos)?;
    if tag & 0x1F == 0x1F {
        return Err(ParseError::der(format!(
            "high tag numbers are not used by CMS (offset {pos})"
        )));
    }
    let first = at(pos + 1)?;
    let mut p = pos + 2;
    let constructed = tag & 0x20 != 0;
    let (content_start, content_end, end, indefinite) = if first == 0x80 {
        if !constructed {
            return Err(ParseError::der(format!(
                "indefinite length on a primitive element (offset {pos})"
            )));
        }
        (p, 0, 0, true)
    } else {
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7F) as usize;
            if n > 8 || n == 0 {
                return Err(ParseError::der(format!(
                    "unsupported length form (offset {pos})"
                )));
            }
            let mut l: usize = 0;
            for _ in 0..n {
                l = l
                    .checked_mul(256)
                    .and_then(|l| l.checked_add(at(p).ok()? as usize))
                    .ok_or_else(|| ParseError::der(format!("length overflow (offset {pos})")))?;
                p += 1;
            }
            l
        };
        let end = p.checked_add(len).filter(|e| *e <= limit).ok_or_else(|| {
            ParseError::der(format!(
                "element at offset {pos} claims {len} bytes, more than remain"
            ))
        })?;
        (p, end, end, false)
    };

    let mut children = Vec::new();
    if indefinite {
        let mut q = content_start;
        loop {
            if at(q)? == 0 && at(q + 1)? == 0 {
                let node = Node {
                    tag,
                    range: pos..q + 2,
                    content: content_start..q,
                    indefinite: true,
                    children,
                };
                return Ok((node, q + 2));
            }
            let (child, next) = parse_at(input, q, limit, depth + 1, count)?;
            children.push(child);
            q = next;
        }
    }
    if constructed {
        let mut q = content_start;
        while q < content_end {
            let (child, next) = parse_at(input, q, content_end, depth + 1, count)?;
            children.push(child);
            q = next;
        }
    }
    Ok((
        Node {
            tag,
            range: pos..end,
            content: content_start..content_end,
            indefinite: false,
            children,
        },
        end,
    ))
}

/// The `i`th child, or an error naming `what`.
pub(crate) fn child<'a>(nodes: &'a [Node], i: usize, what: &str) -> Result<&'a Node, ParseError> {
    nodes
        .get(i)
        .ok_or_else(|| ParseError::der(format!("{what} is missing")))
}

/// The OBJECT IDENTIFIER in `node`.
pub(crate) fn oid_of(
    node: &Node,
    input: &[u8],
    what: &str,
) -> Result<const_oid::ObjectIdentifier, ParseError> {
    if node.tag != 0x06 {
        return Err(ParseError::der(format!(
            "{what}: expected an OBJECT IDENTIFIER"
        )));
    }
    let bytes = input
        .get(node.content.clone())
        .ok_or_else(|| ParseError::der("truncated OID"))?;
    const_oid::ObjectIdentifier::from_bytes(bytes)
        .map_err(|e| ParseError::der(format!("{what}: {e}")))
}

/// Decodes `node` (re-encoded as DER) as a `der` type.
pub(crate) fn decode<T: for<'a> der::Decode<'a>>(
    node: &Node,
    input: &[u8],
    what: &str,
) -> Result<T, ParseError> {
    let der = node.to_der(input)?;
    T::from_der(&der).map_err(|e| ParseError::der(format!("{what}: {e}")))
}

/// A one-byte INTEGER (CMS versions).
pub(crate) fn small_int(node: &Node, input: &[u8], what: &str) -> Result<u8, ParseError> {
    if node.tag != 0x02 {
        return Err(ParseError::der(format!("{what}: expected an INTEGER")));
    }
    match input.get(node.content.clone()) {
        Some([v]) => Ok(*v),
        _ => Err(ParseError::der(format!("{what}: unexpected value"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn1::tlv;

    #[test]
    fn definite_der_is_kept_byte_for_byte() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xAA];
        let n = parse(&der).unwrap();
        assert_eq!(n.children.len(), 2);
        assert_eq!(n.to_der(&der).unwrap(), der);
    }

    #[test]
    fn indefinite_lengths_and_constructed_octet_strings_become_der() {
        // SEQUENCE (indef) { OCTET STRING constructed (indef) { 04 02 'ab', 04 01 'c' } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x00,
            0x00,
        ];
        let n = parse(&ber).unwrap();
        assert_eq!(
            n.to_der(&ber).unwrap(),
            [0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
        assert_eq!(n.children[0].string_bytes(&ber).unwrap(), b"abc");
    }

    #[test]
    fn hostile_inputs_are_typed_errors() {
        assert_eq!(parse(&[]).unwrap_err(), ParseError::Empty);
        assert!(matches!(
            parse(&[0x30]),
            Err(ParseError::MalformedDer { .. })
        ));
        assert!(matches!(
            parse(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(ParseError::MalformedDer { .. })
        ));
        assert!(matches!(
            parse(&[0x30, 0x80, 0x02, 0x01]),
            Err(ParseError::MalformedDer { .. })
        ));
        assert!(matches!(
            parse(&[0x04, 0x80, 0x00, 0x00]),
            Err(ParseError::MalformedDer { .. })
        ));
        assert!(matches!(
            parse(&[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            Err(ParseError::MalformedDer { .. })
        ));
        // Deep nesting of indefinite sequences.
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert_eq!(
            parse(&deep).unwrap_err(),
            ParseError::TooDeep { limit: MAX_DEPTH }
        );
        // Trailing garbage.
        assert!(matches!(
            parse(&[0x05, 0x00, 0x01]),
            Err(ParseError::MalformedDer { .. })
        ));
        // Trailing zero padding is tolerated.
        assert!(parse(&[0x05, 0x00, 0x00, 0x00]).is_ok());
    }

    #[test]
    fn many_nodes_are_bounded() {
        let mut content = Vec::new();
        for _ in 0..(MAX_NODES + 1) {
            content.extend_from_slice(&[0x05, 0x00]);
        }
        let der = tlv(0x30, &content);
        assert!(matches!(parse(&der), Err(ParseError::TooMany { .. })));
    }
}
