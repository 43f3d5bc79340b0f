//! Walking the MIME tree and extracting S/MIME structures.
//!
//! The tree is walked here, with boundaries located byte-exactly by this module (the signed
//! bytes of a `multipart/signed` must be exact); `mail-parser` is only used to interpret each
//! header block (quoted and RFC 2231 parameters, encoded words, addresses). mail-parser's own
//! whole-message parse is not used, so its nesting rules and limits do not matter here.
//!
//! Work is bounded as the walk goes, before anything is allocated per part: the input size is
//! checked first, a multipart body is split in one linear pass that stops once the part budget
//! of [`Limits::max_parts`] is exceeded, and children are only queued when their depth is within
//! [`Limits::max_depth`]. The input is scanned once (with `memchr`) for every line that starts
//! with `--` ([`DelimiterIndex`]); each multipart level then looks up the candidate lines inside
//! its own body in that index and compares them with its boundary, so nesting does not rescan
//! the body once per level: the bytes scanned are the input's length, and the comparisons at
//! most `candidate lines × (max_depth + 1)`, whatever the content between them. No recursion is
//! used (the tree is walked with an explicit stack), whatever the limits.

use std::ops::Range;

use base64::Engine as _;
use mail_parser::{MessageParser, MimeHeaders};

use super::address::from_fields;
use super::lines::{field_name, next_line, scan_headers};
use super::{Limits, ParsedMessage, SmimeKind, SmimePart};
use crate::error::ParseError;

/// Parses a message (RFC 5322) or a bare MIME entity and finds its S/MIME structures.
///
/// Line endings may be CRLF or LF. A leading mbox `From ` separator line is skipped (the
/// top-level entity then starts after it). The walk is bounded by `limits`: an input larger than
/// `max_size` is refused with [`ParseError::TooLarge`], nesting deeper than `max_depth` with
/// [`ParseError::TooDeep`], more than `max_parts` entities with [`ParseError::TooMany`].
///
/// A message without any S/MIME structure is not an error: [`ParsedMessage::smime`] is then
/// empty. A malformed S/MIME structure is: a `multipart/signed` without a boundary, without a
/// close delimiter or without exactly two parts is a [`ParseError::MalformedMime`], a CMS body
/// that is not valid base64 a [`ParseError::Base64`].
pub fn parse(input: &[u8], limits: &Limits) -> Result<ParsedMessage, ParseError> {
    if input.is_empty() {
        return Err(ParseError::Empty);
    }
    if input.len() > limits.max_size {
        return Err(ParseError::TooLarge {
            what: "the message",
            limit: limits.max_size,
        });
    }
    let mut out = ParsedMessage {
        from: Vec::new(),
        from_fields: super::FromFields::default(),
        smime: Vec::new(),
        top_content_type: String::from("text/plain"),
    };
    let mut parts_seen: usize = 1;
    if parts_seen > limits.max_parts {
        return Err(ParseError::TooMany {
            what: "MIME parts",
            limit: limits.max_parts,
        });
    }
    // An mbox separator line ("From alice@example.com Mon Jan  1 00:00:00 2024") is skipped;
    // "From : alice@example.com" is a From field (RFC 5322 obs-from), not a separator.
    let first_line =
        next_line(input, 0).map_or(input, |(end, _)| input.get(..end).unwrap_or(input));
    let top_start = if input.starts_with(b"From ") && field_name(first_line).is_none() {
        next_line(input, 0).map_or(input.len(), |(_, next)| next)
    } else {
        0
    };
    let index = DelimiterIndex::build(input);
    let mut stack = vec![Node {
        range: top_start..input.len(),
        depth: 0,
        path: Vec::new(),
    }];
    // Each iteration handles one entity; entities are bounded by `max_parts`.
    while let Some(node) = stack.pop() {
        let entity = Entity::read(input, node.range.clone());
        entity.refuse_ambiguous(&node.path)?;
        if node.depth == 0 {
            out.top_content_type = entity.content_type.clone();
            let from = from_fields(input.get(node.range.clone()).unwrap_or_default());
            out.from = from.mailboxes.clone();
            out.from_fields = from;
        }
        let mut children: Vec<Range<usize>> = Vec::new();
        if entity.content_type == "multipart/signed" {
            children = handle_signed(input, &index, &node, &entity, limits, parts_seen, &mut out)?;
        } else if entity.ctype == "multipart" {
            if let Some(boundary) = entity.param("boundary") {
                let budget = limits.max_parts.saturating_sub(parts_seen);
                children = split_multipart(
                    input,
                    &index,
                    entity.body.clone(),
                    boundary.as_bytes(),
                    budget,
                )
                .parts;
            }
        } else if matches!(
            entity.content_type.as_str(),
            "application/pkcs7-mime" | "application/x-pkcs7-mime"
        ) {
            out.smime.push(pkcs7_mime_part(input, &node, &entity)?);
        }
        if children.is_empty() {
            continue;
        }
        let depth = node.depth + 1;
        if depth > limits.max_depth {
            return Err(ParseError::TooDeep {
                limit: limits.max_depth,
            });
        }
        parts_seen = parts_seen.saturating_add(children.len());
        if parts_seen > limits.max_parts {
            return Err(ParseError::TooMany {
                what: "MIME parts",
                limit: limits.max_parts,
            });
        }
        // Pushed in reverse so that they are popped in document order.
        for (i, range) in children.into_iter().enumerate().rev() {
            let mut path = node.path.clone();
            path.push(i);
            stack.push(Node { range, depth, path });
        }
    }
    Ok(out)
}

