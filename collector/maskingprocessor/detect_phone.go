package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// Phone numbers in text (the text phone rule). Digits come in groups
// separated by one space, dash, dot or slash; a group may sit in
// parentheses. A number is not glued to letters or digits on either side
// (see gluedBefore and gluedAfter); punctuation around it ("/", ".", "-",
// "_", "=", ":") does not hide it.
//   - international: "+" then 8 to 15 digits starting 1-9 ("+49 30 1234567",
//     "+44 (0)20 7946 0958": a "(0)" trunk group does not count); or "00"
//     then the same, where the country code and length must also fit the
//     numbering plan when the country is in phonePlans ("0049 30 1234567");
//   - national with a trunk 0: "0" then 1-9, 9 to 12 digits in all, written
//     glued (10 to 12 digits: "01711234567"), with an area group of 3 to 5
//     digits ("030 1234567", "0171-1234567", "07700 900123"), with the area
//     in parentheses ("(030) 1234567", "(02) 9876 5432"), or as five pairs
//     ("01 23 45 67 89"). Dates ("01.02.2024") and decimals ("0.123") are not;
//   - North American: "(555) 123-4567", "555-123-4567", "555.123.4567",
//     optionally after "1-" or "1 ": area and exchange codes start 2-9, and
//     without parentheses both separators are the same dash or dot.
//
// Bare digit runs in text ("1712345678", "100234") are never phones.
// Numbers (int and double values) follow phoneNumeric instead.
var phoneFinder = finder{
	need: prefilter{minDigits: phoneMinIntl},
	next: nextPhone,
}

const (
	phoneMinIntl = 8
	phoneMaxIntl = 15
)

func isPhoneSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '/' }

// phoneScan is a run of digit groups as parseGroups found it.
type phoneScan struct {
	digits     [phoneMaxIntl + 1]byte
	n          int  // digits kept (a "(0)" trunk group is skipped)
	tooLong    bool // more digits than any phone number has
	groups     int
	firstLen   int  // digits in the first group
	firstParen bool // the first group was in parentheses
	allPairs   bool // every group has exactly two digits
	seps       [2]byte
	end        int // just past the last digit or ")"
}

func (p *phoneScan) add(c byte) {
	if p.n == len(p.digits) {
		p.tooLong = true
		return
	}
	p.digits[p.n] = c
	p.n++
}

// parseGroups reads digit groups from s[j]. skipTrunk drops a "(0)" group.
func parseGroups(s string, j int, skipTrunk bool) phoneScan {
	p := phoneScan{allPairs: true}
	for j < len(s) {
		paren := s[j] == '('
		if paren {
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j || (paren && (k >= len(s) || s[k] != ')')) {
			break
		}
		glen := k - j
		if !(paren && skipTrunk && glen == 1 && s[j] == '0') {
			for i := j; i < k; i++ {
				p.add(s[i])
			}
		}
		if p.groups == 0 {
			p.firstLen, p.firstParen = glen, paren
		}
		if glen != 2 {
			p.allPairs = false
		}
		p.groups++
		if p.tooLong {
			break // no phone number is this long; stopping bounds the work per start
		}
		j = k
		if paren {
			j++ // ")"
		}
		p.end = j
		// A separator (one) then another group; after ")" it is optional.
		if j < len(s) && isPhoneSep(s[j]) && j+1 < len(s) && (isDigit(s[j+1]) || s[j+1] == '(') {
			if p.groups <= 2 {
				p.seps[p.groups-1] = s[j]
			}
			j++
			continue
		}
		if paren && j < len(s) && isDigit(s[j]) {
			continue
		}
		break
	}
	return p
}

// gluedBefore: s[i] continues a word or a number, so no phone number
// starts there. Letters and digits glue (an identifier, a hex id, a longer
// number), and so does "+" ("++49..."). Before a "+", nothing else glues.
// Before a digit or "(", a dot, dash or blank glues only when a digit
// precedes it ("3.0171234567", "12-0301234567", "12 0301234567": the run
// would start inside a longer number); "/", "_", "=", ":" and a dot, dash
// or blank after a letter are separators ("/schemas/1.26.0/0170 5000006",
// "app.callback.01705000006", "id_01705000006").
func gluedBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	p := s[i-1]
	if isAlnum(p) || p == '+' {
		return true
	}
	if s[i] == '+' {
		return false
	}
	return (p == '.' || p == '-' || p == ' ') && i >= 2 && isDigit(s[i-2])
}

