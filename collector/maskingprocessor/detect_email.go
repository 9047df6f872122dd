package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import "strings"

// Email addresses: a local part of letters, digits and ._%+-' (and any
// non-ASCII letters), "@", and a domain of at least two labels whose last
// one has two or more letters. Full-width ＠, zero-width characters and %40
// reach this finder already normalized to a plain "@".
var emailFinder = finder{
	need: prefilter{sets: anyOf("@")},
	next: nextEmail,
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool  { return isLetter(c) || isDigit(c) }

func isEmailLocal(c byte) bool {
	return isAlnum(c) || c >= 0x80 || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}

func isDomainChar(c byte) bool { return isAlnum(c) || c >= 0x80 || c == '.' || c == '-' }

func nextEmail(s string, from int) (int, int) {
	for at := indexByteFrom(s, '@', from); at >= 0; at = indexByteFrom(s, '@', at+1) {
		start := at
		for start > from && isEmailLocal(s[start-1]) {
			start--
		}
		for start < at && (s[start] == '.' || s[start] == '\'') {
			start++
		}
		if start == at {
			continue
		}
		end := at + 1
		for end < len(s) && isDomainChar(s[end]) {
			end++
		}
		for end > at+1 && (s[end-1] == '.' || s[end-1] == '-') {
			end--
		}
		if validDomain(s[at+1 : end]) {
			return start, end
		}
	}
	return -1, -1
}

// validDomain: two or more non-empty labels, the last of two letters or more.
func validDomain(d string) bool {
	dot := -1
	for i := 0; i < len(d); i++ {
		if d[i] == '.' {
			if i == 0 || i == dot+1 {
				return false
			}
			dot = i
		}
	}
	if dot < 0 {
		return false
	}
	tld := d[dot+1:]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) && tld[i] < 0x80 {
			return false
		}
	}
	return true
}

func indexByteFrom(s string, c byte, from int) int {
	if from >= len(s) {
		return -1
	}
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}
