// Package maskingprocessor implements the `masking` traces processor of the
// otelcol-shop distribution.
//
// # Why it exists
//
// Personal data must not reach span metrics, exporters or logs. The stock
// redaction and transform processors leave gaps: span link attributes, event
// names, status messages, non-string values and values nested in arrays or
// maps. This processor closes all of them in one place, so the generated
// collector configs mask once, first, before anything fans out.
//
// # Places covered
//
// Resource attributes, scope attributes, span attributes, span name, span
// status message, event names, event attributes and link attributes. Inside
// attribute values it descends into arrays (slices) and maps (kvlists),
// recursively. The trace_state of spans and links is left alone: it is
// propagation context, not payload. Scope name and version, attribute keys
// (other than removing them) and bytes values under keys that are not
// pseudonymized are not rewritten.
//
// # Rules and their order
//
// For every attribute map, at every nesting depth, the rules run in this
// order: remove → pseudonymize → scrub_queries → redact_values. Span names,
// status messages and event names only get redact_values.
//
//   - remove: attribute keys dropped wherever they appear, including keys of
//     nested maps.
//   - pseudonymize.keys: the value becomes "hmac:" followed by the first 32
//     hex chars of HMAC-SHA256(pseudonymize.key, value). Int, double, bool and
//     bytes values are stringified first (pcommon's AsString: decimal ints,
//     shortest round-trip doubles, "true"/"false", base64 bytes) and end as
//     strings. The same value gives the same pseudonym in every span and every
//     collector that shares the key. A value already of the form
//     "hmac:<32 lower-case hex chars>" is kept, so masking twice equals
//     masking once.
//   - scrub_queries: for keys starting with "url.", every query parameter
//     value becomes "?" and names stay ("url.query" holds the query string
//     itself; other url.* keys are full URLs, where the query is after "?"
//     and a userinfo password "user:pw@" becomes "user:?@"; a fragment made
//     of name=value pairs is scrubbed like a query). For any other key the
//     value is SQL: single-quoted literals (a doubled single quote inside is
//     an escaped quote), dollar-quoted strings ($$...$$, $tag$...$tag$) and
//     numeric literals that are not part of an identifier become "?".
//     Quoted identifiers and $1 parameters stay.
//     An unterminated literal swallows the rest of the statement. Backslash
//     escapes are not understood ('it\'s' ends at the second quote), and
//     literals inside comments are scrubbed like any other.
//   - redact_values: RE2 patterns applied to every string, in config order;
//     each match becomes "[REDACTED:<name>]". It runs last, so it also
//     catches what the other rules left, including inside scrubbed queries.
//
// Key-based rules are inherited downwards: every scalar inside an array or
// map held under a pseudonymized key is pseudonymized, and every string
// inside an array or map held under a scrub_queries key is scrubbed as that
// key's kind (URL or SQL).
//
// # Validation
//
// Config.Validate rejects: pseudonymize.keys set with an empty
// pseudonymize.key, a redact_values pattern that does not compile as Go RE2
// (the error names the rule), duplicate or empty rule names, empty patterns
// and empty keys in any list.
package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"