// gluedAfter: a letter or digit right after the number makes it part of a
// word or a longer number ("01711234567abc" is a hex id); punctuation,
// "_" included, ends it.
func gluedAfter(s string, end int) bool {
	return end < len(s) && isAlnum(s[end])
}

// phoneStart marks the bytes a phone number can start with.
var phoneStart = func() (t [256]bool) {
	for _, c := range "+(0123456789" {
		t[c] = true
	}
	return t
}()

func nextPhone(s string, from int) (int, int) {
	for i := nextPhoneStart(s, from); i < len(s); i = nextPhoneStart(s, i+1) {
		c := s[i]
		if !gluedBefore(s, i) {
			if end := phoneAt(s, i); end > 0 {
				return i, end
			}
		}
		// The digits glued to this one cannot start a number either.
		for isDigit(c) && i+1 < len(s) && isDigit(s[i+1]) {
			i++
		}
	}
	return -1, -1
}

func phoneAt(s string, i int) int {
	switch {
	case s[i] == '+':
		if i+1 >= len(s) || !(isDigit(s[i+1]) && s[i+1] != '0') {
			return -1
		}
		p := parseGroups(s, i+1, true)
		if !p.tooLong && p.n >= phoneMinIntl && p.n <= phoneMaxIntl && !gluedAfter(s, p.end) {
			return p.end
		}
	case len(s) > i+2 && s[i] == '0' && s[i+1] == '0' && isDigit(s[i+2]) && s[i+2] != '0':
		p := parseGroups(s, i+2, true)
		if !p.tooLong && p.n >= phoneMinIntl && p.n <= phoneMaxIntl && !gluedAfter(s, p.end) &&
			fitsPlan(p.digits[:p.n], false) {
			return p.end
		}
	}
	if end := nationalAt(s, i); end > 0 {
		return end
	}
	return nanpAt(s, i)
}

// nationalAt: a trunk-0 national number starting at s[i] ("0..." or "(0...").
func nationalAt(s string, i int) int {
	j := i
	if s[j] == '(' {
		j++
	}
	if j+1 >= len(s) || s[j] != '0' || !isDigit(s[j+1]) || s[j+1] == '0' {
		return -1
	}
	p := parseGroups(s, i, false)
	if p.tooLong || p.n < 9 || p.n > 12 || gluedAfter(s, p.end) {
		return -1
	}
	switch {
	case p.groups == 1:
		if p.n >= 10 && !p.firstParen {
			return p.end
		}
	case p.firstParen:
		if p.firstLen >= 2 && p.firstLen <= 5 {
			return p.end
		}
	case p.firstLen >= 3 && p.firstLen <= 5:
		return p.end
	case p.groups == 5 && p.allPairs:
		return p.end
	}
	return -1
}

// nanpAt: a North American number "(NPA) NXX-XXXX", "NPA-NXX-XXXX" or
// "NPA.NXX.XXXX", optionally after "1-" or "1 ".
func nanpAt(s string, i int) int {
	if s[i] == '1' && i+2 < len(s) && (s[i+1] == '-' || s[i+1] == ' ') && (s[i+2] == '(' || isDigit(s[i+2])) {
		if end := nanpAt(s, i+2); end > 0 {
			return end
		}
	}
	// Quick reject: an area code of three digits starting 2-9, then ")"
	// or the dash or dot.
	j := i
	if s[j] == '(' {
		j++
	}
	if j+3 >= len(s) || s[j] < '2' || s[j] > '9' || !isDigit(s[j+1]) || !isDigit(s[j+2]) {
		return -1
	}
	if after := s[j+3]; (j > i && after != ')') || (j == i && after != '-' && after != '.') {
		return -1
	}
	p := parseGroups(s, i, false)
	if p.tooLong || p.groups != 3 || p.n != 10 || gluedAfter(s, p.end) {
		return -1
	}
	d := p.digits[:p.n]
	if p.firstLen != 3 || d[0] < '2' || d[3] < '2' || !isLastFour(s, p.end) {
		return -1
	}
	if !p.firstParen && (p.seps[0] != p.seps[1] || (p.seps[0] != '-' && p.seps[0] != '.')) {
		return -1
	}
	if p.firstParen && p.seps[1] == '/' {
		return -1
	}
	return p.end
}

// isLastFour: the run ends with a group of four digits.
func isLastFour(s string, end int) bool {
	return end >= 5 && isDigit(s[end-4]) && !isDigit(s[end-5])
}
