package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import "net/netip"

// IPv4 addresses: four dot-separated decimal octets of 1 to 3 digits, each
// at most 255, not glued to a letter or digit on either side ("v1.2.3.4" is
// a version, "1234.0.0.1" a longer number) and not part of a longer dotted
// run of numbers ("1.2.3.4.5", an OID). Other punctuation does not hide an
// address: a dot after a word or before one ("peer.203.0.113.7",
// "203.0.113.7.nip.io"), "/", "_", "-", "=", ":". A port after ":" is kept.
var ipv4Finder = finder{
	need: prefilter{minDigits: 4, sets: anyOf(".")},
	next: nextIPv4,
}

// nextIPv4 jumps from dot to dot: the first octet ends at a dot, so its
// start is at most three digits before one.
func nextIPv4(s string, from int) (int, int) {
	for dot := indexByteFrom(s, '.', from); dot >= 0; dot = indexByteFrom(s, '.', dot+1) {
		i := dot
		for i > from && dot-i < 3 && isDigit(s[i-1]) {
			i--
		}
		if i == dot || (i > 0 && (isAlnum(s[i-1]) || (s[i-1] == '.' && i >= 2 && isDigit(s[i-2])))) {
			continue
		}
		if end := ipv4At(s, i); end > 0 {
			return i, end
		}
	}
	return -1, -1
}

func ipv4At(s string, i int) int {
	j := i
	for octet := 0; octet < 4; octet++ {
		if octet > 0 {
			if j >= len(s) || s[j] != '.' {
				return -1
			}
			j++
		}
		k := j
		v := 0
		for k < len(s) && isDigit(s[k]) && k-j < 4 {
			v = v*10 + int(s[k]-'0')
			k++
		}
		if k == j || k-j > 3 || v > 255 {
			return -1
		}
		j = k
	}
	if j < len(s) && (isAlnum(s[j]) || (s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]))) {
		return -1
	}
	return j
}

// IPv6 addresses: a run of hex digits, ":" and "." (for an embedded IPv4
// tail) with at least two colons and one hex digit that net/netip parses as
// an IPv6 address, not glued to a letter or digit on either side. Times
// ("10:30:00"), MAC addresses and "Package::Name" are not addresses.
var ipv6Finder = finder{
	need: prefilter{sets: anyOf(":")},
	next: nextIPv6,
}

func isIPv6Char(c byte) bool { return isHexDigit(c) || c == ':' || c == '.' }

// nextIPv6 jumps from colon to colon and takes the run of address
// characters around each.
func nextIPv6(s string, from int) (int, int) {
	for colon := indexByteFrom(s, ':', from); colon >= 0; colon = indexByteFrom(s, ':', colon+1) {
		i := colon
		for i > from && isIPv6Char(s[i-1]) {
			i--
		}
		// Dots come only after the colons (an IPv4 tail): a dot before the
		// first colon ends a word ("peer.fe80::1", "app.feed.2001:db8::7").
		for k := colon - 1; k >= i; k-- {
			if s[k] == '.' {
				i = k + 1
				break
			}
		}
		j := colon
		colons, hex := 0, false
		for j < len(s) && isIPv6Char(s[j]) {
			if s[j] == ':' {
				colons++
			} else if s[j] != '.' {
				hex = true
			}
			j++
		}
		for k := i; k < colon; k++ {
			hex = hex || s[k] != '.'
		}
		// Every colon of this run gives the same run: look at it once.
		next := j - 1
		glued := (i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_')) || (j < len(s) && (isAlnum(s[j]) || s[j] == '_'))
		if colons < 2 || !hex || glued {
			colon = next
			continue
		}
		// A trailing ":" or "." is punctuation ("at fe80::1.").
		end := j
		for end > i && (s[end-1] == '.' || (s[end-1] == ':' && (end-i < 2 || s[end-2] != ':'))) {
			end--
		}
		if addr, err := netip.ParseAddr(s[i:end]); err == nil && addr.Is6() {
			return i, end
		}
		colon = next
	}
	return -1, -1
}
