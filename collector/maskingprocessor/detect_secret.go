package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"bytes"
	"strings"
)

// Names that name a secret (the secret_keys detector). A name is judged by
// its last dot-separated segment in canonical form (lower case, "_" and "-"
// removed): "http.request.header.x-api-key" by "xapikey".
var (
	// secretWords anywhere in the segment: "proxyauthorization",
	// "setcookie", "clientsecret", "dbpassword".
	secretWords = [][]byte{
		[]byte("authorization"), []byte("cookie"), []byte("apikey"), []byte("secret"),
		[]byte("password"), []byte("passwd"), []byte("credential"), []byte("privatekey"),
	}
	// secretEndings at the end of the segment: "accesstoken", "xauthtoken",
	// "jsessionid"; "inputtokens" (a count) and "tokenizer" do not end so.
	secretEndings = [][]byte{
		[]byte("token"), []byte("sessionid"), []byte("sessid"), []byte("pwd"),
		[]byte("signature"), []byte("accesskey"), []byte("secretkey"),
	}
)

// isSecretSegment judges a canonical last segment: one pass that tries the
// words only where their first letter is.
func isSecretSegment(seg []byte) bool {
	if len(seg) < 3 {
		return false
	}
	last := seg[len(seg)-1]
	for _, w := range secretEndings {
		if w[len(w)-1] == last && bytes.HasSuffix(seg, w) {
			return true
		}
	}
	for i, c := range seg {
		for _, w := range secretWordsByFirst[c] {
			if bytes.HasPrefix(seg[i:], w) {
				return true
			}
		}
	}
	return false
}

// secretWordsByFirst indexes secretWords by their first letter.
var secretWordsByFirst = func() (t [256][][]byte) {
	for _, w := range secretWords {
		t[w[0]] = append(t[w[0]], w)
	}
	return t
}()

// isSecretName judges a raw name (a query parameter or a header name) by
// its last dot-separated segment, canonicalized from the end.
func isSecretName(name string) bool {
	var buf [64]byte
	n := len(buf)
	dot := strings.LastIndexByte(name, '.')
	for i := len(name) - 1; i > dot; i-- {
		c := name[i]
		switch {
		case c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == 0 {
			return false // longer than any secret name
		}
		n--
		buf[n] = c
	}
	return isSecretSegment(buf[n:])
}

// Secret parameters in text: "name=value" (query strings, fragments,
// key=value logs) and "name: value" (headers written as text) where the name
// names a secret. The value is replaced: up to "&", ";", "#", ",", a quote or
// a blank after "="; up to ",", ";", "&", a quote or the end of the line
// after ":"; a quoted value ("password": "x") up to its closing quote.
var secretParamFinder = finder{
	need: prefilter{sets: anyOf("=:")},
	next: nextSecretParam,
}

func isParamName(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

func nextSecretParam(s string, from int) (int, int) {
	eq, colon := indexByteFrom(s, '=', from), indexByteFrom(s, ':', from)
	for eq >= 0 || colon >= 0 {
		var i int
		if colon < 0 || (eq >= 0 && eq < colon) {
			i, eq = eq, indexByteFrom(s, '=', eq+1)
		} else {
			i, colon = colon, indexByteFrom(s, ':', colon+1)
		}
		c := s[i]
		// JSON writes the name and the value in quotes: "password":"x".
		nameEnd := i
		quoted := nameEnd > from && s[nameEnd-1] == '"'
		if quoted {
			nameEnd--
		}
		n := nameEnd
		for n > from && isParamName(s[n-1]) {
			n--
		}
		start := i + 1
		if c == ':' && start < len(s) && s[start] == '/' {
			continue // a URL scheme, not a header
		}
		if nameEnd-n < 3 || (quoted && (n == from || s[n-1] != '"')) || !isSecretName(s[n:nameEnd]) {
			continue
		}
		for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
			start++
		}
		end := start
		if start < len(s) && s[start] == '"' {
			start++
			end = start
			for end < len(s) && s[end] != '"' {
				end++
			}
		} else {
			for end < len(s) && !endsSecretValue(s[end], c) {
				end++
			}
		}
		if end > start && !alreadyRedacted(s[start:end]) {
			return start, end
		}
	}
	return -1, -1
}

func endsSecretValue(c, sign byte) bool {
	switch c {
	case '&', ';', ',', '"', '\'', '\n', '\r':
		return true
	case '#', ' ', '\t':
		return sign == '='
	}
	return false
}

func alreadyRedacted(v string) bool {
	return len(v) > len("[REDACTED:") && v[:len("[REDACTED:")] == "[REDACTED:"
}
