package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNormalizeRounds bounds the normalize loop: each round can reveal new
// work for the others (a full-width ％ becomes "%", "%2540" becomes "%40"
// becomes "@"), and a hostile string must not make it loop long.
const maxNormalizeRounds = 3

// normalize returns what a person would read as the same text: NFKC
// (full-width ＠ is @, NBSP is a space), zero-width characters removed and
// %XX sequences decoded, repeated until nothing changes. The result is
// valid UTF-8 (bytes that percent-decoding left invalid become U+FFFD).
func normalize(s string) string {
	t := s
	for range maxNormalizeRounds {
		before := t
		if hasNonASCII(t) {
			t = norm.NFKC.String(t)
			t = removeZeroWidth(t)
		}
		t = percentDecode(t)
		if t == before {
			break
		}
	}
	if !utf8.ValidString(t) {
		t = strings.ToValidUTF8(t, "\uFFFD")
	}
	return t
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// isZeroWidth: characters that render as nothing and so can split a value
// without a reader noticing (NFKC keeps them).
func isZeroWidth(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD':
		return true
	}
	return false
}

func removeZeroWidth(s string) string {
	if !strings.ContainsFunc(s, isZeroWidth) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isZeroWidth(r) {
			return -1
		}
		return r
	}, s)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// percentDecode decodes every %XX; a "%" not followed by two hex digits
// stays as it is. "+" is not a space here: it is a plus in a phone number.
func percentDecode(s string) string {
	first := -1
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' {
			if _, ok := unhex(s[i+1]); ok {
				if _, ok := unhex(s[i+2]); ok {
					first = i
					break
				}
			}
		}
	}
	if first < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:first]...)
	for i := first; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}