/// For an entity that is a whole message wrapped for protection (RFC 8551 section 3.1, the
/// legacy form of RFC 9788 header protection): a `message/rfc822` entity whose `forwarded`
/// parameter is not `yes`, in an identity transfer encoding. Returns the byte range of the
/// wrapped message inside `entity`.
pub(crate) fn wrapped_message(entity: &[u8]) -> Option<Range<usize>> {
    let e = Entity::read(entity, 0..entity.len());
    let forwarded = e
        .param("forwarded")
        .map(|f| f.trim().eq_ignore_ascii_case("yes"));
    let identity = matches!(e.cte.as_deref(), None | Some("7bit" | "8bit" | "binary"));
    (e.content_type == "message/rfc822"
        && forwarded != Some(true)
        && identity
        && e.repeated.is_none())
    .then_some(e.body)
}

/// The interpreted header block of a message's top-level entity, for the streaming verifier.
#[derive(Debug, Clone)]
pub(crate) struct EntityHead {
    /// Lowercased `type/subtype`, `text/plain` by default.
    pub content_type: String,
    /// The `boundary` parameter.
    pub boundary: Option<String>,
    /// The `micalg` parameter, lowercased.
    pub micalg: Option<String>,
    /// The `protocol` parameter, lowercased.
    pub protocol: Option<String>,
    /// The `smime-type` parameter, lowercased.
    pub smime_type: Option<String>,
    /// Content-Transfer-Encoding, lowercased.
    pub cte: Option<String>,
}

/// Reads the header block `head` (ending with its blank line) as `parse` reads an entity's,
/// refusing the same ambiguous forms.
pub(crate) fn entity_head(head: &[u8]) -> Result<EntityHead, ParseError> {
    let e = Entity::read(head, 0..head.len());
    e.refuse_ambiguous(&[])?;
    let lower = |v: Option<&str>| v.map(|p| p.trim().to_ascii_lowercase());
    Ok(EntityHead {
        boundary: e.param("boundary").map(str::to_string),
        micalg: lower(e.param("micalg")),
        protocol: lower(e.param("protocol")),
        smime_type: lower(e.param("smime-type")),
        cte: e.cte.clone(),
        content_type: e.content_type,
    })
}

/// The second part of a multipart/signed, `body` being everything after the delimiter line
/// that opens it: checks that the close delimiter follows it (and no third part), and returns
/// its content type and its CMS bytes with the transfer encoding removed.
pub(crate) fn signature_part(
    body: &[u8],
    boundary: &[u8],
) -> Result<(String, Vec<u8>), ParseError> {
    let mut input = Vec::with_capacity(body.len() + boundary.len() + 4);
    input.extend_from_slice(b"--");
    input.extend_from_slice(boundary);
    input.extend_from_slice(b"\r\n");
    input.extend_from_slice(body);
    let index = DelimiterIndex::build(&input);
    let split = split_multipart(&input, &index, 0..input.len(), boundary, 2);
    let where_ = "multipart/signed at the top level";
    if split.parts.len() > 1 {
        return Err(ParseError::mime(format!(
            "{where_} has more than 2 body parts"
        )));
    }
    if !split.closed {
        return Err(ParseError::mime(format!(
            "{where_} has no close delimiter (truncated?)"
        )));
    }
    let Some(range) = split.parts.first() else {
        return Err(ParseError::mime(format!("{where_} has no signature part")));
    };
    let e = Entity::read(&input, range.clone());
    e.refuse_ambiguous(&[1])?;
    let cms = e.cms_body(&input, &format!("signature part of {where_}"))?;
    Ok((e.content_type, cms))
}

