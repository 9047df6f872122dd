package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// Card numbers (the card rule):
//   - 13 to 19 digits, either in one run or in groups separated by one space,
//     dash or dot each (NBSP and other Unicode spaces are spaces after NFKC);
//     when grouped, every group but the last has 4 to 6 digits (4-4-4-4,
//     4-6-5, 4-6-4), so decimals and dotted versions are not read as cards;
//   - not glued to other digits, but may be glued to letters ("card4111...");
//   - the digits start with an issuer prefix (IIN) that issues that length
//     (cardIssued), and pass the Luhn check.
var cardFinder = finder{
	need: prefilter{minDigits: cardMinDigits},
	next: nextCard,
}

const (
	cardMinDigits = 13
	cardMaxDigits = 19
)

func isCardSep(c byte) bool { return c == ' ' || c == '-' || c == '.' }

func nextCard(s string, from int) (int, int) {
	for i := nextDigit(s, from); i < len(s); i = nextDigit(s, i+1) {
		if i > 0 && isDigit(s[i-1]) {
			continue
		}
		if end := cardAt(s, i); end > 0 {
			return i, end
		}
		// The digits glued to this one cannot start a card either.
		for i+1 < len(s) && isDigit(s[i+1]) {
			i++
		}
	}
	return -1, -1
}

// cardAt returns the end of the longest card number that starts at s[i]
// (the start of a digit group), or -1.
func cardAt(s string, i int) int {
	var digits [cardMaxDigits]byte
	n, best := 0, -1
	group := 0
	grouped := false
	j := i
	for j < len(s) {
		c := s[j]
		if isDigit(c) {
			if n == cardMaxDigits {
				return best // glued to more digits than a card has
			}
			digits[n] = c
			n++
			group++
			j++
			continue
		}
		// End of a group.
		if n >= cardMinDigits && (!grouped || group <= 6) && cardValid(digits[:n]) {
			best = j
		}
		if !isCardSep(c) || j+1 >= len(s) || !isDigit(s[j+1]) || group < 4 || group > 6 {
			return best
		}
		grouped = true
		group = 0
		j++
	}
	if n >= cardMinDigits && (!grouped || group <= 6) && cardValid(digits[:n]) {
		best = j
	}
	return best
}

func cardValid(d []byte) bool { return cardIssued(d) && luhn(d) }

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// prefixValue reads the first k digits as a number.
func prefixValue(d []byte, k int) int {
	v := 0
	for i := 0; i < k && i < len(d); i++ {
		v = v*10 + int(d[i]-'0')
	}
	return v
}

// cardIssued: the issuer identification number (first digits) of a card
// network that issues numbers of this length.
func cardIssued(d []byte) bool {
	n := len(d)
	p1, p2, p3, p4, p6 := prefixValue(d, 1), prefixValue(d, 2), prefixValue(d, 3), prefixValue(d, 4), prefixValue(d, 6)
	between := func(v, lo, hi int) bool { return v >= lo && v <= hi }
	lengths := func(lo, hi int) bool { return n >= lo && n <= hi }
	switch {
	case p1 == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case between(p2, 51, 55), between(p4, 2221, 2720): // Mastercard
		return n == 16
	case p2 == 34, p2 == 37: // American Express
		return n == 15
	case between(p4, 2200, 2204): // Mir
		return lengths(16, 19)
	case between(p3, 300, 305), p4 == 3095, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return lengths(14, 19)
	case between(p4, 3528, 3589): // JCB
		return lengths(16, 19)
	case p4 == 6011, between(p3, 644, 649), p2 == 65, between(p6, 622126, 622925): // Discover
		return lengths(16, 19)
	case p2 == 62, p2 == 81: // UnionPay
		return lengths(16, 19)
	case p2 == 50, between(p2, 56, 58), p2 == 60, p2 == 63, p2 == 67, p2 == 69: // Maestro, RuPay
		return lengths(13, 19)
	case p2 == 82, p4 == 9792: // RuPay, Troy
		return n == 16
	}
	// Not UATP (1, 15 digits): airline-only cards, and 15-digit numbers
	// starting with 1 are common ids (thread ids are 14x... as ints).
	return false
}
