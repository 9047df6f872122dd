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
func (s *byteSet) size() int {
	n := 0
	for c := 0; c < 256; c++ {
		if s.has(byte(c)) {
			n++
		}
	}
	return n
}

// textClass summarises a string in one pass: which of the masker's byte
// sets occur in it (one bit each) and how many decimal digits it has. Every
// rule first asks it whether it can match at all, so the common string (a
// route, an enum, an id) costs one pass and no rule.
type textClass struct {
	features uint64
	digits   int
}

const (
	featureDigit     uint64 = 1 << 0 // the byte is a decimal digit
	featureNormalize uint64 = 1 << 1 // "%" or a non-ASCII byte: normalize may change the text
	firstSetFeature         = 2
)

// classTable maps every byte to the features it has: the two fixed ones and
// one bit per distinct byte set the rules' prefilters ask about.
type classTable struct {
	bits [256]uint64
	sets []byteSet // sets[i] has feature bit firstSetFeature+i
}

func newClassTable() *classTable {
	t := &classTable{}
	for c := '0'; c <= '9'; c++ {
		t.bits[c] |= featureDigit
	}
	t.bits['%'] |= featureNormalize
	for c := 0x80; c <= 0xFF; c++ {
		t.bits[c] |= featureNormalize
	}
	return t
}

// feature returns the bit for set, giving it one when it is new. When all
// 64 bits are taken it returns 0, which asks for nothing: the prefilter is
// then looser, never wrong.
func (t *classTable) feature(set byteSet) uint64 {
	for i, s := range t.sets {
		if s == set {
			return 1 << (firstSetFeature + i)
		}
	}
	if firstSetFeature+len(t.sets) >= 64 {
		return 0
	}
	bit := uint64(1) << (firstSetFeature + len(t.sets))
	t.sets = append(t.sets, set)
	for c := 0; c < 256; c++ {
		if set.has(byte(c)) {
			t.bits[c] |= bit
		}
	}
	return bit
}

// classify is the one pass over s: a table load, an or and an add per byte.
func (t *classTable) classify(s string) textClass {
	var f uint64
	digits := 0
	for i := 0; i < len(s); i++ {
		v := t.bits[s[i]]
		f |= v
		digits += int(v & featureDigit)
	}
	return textClass{features: f, digits: digits}
}

// needsNormalizing: only non-ASCII text (NFKC, zero-width characters) and
// percent signs (%XX) can change under normalize.
func (c *textClass) needsNormalizing() bool { return c.features&featureNormalize != 0 }