/// Whether `line` (without its line break) is a delimiter line of `boundary`: `Some(true)`
/// for the close delimiter.
pub(crate) fn delimiter_line(line: &[u8], boundary: &[u8]) -> Option<bool> {
    delimiter(line, boundary)
}

/// An entity waiting to be looked at.
struct Node {
    range: Range<usize>,
    depth: usize,
    path: Vec<usize>,
}

/// The interpreted header block of one entity.
struct Entity {
    /// The whole entity.
    range: Range<usize>,
    /// Its body.
    body: Range<usize>,
    /// Lowercased `type/subtype`, `text/plain` by default.
    content_type: String,
    /// Lowercased type alone.
    ctype: String,
    /// Content-Type parameters (names lowercased by mail-parser).
    ct_params: Vec<(String, String)>,
    /// Content-Disposition parameters.
    disp_params: Vec<(String, String)>,
    /// Content-Transfer-Encoding, lowercased and trimmed.
    cte: Option<String>,
    /// A structural field (Content-Type, Content-Transfer-Encoding) that occurs more than once.
    repeated: Option<&'static str>,
    /// Whether a line that is neither a header field, a continuation nor blank ended a header
    /// block that has fields.
    stray: bool,
}

/// Removes folding: every line break followed by a space or tab. RFC 5322 unfolding; done here
/// because mail-parser loses a parameter folded right after its `=`.
fn unfold(header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    let mut i = 0;
    while let Some(&b) = header.get(i) {
        let skip = match (b, header.get(i + 1), header.get(i + 2)) {
            (b'\r', Some(b'\n'), Some(b' ' | b'\t')) => 2,
            (b'\n', Some(b' ' | b'\t'), _) => 1,
            _ => 0,
        };
        if skip == 0 {
            out.push(b);
            i += 1;
        } else {
            i += skip;
        }
    }
    out
}

fn params(ct: Option<&mail_parser::ContentType<'_>>) -> Vec<(String, String)> {
    ct.and_then(|ct| ct.attributes())
        .unwrap_or_default()
        .iter()
        .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
        .collect()
}

impl Entity {
    fn read(input: &[u8], range: Range<usize>) -> Entity {
        let data = input.get(..range.end).unwrap_or_default();
        let block = scan_headers(data, range.start);
        let repeated = repeated_structural_field(input, &block.fields);
        let stray = block.stray_line.is_some() && !block.fields.is_empty();
        let body_start = block.body_start.clamp(range.start, range.end);
        let header_bytes = unfold(input.get(range.start..body_start).unwrap_or_default());
        let headers = if header_bytes.is_empty() {
            None
        } else {
            MessageParser::new().parse_headers(&header_bytes)
        };
        let ct = headers.as_ref().and_then(|h| h.content_type());
        let (ctype, content_type) = ct
            .and_then(|ct| {
                let t = ct.ctype().trim().to_ascii_lowercase();
                let s = ct.subtype()?.trim().to_ascii_lowercase();
                (!t.is_empty() && !s.is_empty()).then(|| (t.clone(), format!("{t}/{s}")))
            })
            .unwrap_or_else(|| ("text".into(), "text/plain".into()));
        let ct_params = params(ct);
        let disp_params = params(headers.as_ref().and_then(|h| h.content_disposition()));
        let cte = headers
            .as_ref()
            .and_then(|h| h.content_transfer_encoding())
            .map(|c| c.trim().to_ascii_lowercase());
        Entity {
            body: body_start..range.end,
            range,
            content_type,
            ctype,
            ct_params,
            disp_params,
            cte,
            repeated,
            stray,
        }
    }

    /// Refuses an entity whose structure two parsers could read differently: one with two
    /// Content-Type or two Content-Transfer-Encoding fields (one parser takes the first, another
    /// the last, and they see two different messages).
    ///
    /// Also refused: a header block cut short by a line that is not a header field. Here that
    /// line starts the body, while other parsers (mail-parser among them) skip it and read the
    /// fields after it, such as a second From.
    fn refuse_ambiguous(&self, path: &[usize]) -> Result<(), ParseError> {
        if let Some(field) = self.repeated {
            return Err(ParseError::AmbiguousMime {
                field,
                location: path_text(path),
            });
        }
        if self.stray {
            return Err(ParseError::mime(format!(
                "the header block of the entity at {} has a line that is not a header field \
                 (is the blank line between headers and body missing?); refused, because two \
                 mail programs could read it as two different messages",
                path_text(path)
            )));
        }
        Ok(())
    }

