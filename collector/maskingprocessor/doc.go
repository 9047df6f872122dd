// Package maskingprocessor implements the `masking` traces processor of the
// otelcol-shop distribution.
//
// # Why it exists
//
// Personal data must not reach span metrics, exporters or logs. The stock
// redaction and transform processors leave gaps: span link attributes, event
// names, status messages, trace state, attribute keys, bytes, numbers and
// values nested in arrays or maps. This processor covers every field of an
// OTLP span that can hold text, in one place, so the generated collector
// configs mask once, first, before anything fans out.
//
// # Places
//
//   - Attribute maps of the resource, the scope, spans, events and links, and
//     every map and array inside their values at any depth: key rules, then
//     the value rules below. Keys are checked too (see Attribute keys).
//   - Resource schema_url, scope schema_url, scope name, scope version, span
//     name, span status message, event names ("names"): with scrub_names, the
//     SQL statement or the URLs they carry are scrubbed (see SQL and URLs in
//     names); then the text rules.
//   - trace_state of spans and links: each list member's value gets the text
//     rules (see Trace state).
//
// # Rules per attribute, in order
//
//  1. remove: the attribute is dropped.
//  2. Attribute keys: an attribute whose key holds a text-rule match
//     (http.request.header.x-jane@example.com, a baggage key with a phone) is
//     dropped, at every depth. It is not renamed to a redacted key: two
//     redacted keys of one map would collide and one value would silently
//     replace the other, and the value under a personal key is usually as
//     personal as the key.
//  3. allow (allow-list mode, keys of the top-level attribute maps only): a
//     key not in allow.keys is dropped, or pseudonymized when
//     allow.otherwise is pseudonymize. Values of allowed keys still get
//     every other rule.
//  4. pseudonymize.keys: every scalar under the key (inside arrays and maps
//     too) becomes "hmac:" + the first 32 hex chars of
//     HMAC-SHA256(pseudonymize.key, value), the value stringified by
//     pcommon's AsString (decimal ints, shortest doubles, "true"/"false",
//     base64 bytes). Every value is hashed, including one that already looks
//     like "hmac:<32 hex>": a client must not be able to choose, or copy,
//     someone's pseudonym.
//  5. secret_keys (a detector): every scalar under a key whose last
//     dot-separated segment names a secret becomes "[REDACTED:secret_keys]".
//     The segment, lower-cased with "_" and "-" removed, names a secret when
//     it contains authorization, cookie, apikey, secret, password, passwd,
//     credential or privatekey, or ends in token, sessionid, sessid, pwd,
//     signature, accesskey or secretkey ("x-api-key", "set-cookie",
//     "access_token"; not "input_tokens", a count).
//  6. scrub_queries: strings under the key (inside arrays and maps too) are
//     scrubbed as the key's kind: sql, url, query, or auto (decided per
//     value: "://" or a leading "/" is a URL, "=" without blanks a query
//     string, anything else SQL). The kind is never guessed from the key.
//  7. Text rules on strings and on bytes (below); numbers rules on ints and
//     doubles when numbers is on.
//
// Key rules match canonically: lower case with ".", "_" and "-" removed
// (and NFKC for non-ASCII keys), so USER.ID, user_id and userId all match
// user.id.
//
// # Text rules
//
// The enabled detectors run in the fixed order of detectorNames
// (basic_auth, bearer, jwt, secret_keys, email, iban, card_number, phone,
// ipv6, ipv4), then the redact_values patterns in configuration order. Each
// match becomes "[REDACTED:<name>]". They run on the normalized text:
// Unicode NFKC (full-width ＠ is @, NBSP is a space), zero-width characters
// removed (U+200B-U+200D, U+2060, U+FEFF, U+00AD) and %XX sequences decoded,
// repeated until nothing changes (at most three rounds). When something
// matches, the output is the normalized text with the matches replaced;
// when nothing matches, the original string is kept byte for byte.
//
// Bytes: valid UTF-8 is masked as text and stays bytes. Binary bytes get the
// text rules without normalization (an address inside a blob is still
// found; bytes >= 0x80 next to it count as letters of it) and stay bytes;
// under a removed key they are removed, under a pseudonymized key they
// become the pseudonym of their base64 form.
//
// The detectors, exactly:
//   - email: a local part of letters, digits, non-ASCII and ._%+-', "@", a
//     domain of two or more labels whose last has two letters or more.
//   - card_number: 13 to 19 digits, glued or in groups separated by one
//     space, dash or dot (every group but the last 4 to 6 digits), not glued
//     to other digits (then it is part of a longer number) but possibly to
//     letters and any punctuation ("pan_4111...", "/4111...", "x.4111..."), with an issuer prefix (IIN)
//     that issues that length (Visa, Mastercard, Amex, Mir, Diners, JCB,
//     Discover, UnionPay, Maestro, RuPay, Troy; see cardIssued) and a
//     valid Luhn check digit.
//   - iban: two letters, two digits, 11 to 30 letters and digits (15 to 34
//     in all), glued or in groups of four separated by single spaces, whose
//     ISO 13616 mod-97 check gives 1.
//   - phone (text): "+" then 8 to 15 digits starting 1-9 ("+44 (0)20 ..."
//     with the "(0)" not counted); "00" then the same, fitting the numbering
//     plan when the country is in phonePlans; a national number: "0" then
//     1-9, 9 to 12 digits, glued (10 to 12 digits), with an area group of 3
//     to 5 digits, with the area in parentheses, or as five pairs; a North
//     American "(NPA) NXX-XXXX", "NPA-NXX-XXXX" or "NPA.NXX.XXXX" (NPA and
//     NXX start 2-9). Groups are separated by one space, dash, dot or slash.
//     The number is not glued to letters or digits: a letter or digit right
//     before or after it makes it part of an identifier, a hex id or a longer
//     number, and so does a "+" or letter right before a "+" (base64 has
//     "+" followed by digits). A dot, dash or blank between a digit and the
//     number also glues ("3.0171234567", "12-0301234567": the number would
//     start inside a longer one). Any other punctuation before or after does
//     not hide it: "/schemas/1.26.0/0170 5000006", "app.callback.+49170...",
//     "id_0170...", "tel=0170...", "+49170..._x". A bare digit run in text
//     is never a phone number.
//   - bearer: "bearer" (any case), blanks, a token of 8 or more token68
//     characters; basic_auth: "basic" (any case), blanks, base64 that
//     decodes to printable "user:password", or the "user:password" of a URL
//     "scheme://user:password@host"; jwt: "eyJ" + 10 or more base64url
//     characters "." 2 or more "." a signature, whatever precedes "eyJ"
//     ("x-eyJ..." in a header name, "tokeneyJ..."): the shape is specific
//     enough that a glued word does not make it something else.
//   - ipv4: four octets 0-255 of one to three digits, not glued to a letter
//     or digit ("v1.2.3.4" is a version, "1234.0.0.1" a longer number) and
//     not part of a longer dotted run of numbers ("1.2.3.4.5", an OID: a
//     dot with a digit on its other side). Other punctuation does not hide
//     an address: "peer.203.0.113.7", "203.0.113.7.nip.io", "ip_203...",
//     "/203.../". "1.2.3" stays; a four-part version "1.0.0.0" reads as an
//     address. ipv6: a run
//     of hex digits, ":" and "." with two colons or more that net/netip
//     parses as IPv6, not glued to letters; dots belong only to an IPv4
//     tail after the colons, so a dot before the first colon ends a word
//     ("peer.fe80::1", "app.feed.2001:db8::7").
//   - secret_keys in text: "name=value" and "name: value" (also JSON
//     "name": "value") where name names a secret (rule 5) get the value
//     replaced: "?token=[REDACTED:secret_keys]&x=1".
//
// # SQL and URLs in names
//
// With scrub_names, a name is scrubbed as SQL from where a statement starts
// to its end, wherever that is ("query failed: SELECT ... = 'x'" keeps
// "query failed: "). A statement starts at a SQL keyword that begins a word
// (the byte before it is no letter, digit, "_", "$" or non-ASCII byte), is
// followed by a blank, and has its statement's shape right after it:
// SELECT ... FROM then an identifier, quoted identifier or "("; INSERT,
// MERGE, UPSERT or REPLACE then INTO; DELETE FROM; UPDATE, one (dotted or
// quoted) identifier, SET; WITH [RECURSIVE] name [(columns)] AS "(";
// VALUES "("; CALL, EXEC or EXECUTE, an identifier, then "(", "@" or a
// quote; CREATE, ALTER or DROP, after OR REPLACE, TEMP, TEMPORARY, UNIQUE,
// MATERIALIZED, IF [NOT] EXISTS, then TABLE, INDEX, VIEW, SCHEMA,
// DATABASE, FUNCTION, PROCEDURE, TRIGGER, SEQUENCE, TYPE, USER, ROLE or
// EXTENSION; TRUNCATE TABLE. So "select a file", "update available",
// "delete failed", "with 2 retries", "call me at 10" keep their digits and
// quotes; English built like SQL ("select files from folder 2") does not.
// Keywords count in any case. Only names with a quote, digit or "$" are
// searched: SQL scrubbing changes nothing else. Before the statement (or in
// a name without one), every blank-separated word with a query, a fragment
// of name=value pairs or a userinfo is scrubbed as a URL.
//
// # Numbers
//
// With numbers on, the decimal text of an int, or of a double that is
// integral and below 1e21 in magnitude, is given to card_number (the card
// rule above), phone (the numeric rule below) and the redact_values
// patterns; a match turns the value into the string with the match replaced
// (-4111111111111111 becomes "-[REDACTED:card_number]"). Other numbers stay
// numbers.
//
// The numeric phone rule: 11 to 15 digits (a number that lost its "+" or
// "00" keeps its country code; anything shorter cannot be told from an order
// number or a seconds timestamp, so a national number parsed to an int, which
// has lost its trunk 0, and a 10-digit North American number are not
// caught); not a Unix timestamp from 2000-01-01 to 2100-01-01 in seconds,
// milliseconds, microseconds or nanoseconds; not starting with a date
// YYYYMMDD of 2000-2099 (date-prefixed order numbers); starting with a
// calling code of phonePlans whose plan admits the remaining length and
// first digit.
//
// Cards have no timestamp exemption: a card number is never a timestamp
// before 2039 (no issuer prefix starts with the leading digits timestamps
// have until then), and a later microsecond or nanosecond timestamp that
// happens to pass IIN and Luhn is redacted rather than a card kept.
//
// # Trace state
//
// Each list member's value is masked as text. A changed member keeps its key
// with the masked value when that is still a valid tracestate value
// (printable ASCII 0x20-0x7E except "," and "=", at most 256 characters, not
// ending in a space); otherwise the member is dropped. A member whose key
// holds a match, or that has no "=" and holds a match, is dropped. Keys are
// never rewritten: they are vendor ids, and a rewritten key could collide
// with another vendor's.
//
// # Cost
//
// Each string is classified in one pass (which bytes it has, how many
// digits); a rule runs only on strings that have what it needs (an "@" for
// email, 13 digits for cards, the literal "bearer" for a pattern that needs
// it, ...). Custom patterns get such a filter derived from their syntax tree
// (prefilter.go), and search only the runs of the string made of bytes a
// match can contain that pass the filter (regexp_runs.go). A string without
// a match costs no allocation. Within a batch, the decision about each
// attribute key, each name and each trace state is remembered, and so are
// the masked form of each string value of memoMinLen bytes or more and each
// pseudonym (valueMemo: a table of two slots per span, at most memoMaxSlots,
// that never grows).
//
// # Validation
//
// Config.Validate rejects: a missing pseudonymize.key when something is
// pseudonymized (keys, or allow.otherwise: pseudonymize), a key shorter than
// pseudonymize.min_key_bytes, a negative min_key_bytes, unknown detector
// names, unknown or missing scrub kinds, an unknown allow.otherwise, a
// redact_values pattern that does not compile as Go RE2 (the error names
// the rule), duplicate or empty rule names, empty patterns and empty keys
// in any list.
package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"
