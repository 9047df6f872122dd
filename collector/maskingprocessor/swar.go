package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import "math/bits"

// The finders walk strings looking for digits, which are sparse in most
// text. These helpers test eight bytes at a time (SWAR): a word without
// what is looked for is skipped in a handful of instructions.

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// word8 reads s[i:i+8] as a little-endian word; the compiler turns it into
// one load.
func word8(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// digitBits has the high bit of each byte of x that is an ASCII digit.
func digitBits(x uint64) uint64 {
	y := x &^ highBits // bytes >= 0x80 are masked out below
	ge0 := (y + (0x80-'0')*lowBits) & highBits
	gt9 := (y + (0x80-'9'-1)*lowBits) & highBits
	return ge0 &^ gt9 &^ (x & highBits)
}

// equalBits has the high bit of each byte of x that equals c.
func equalBits(x uint64, c byte) uint64 {
	y := x ^ (uint64(c) * lowBits)
	// A byte is zero when neither its low seven bits nor its high bit are set.
	return ^((y&^highBits + ^uint64(highBits)&^highBits) | y) & highBits
}

// nextDigit returns the index of the first ASCII digit in s at or after i,
// or len(s).
func nextDigit(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := digitBits(word8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if isDigit(s[i]) {
			return i
		}
	}
	return len(s)
}

// nextPhoneStart returns the index of the first digit, "+" or "(" in s at
// or after i, or len(s).
func nextPhoneStart(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		x := word8(s, i)
		if m := digitBits(x) | equalBits(x, '+') | equalBits(x, '('); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if phoneStart[s[i]] {
			return i
		}
	}
	return len(s)
}