    /// A Content-Type parameter (names are matched case-insensitively).
    fn param(&self, name: &str) -> Option<&str> {
        self.ct_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A Content-Disposition parameter.
    fn disposition_param(&self, name: &str) -> Option<&str> {
        self.disp_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body, with its transfer encoding removed, as CMS bytes.
    fn cms_body(&self, input: &[u8], what: &str) -> Result<Vec<u8>, ParseError> {
        let body = input.get(self.body.clone()).unwrap_or_default();
        let cms = match self.cte.as_deref() {
            Some("base64") => decode_base64(body).map_err(|e| ParseError::Base64 {
                detail: format!("{what}: {e}"),
            })?,
            None | Some("7bit") if looks_like_base64(body) => {
                decode_base64(body).map_err(|e| ParseError::Base64 {
                    detail: format!("{what}: {e}"),
                })?
            }
            None | Some("7bit" | "8bit" | "binary") => body.to_vec(),
            Some(other) => {
                return Err(ParseError::mime(format!(
                    "{what}: unsupported Content-Transfer-Encoding {other:?} for a CMS body"
                )));
            }
        };
        if cms.is_empty() {
            return Err(ParseError::mime(format!("{what}: the CMS body is empty")));
        }
        Ok(cms)
    }
}

/// The structural MIME field that occurs more than once in `fields`, if one does.
///
/// Content-Type and Content-Transfer-Encoding decide how the entity is split and decoded, so a
/// second one makes the entity ambiguous. MIME-Version is not counted: its only value is 1.0 and
/// no parser derives the structure from it, and real mail repeats it. Content-Disposition is not
/// structural either (it names and places a part, it does not change what the part holds).
fn repeated_structural_field(input: &[u8], fields: &[Range<usize>]) -> Option<&'static str> {
    const STRUCTURAL: [&str; 2] = ["Content-Type", "Content-Transfer-Encoding"];
    let mut counts = [0usize; 2];
    for field in fields {
        let raw = input.get(field.clone()).unwrap_or_default();
        let Some(name) = field_name(raw) else {
            continue;
        };
        for (i, s) in STRUCTURAL.iter().enumerate() {
            if name.eq_ignore_ascii_case(s.as_bytes()) {
                counts[i] += 1;
                if counts[i] > 1 {
                    return Some(s);
                }
            }
        }
    }
    None
}

/// Whether a body labelled 7bit (or not labelled) is really base64 text: only base64 characters
/// and whitespace, and not starting like DER (a DER SEQUENCE starts with byte 0x30, `0`; base64
/// of a SEQUENCE starts with `M`).
fn looks_like_base64(body: &[u8]) -> bool {
    let mut significant = body.iter().filter(|b| !b.is_ascii_whitespace());
    matches!(significant.next(), Some(b'M'))
        && body.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') || b.is_ascii_whitespace()
        })
}

/// Decodes base64, ignoring line breaks and other ASCII whitespace, with or without padding.
fn decode_base64(text: &[u8]) -> Result<Vec<u8>, String> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(&compact)
        .map_err(|e| e.to_string())
}

/// The parts of a multipart body.
#[derive(Debug)]
pub(crate) struct Split {
    /// Each body part, without the line break that belongs to the following delimiter.
    pub parts: Vec<Range<usize>>,
    /// Whether the close delimiter was found.
    pub closed: bool,
}

/// Whether `line` (without its line break) is a delimiter line for `boundary`:
/// `Some(true)` for the close delimiter, `Some(false)` for a part delimiter.
fn delimiter(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    if rest.starts_with(b"--") {
        Some(true)
    } else if rest.iter().all(|&b| b == b' ' || b == b'\t') {
        Some(false)
    } else {
        None
    }
}

/// The start of every line of an input that begins with `--` and something more: the only lines
/// that can be delimiter lines, whatever the boundary. Built in one `memchr` pass over the input
/// and shared by every multipart level of one parse, so that nesting does not rescan the body.
///
/// Offsets are kept as `u32` (4 bytes per candidate line of at least 4 bytes: never more memory
/// than the input); an input of 4 GiB or more, which no one-shot limit lets through, is split
/// line by line instead.
pub(crate) struct DelimiterIndex {
    lines: Option<Vec<u32>>,
}

