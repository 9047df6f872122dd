package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import "strings"

// scrubKind says how a scrub_queries key's values are scrubbed.
type scrubKind uint8

const (
	kindNone  scrubKind = iota
	kindSQL             // a SQL statement
	kindURL             // a full URL, a path with ?query, or a target /p?q
	kindQuery           // a bare query string a=1&b=2
	kindAuto            // decided per value by autoKind
)

var scrubKindNames = []string{"sql", "url", "query", "auto"}

var scrubKindByName = map[string]scrubKind{
	"sql": kindSQL, "url": kindURL, "query": kindQuery, "auto": kindAuto,
}

// scrubValue scrubs s as kind.
func scrubValue(kind scrubKind, s string) string {
	if kind == kindAuto {
		kind = autoKind(s)
	}
	switch kind {
	case kindSQL:
		return scrubSQL(s)
	case kindURL:
		return scrubURL(s)
	case kindQuery:
		return scrubParams(s)
	}
	return s
}

// autoKind: a value with "://" or starting with "/" is a URL, one without
// blanks that holds "=" is a query string, anything else is SQL.
func autoKind(s string) scrubKind {
	t := strings.TrimSpace(s)
	switch {
	case strings.Contains(t, "://") || strings.HasPrefix(t, "/"):
		return kindURL
	case strings.Contains(t, "=") && !strings.ContainsAny(t, " \t\n"):
		return kindQuery
	}
	return kindSQL
}

// scrubName scrubs the SQL statement or the URLs a name carries: from where
// a SQL statement starts (sqlStart) to the end, the text is scrubbed as
// SQL; before it, every blank-separated word with a query, a fragment of
// name=value pairs or a userinfo is scrubbed as a URL.
func scrubName(s string) string {
	// Only quotes, digits and "$" make SQL scrubbing change anything.
	if strings.ContainsAny(s, "'$0123456789") {
		if k := sqlStart(s); k >= 0 {
			return scrubURLWords(s[:k]) + scrubSQL(s[k:])
		}
	}
	return scrubURLWords(s)
}

// scrubURLWords scrubs every blank-separated word of s as a URL.
func scrubURLWords(s string) string {
	if !strings.ContainsAny(s, "?#@") {
		return s
	}
	var b strings.Builder
	changed := false
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
			continue
		}
		word := s[start:i]
		if scrubbed := scrubURL(word); scrubbed != word {
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:start])
				changed = true
			}
			b.WriteString(scrubbed)
		} else if changed {
			b.WriteString(word)
		}
		if changed && i < len(s) {
			b.WriteByte(s[i])
		}
		start = i + 1
	}
	if !changed {
		return s
	}
	return b.String()
}

// scrubParams turns "a=1&b=x;c" into "a=?&b=?;c": every value becomes "?",
// names stay. A part without "=" is a bare name and is kept as is.
func scrubParams(q string) string {
	if strings.IndexByte(q, '=') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	writeScrubbedParams(&b, q)
	return b.String()
}

// writeScrubbedParams writes q to b with every parameter value as "?".
func writeScrubbedParams(b *strings.Builder, q string) {
	start := 0
	for i := 0; i <= len(q); i++ {
		if i < len(q) && q[i] != '&' && q[i] != ';' {
			continue
		}
		part := q[start:i]
		if eq := strings.IndexByte(part, '='); eq >= 0 {
			b.WriteString(part[:eq+1])
			b.WriteByte('?')
		} else {
			b.WriteString(part)
		}
		if i < len(q) {
			b.WriteByte(q[i])
		}
		start = i + 1
	}
}

