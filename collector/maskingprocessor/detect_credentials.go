package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"encoding/base64"
	"strings"
)

// Bearer credentials: the word "bearer" (any case, not inside a word), one
// or more spaces or tabs, and a token of 8 or more token68 characters
// (letters, digits, -._~+/) with optional "=" padding. The whole
// "Bearer <token>" is replaced.
var bearerFinder = finder{
	need: prefilter{sets: anyOf("bB", "rR", " \t")},
	next: nextBearer,
}

const bearerMinToken = 8

func isToken68(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

func nextBearer(s string, from int) (int, int) {
	for i := from; i+6 < len(s); i++ {
		if s[i]|0x20 != 'b' || !strings.EqualFold(s[i:i+6], "bearer") || (i > 0 && isLetter(s[i-1])) {
			continue
		}
		if end := tokenAfterScheme(s, i+6, isToken68, bearerMinToken); end > 0 {
			return i, end
		}
	}
	return -1, -1
}

// tokenAfterScheme reads blanks then a token of at least minLen characters
// of the class, then "=" padding; it returns the end, or -1.
func tokenAfterScheme(s string, j int, class func(byte) bool, minLen int) int {
	k := j
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	if k == j {
		return -1
	}
	t := k
	for t < len(s) && class(s[t]) {
		t++
	}
	if t-k < minLen {
		return -1
	}
	for t < len(s) && s[t] == '=' {
		t++
	}
	return t
}

// Basic credentials: the word "basic" (any case, not inside a word), blanks,
// and base64 that decodes to "user:password"; or the userinfo
// "user:password@" of a URL ("scheme://user:password@host"), of which
// "user:password" is replaced.
var basicAuthFinder = finder{
	// "Basic <token>" has a b and a c, "user:password@" a ":" and an "@".
	need: prefilter{sets: anyOf("bB@", "cC:")},
	next: nextBasicAuth,
}

func isBase64Std(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }

func nextBasicAuth(s string, from int) (int, int) {
	for i := from; i+5 < len(s); i++ {
		switch s[i] {
		case 'b', 'B':
			if !strings.EqualFold(s[i:i+5], "basic") || (i > 0 && isLetter(s[i-1])) {
				continue
			}
			if end := tokenAfterScheme(s, i+5, isBase64Std, 4); end > 0 && decodesToUserPass(s[i+5:end]) {
				return i, end
			}
		case ':':
			if s[i+1] == '/' && s[i+2] == '/' {
				if start, end := userinfoPassword(s, i+3); start >= 0 {
					return start, end
				}
			}
		}
	}
	return -1, -1
}

// decodesToUserPass: the token (after blanks) is base64 of printable text
// holding a ":".
func decodesToUserPass(t string) bool {
	t = strings.TrimLeft(t, " \t")
	var buf [192]byte
	if base64.StdEncoding.DecodedLen(len(t)) > len(buf) {
		return false
	}
	enc := base64.StdEncoding
	if len(t)%4 != 0 {
		enc = base64.RawStdEncoding
		t = strings.TrimRight(t, "=")
	}
	n, err := enc.Decode(buf[:], []byte(t))
	if err != nil {
		return false
	}
	colon := false
	for _, c := range buf[:n] {
		if c < 0x20 || c == 0x7F {
			return false
		}
		colon = colon || c == ':'
	}
	return colon
}

// userinfoPassword finds "user:password@" at s[j] (just after "://") and
// returns the span of "user:password", or -1.
func userinfoPassword(s string, j int) (int, int) {
	colon := -1
	for k := j; k < len(s); k++ {
		switch c := s[k]; {
		case c == '@':
			if colon > j || (colon == j && k > colon+1) {
				return j, k
			}
			return -1, -1
		case c == ':':
			if colon < 0 {
				colon = k
			}
		case c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'':
			return -1, -1
		}
	}
	return -1, -1
}

// JSON Web Tokens: "eyJ" (base64url of `{"`) and a header segment of 10 or
// more base64url characters, ".", a payload segment of 2 or more, ".", and
// a signature segment (possibly empty for unsigned tokens). Whatever comes
// before "eyJ" does not matter, a word or "x-" glued to it included
// ("x-eyJ...", "tokeneyJ..."): the three-segment shape after it is specific
// enough, and a JWT glued into a header name or a key is still a JWT.
var jwtFinder = finder{
	need: prefilter{sets: anyOf("J", "y", ".")},
	next: nextJWT,
}

func isBase64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

func nextJWT(s string, from int) (int, int) {
	for i := from; i+3 <= len(s); i++ {
		k := strings.Index(s[i:], "eyJ")
		if k < 0 {
			return -1, -1
		}
		i += k
		if end := jwtAt(s, i); end > 0 {
			return i, end
		}
	}
	return -1, -1
}

func jwtAt(s string, i int) int {
	segment := func(j int) int {
		for j < len(s) && isBase64URL(s[j]) {
			j++
		}
		return j
	}
	h := segment(i)
	if h-i < 10 || h >= len(s) || s[h] != '.' {
		return -1
	}
	p := segment(h + 1)
	if p-(h+1) < 2 || p >= len(s) || s[p] != '.' {
		return -1
	}
	return segment(p + 1)
}