impl DelimiterIndex {
    /// Scans `input` once.
    pub(crate) fn build(input: &[u8]) -> Self {
        if u32::try_from(input.len()).is_err() {
            return DelimiterIndex { lines: None };
        }
        stats::scanned(input.len());
        let mut lines = Vec::new();
        let mut push = |at: usize| {
            if let Ok(at) = u32::try_from(at) {
                lines.push(at);
            }
        };
        if input.starts_with(b"--") {
            push(0);
        }
        for lf in memchr::memmem::find_iter(input, b"\n--") {
            push(lf + 1);
        }
        DelimiterIndex { lines: Some(lines) }
    }

    /// The candidate line starts in `range`, in order; `None` when there is no index.
    fn within(&self, range: &Range<usize>) -> Option<impl Iterator<Item = usize> + '_> {
        let lines = self.lines.as_ref()?;
        let first = lines.partition_point(|&l| (l as usize) < range.start);
        let end = range.end;
        Some(
            lines
                .get(first..)
                .unwrap_or_default()
                .iter()
                .map(|&l| l as usize)
                .take_while(move |&l| l < end),
        )
    }
}

/// Splits the multipart body `body` of `input` at the delimiter lines of `boundary`.
///
/// A part runs from the first byte after the line break that ends its opening delimiter line
/// up to, excluding, the CRLF or LF that precedes the next delimiter line. Without a close
/// delimiter the last part runs to the end of the body. Only the candidate lines of `index`
/// inside the body are looked at. Stops once more than `max` parts were found (the caller then
/// refuses the input), so that hostile input cannot make it allocate more than that.
pub(crate) fn split_multipart(
    input: &[u8],
    index: &DelimiterIndex,
    body: Range<usize>,
    boundary: &[u8],
    max: usize,
) -> Split {
    let mut split = Split {
        parts: Vec::new(),
        closed: false,
    };
    if boundary.is_empty() {
        return split;
    }
    let data = input.get(..body.end).unwrap_or_default();
    let mut current: Option<usize> = None;
    let mut on_line = |pos: usize, split: &mut Split| -> bool {
        let Some((content_end, next)) = next_line(data, pos) else {
            return false;
        };
        stats::compared();
        let line = data.get(pos..content_end).unwrap_or_default();
        let Some(close) = delimiter(line, boundary) else {
            return false;
        };
        if let Some(start) = current {
            let end = if pos >= start + 2 && data.get(pos - 2..pos) == Some(b"\r\n") {
                pos - 2
            } else if pos > start && data.get(pos - 1) == Some(&b'\n') {
                pos - 1
            } else {
                pos
            };
            split.parts.push(start..end.max(start));
            if split.parts.len() > max {
                return true;
            }
        }
        if close {
            split.closed = true;
            return true;
        }
        current = Some(next);
        false
    };
    match index.within(&body) {
        Some(candidates) => {
            for pos in candidates {
                if on_line(pos, &mut split) {
                    return split;
                }
            }
        }
        None => {
            let mut pos = body.start;
            while let Some((_, next)) = next_line(data, pos) {
                if on_line(pos, &mut split) {
                    return split;
                }
                pos = next;
            }
        }
    }
    if let Some(start) = current {
        split.parts.push(start..body.end.max(start));
    }
    split
}