// scrubURL scrubs the query and a fragment made of name=value pairs, and
// replaces the password of a userinfo ("user:secret@host") by "?". It works
// on the text rather than through net/url so that malformed URLs are still
// scrubbed and nothing else in the URL is re-encoded.
func scrubURL(u string) string {
	if !strings.ContainsAny(u, "?#@") {
		return u
	}
	orig := u
	fragment, hasFragment := "", false
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, fragment, hasFragment = u[:i], u[i+1:], true
	}
	query, hasQuery := "", false
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u, query, hasQuery = u[:i], u[i+1:], true
	}

	// Userinfo sits between "//" and the first "/" of the path.
	if i := strings.Index(u, "//"); i >= 0 && !strings.Contains(u[:i], "/") {
		authStart := i + 2
		authEnd := len(u)
		if j := strings.IndexByte(u[authStart:], '/'); j >= 0 {
			authEnd = authStart + j
		}
		authority := u[authStart:authEnd]
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			userinfo := authority[:at]
			if colon := strings.IndexByte(userinfo, ':'); colon >= 0 {
				u = u[:authStart] + userinfo[:colon+1] + "?" + authority[at:] + u[authEnd:]
			}
		}
	}

	var b strings.Builder
	b.Grow(len(u) + len(query) + len(fragment) + 2)
	b.WriteString(u)
	if hasQuery {
		b.WriteByte('?')
		writeScrubbedParams(&b, query)
	}
	if hasFragment {
		b.WriteByte('#')
		// OAuth implicit flows put tokens here: access_token=...
		writeScrubbedParams(&b, fragment)
	}
	if b.Len() == len(orig) && b.String() == orig {
		return orig
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// isIdentStart: SQL identifiers start with a letter or "_"; bytes of
// multi-byte UTF-8 runes count as letters.
func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// scrubSQL replaces single-quoted string literals (a doubled quote escapes),
// dollar-quoted strings ($$...$$ and $tag$...$tag$) and numeric literals by
// "?". Identifiers (including ones containing digits, quoted "..." and `...`
// identifiers) and positional parameters ($1) are kept. An unterminated
// literal swallows the rest of the statement: better too much than too little.
func scrubSQL(s string) string {
	if !strings.ContainsAny(s, "'$0123456789") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	n := len(s)
	i := 0
	for i < n {
		c := s[i]
		switch {
		case c == '\'':
			i = skipQuoted(s, i, '\'')
			b.WriteByte('?')

		case c == '"' || c == '`':
			end := skipQuoted(s, i, c)
			b.WriteString(s[i:end])
			i = end

		case c == '$':
			if i+1 < n && isDigit(s[i+1]) { // positional parameter $1
				j := i + 1
				for j < n && isDigit(s[j]) {
					j++
				}
				b.WriteString(s[i:j])
				i = j
				continue
			}
			if tag, ok := dollarTag(s[i:]); ok {
				body := i + len(tag)
				if end := strings.Index(s[body:], tag); end >= 0 {
					i = body + end + len(tag)
				} else {
					i = n
				}
				b.WriteByte('?')
				continue
			}
			b.WriteByte(c)
			i++

		case isDigit(c) || (c == '.' && i+1 < n && isDigit(s[i+1])):
			j := skipNumber(s, i)
			if j < n && isIdentStart(s[j]) {
				// Digits glued to letters ("1st_col") are an identifier.
				for j < n && isIdentPart(s[j]) {
					j++
				}
				b.WriteString(s[i:j])
			} else {
				b.WriteByte('?')
			}
			i = j

		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentPart(s[j]) {
				j++
			}
			b.WriteString(s[i:j])
			i = j

		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// skipQuoted returns the index just past the quoted run that starts at
// s[start] == q; a doubled quote inside is an escaped quote.
func skipQuoted(s string, start int, q byte) int {
	j := start + 1
	for j < len(s) {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(s)
}

// dollarTag recognises the opening "$$" or "$tag$" of a dollar-quoted string.
func dollarTag(s string) (string, bool) {
	// s[0] == '$'
	j := 1
	if j < len(s) && (isIdentStart(s[j])) {
		j++
		for j < len(s) && s[j] != '$' && (isIdentStart(s[j]) || isDigit(s[j])) {
			j++
		}
	}
	if j < len(s) && s[j] == '$' {
		return s[:j+1], true
	}
	return "", false
}

// skipNumber returns the index just past the numeric literal at s[start]:
// 0x1F, 42, 4.2, .5, 1e-3.
func skipNumber(s string, start int) int {
	n := len(s)
	j := start
	if j+2 < n && s[j] == '0' && (s[j+1] == 'x' || s[j+1] == 'X') && isHexDigit(s[j+2]) {
		j += 2
		for j < n && isHexDigit(s[j]) {
			j++
		}
		return j
	}
	for j < n && isDigit(s[j]) {
		j++
	}
	if j < n && s[j] == '.' {
		j++
		for j < n && isDigit(s[j]) {
			j++
		}
	}
	if j < n && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < n && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < n && isDigit(s[k]) {
			for k < n && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	return j
}
