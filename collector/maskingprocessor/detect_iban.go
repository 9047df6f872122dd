package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// IBANs: two letters (country), two check digits, then 11 to 30 letters and
// digits, 15 to 34 characters in all, written glued or in groups of four
// separated by single spaces; the mod-97 check must give 1. Not glued to a
// letter or digit on the left.
var ibanFinder = finder{
	// Every country's IBAN holds at least 12 digits (NL: 2 + 10).
	need: prefilter{minDigits: 12},
	next: nextIBAN,
}

const (
	ibanMinLen = 15
	ibanMaxLen = 34
)

func nextIBAN(s string, from int) (int, int) {
	for i := from; i+4 <= len(s); i++ {
		if !isLetter(s[i]) || !isLetter(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
			continue
		}
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		if end := ibanAt(s, i); end > 0 {
			return i, end
		}
	}
	return -1, -1
}

// ibanAt collects the alphanumerics from s[i] (groups of exactly four may be
// separated by one space) and returns the end of the longest prefix that
// ends a group and passes mod-97, or -1.
func ibanAt(s string, i int) int {
	var buf [ibanMaxLen]byte
	var ends [ibanMaxLen + 1]int // ends[n]: where the n-th character ends in s
	n := 0
	j := i
	group := 0
	for j < len(s) && n < ibanMaxLen {
		c := s[j]
		if isAlnum(c) {
			if isLetter(c) {
				c &^= 0x20 // upper case
			}
			buf[n] = c
			n++
			group++
			j++
			ends[n] = j
			continue
		}
		if c == ' ' && group == 4 && j+1 < len(s) && isAlnum(s[j+1]) {
			group = 0
			j++
			continue
		}
		break
	}
	if j < len(s) && isAlnum(s[j]) && n == ibanMaxLen {
		return -1
	}
	// A glued IBAN ends where the alphanumerics end; a grouped one may be
	// followed by a word, so try every group end from the longest.
	for m := n; m >= ibanMinLen; m-- {
		end := ends[m]
		if end < len(s) && isAlnum(s[end]) {
			continue
		}
		if mod97(buf[:m]) == 1 {
			return end
		}
	}
	return -1
}

// mod97 computes the ISO 13616 check: the first four characters moved to the
// end, letters as 10..35, the whole read as a number modulo 97.
func mod97(d []byte) int {
	r := 0
	step := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range d[4:] {
		step(c)
	}
	for _, c := range d[:4] {
		step(c)
	}
	return r
}