/// Handles a `multipart/signed`: records it if it is S/MIME and returns the children to walk.
fn handle_signed(
    input: &[u8],
    index: &DelimiterIndex,
    node: &Node,
    entity: &Entity,
    limits: &Limits,
    parts_seen: usize,
    out: &mut ParsedMessage,
) -> Result<Vec<Range<usize>>, ParseError> {
    let protocol = entity
        .param("protocol")
        .map(|p| p.trim().to_ascii_lowercase());
    let micalg = entity
        .param("micalg")
        .map(|m| m.trim().to_ascii_lowercase());
    let smime_protocol = protocol.as_deref().map(is_signature_type);
    let where_ = format!("multipart/signed at {}", path_text(&node.path));
    let Some(boundary) = entity.param("boundary") else {
        if smime_protocol == Some(false) {
            return Ok(Vec::new());
        }
        return Err(ParseError::mime(format!(
            "{where_} has no boundary parameter"
        )));
    };
    let budget = limits.max_parts.saturating_sub(parts_seen);
    // Exactly two parts are wanted: three are enough to know there are too many.
    let max = if smime_protocol == Some(false) {
        budget
    } else {
        budget.min(3)
    };
    let split = split_multipart(input, index, entity.body.clone(), boundary.as_bytes(), max);
    if smime_protocol == Some(false) {
        // Another protocol (OpenPGP…): an ordinary multipart as far as S/MIME is concerned.
        return Ok(split.parts);
    }
    if split.parts.len() > budget {
        return Err(ParseError::TooMany {
            what: "MIME parts",
            limit: limits.max_parts,
        });
    }
    if split.parts.len() < 2 {
        return Err(ParseError::mime(format!(
            "{where_} has {} body part(s), 2 are required",
            split.parts.len()
        )));
    }
    if split.parts.len() > 2 {
        return Err(ParseError::mime(format!(
            "{where_} has more than 2 body parts"
        )));
    }
    if !split.closed {
        return Err(ParseError::mime(format!(
            "{where_} has no close delimiter (truncated?)"
        )));
    }
    let (Some(first), Some(second)) = (split.parts.first(), split.parts.get(1)) else {
        return Err(ParseError::mime(format!("{where_} has no body parts")));
    };
    let signature = Entity::read(input, second.clone());
    let mut signature_path = node.path.clone();
    signature_path.push(1);
    signature.refuse_ambiguous(&signature_path)?;
    if smime_protocol.is_none() && !is_signature_type(&signature.content_type) {
        // No protocol and no S/MIME signature part: not S/MIME.
        return Ok(split.parts);
    }
    let cms = signature.cms_body(input, &format!("signature part of {where_}"))?;
    out.smime.push(SmimePart {
        kind: SmimeKind::MultipartSigned,
        entity: entity.range.clone(),
        depth: node.depth,
        path: node.path.clone(),
        signed_content: Some(first.clone()),
        cms,
        micalg,
        protocol,
        signature_part_type: Some(signature.content_type.clone()),
    });
    // Only the signed content is walked further; the signature part is binary.
    Ok(vec![first.clone()])
}

pub(crate) fn is_signature_type(t: &str) -> bool {
    matches!(
        t,
        "application/pkcs7-signature" | "application/x-pkcs7-signature"
    )
}

/// Builds the record of an `application/(x-)pkcs7-mime` entity.
fn pkcs7_mime_part(input: &[u8], node: &Node, entity: &Entity) -> Result<SmimePart, ParseError> {
    let smime_type = entity
        .param("smime-type")
        .map(|t| t.trim().to_ascii_lowercase());
    let name = entity
        .param("name")
        .or_else(|| entity.disposition_param("filename"))
        .map(|n| n.trim().to_ascii_lowercase());
    let kind = match smime_type.as_deref() {
        Some("signed-data") => SmimeKind::SignedData,
        Some("certs-only") => SmimeKind::CertsOnly,
        Some("enveloped-data") => SmimeKind::EnvelopedData,
        Some("authenveloped-data") => SmimeKind::AuthEnvelopedData,
        None if name.as_deref().is_some_and(|n| n.ends_with(".p7c")) => SmimeKind::CertsOnly,
        _ => SmimeKind::Pkcs7Mime,
    };
    let what = format!("{} at {}", entity.content_type, path_text(&node.path));
    let cms = entity.cms_body(input, &what)?;
    Ok(SmimePart {
        kind,
        entity: entity.range.clone(),
        depth: node.depth,
        path: node.path.clone(),
        signed_content: None,
        cms,
        micalg: None,
        protocol: None,
        signature_part_type: None,
    })
}

/// A path for error messages: "the top level" or "part 1.2" (1-based, like IMAP).
fn path_text(path: &[usize]) -> String {
    if path.is_empty() {
        "the top level".into()
    } else {
        let parts: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
        format!("part {}", parts.join("."))
    }
}

#[cfg(not(test))]
mod stats {
    pub(crate) fn scanned(_: usize) {}
    pub(crate) fn compared() {}
}

/// Counters of the work a parse does, for the tests that bound it.
#[cfg(test)]
pub(crate) mod stats {
    use std::cell::Cell;

    thread_local! {
        static SCANNED: Cell<u64> = const { Cell::new(0) };
        static COMPARED: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn scanned(n: usize) {
        SCANNED.with(|c| c.set(c.get() + n as u64));
    }

    pub(crate) fn compared() {
        COMPARED.with(|c| c.set(c.get() + 1));
    }

    /// (bytes scanned for delimiter lines, candidate lines compared with a boundary) since the
    /// last call, on this thread.
    pub(crate) fn take() -> (u64, u64) {
        (
            SCANNED.with(|c| c.replace(0)),
            COMPARED.with(|c| c.replace(0)),
        )
    }
}
