package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// byteSet is a set of byte values, one bit each.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *byteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}
func (s *byteSet) union(o *byteSet) {
	for i := range s {
		s[i] |= o[i]
	}
}
func (s *byteSet) intersects(o *byteSet) bool {
	return s[0]&o[0] != 0 || s[1]&o[1] != 0 || s[2]&o[2] != 0 || s[3]&o[3] != 0
}
func (s *byteSet) size() int {
	n := 0
	for c := 0; c < 256; c++ {
		if s.has(byte(c)) {
			n++
		}
	}
	return n
}

// textClass summarises a string in one pass: which bytes occur and how many
// decimal digits. Every rule first asks it whether it can match at all, so
// the common string (a route, an enum, an id) costs one pass and no rule.
type textClass struct {
	present byteSet
	digits  int
}

func classify(s string) textClass {
	var c textClass
	for i := 0; i < len(s); i++ {
		b := s[i]
		c.present[b>>6] |= 1 << (b & 63)
		if b-'0' < 10 {
			c.digits++
		}
	}
	return c
}

func (c *textClass) has(b byte) bool { return c.present.has(b) }

// hasFold reports whether the ASCII letter b occurs in either case.
func (c *textClass) hasFold(b byte) bool { return c.present.has(b|0x20) || c.present.has(b&^0x20) }

func (c *textClass) nonASCII() bool { return c.present[2] != 0 || c.present[3] != 0 }

// needsNormalizing: only non-ASCII text (NFKC, zero-width characters) and
// percent signs (%XX) can change under normalize.
func (c *textClass) needsNormalizing() bool { return c.nonASCII() || c.has('%') }
