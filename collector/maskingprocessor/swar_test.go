package maskingprocessor

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The word-at-a-time scans agree with a byte-by-byte scan on every byte
// value at every offset.
func TestWordScansAgreeWithByteScans(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte('0' + rng.IntN(10))
			case 1:
				b[i] = "+(/:@"[rng.IntN(5)]
			default:
				b[i] = byte(rng.IntN(256))
			}
		}
		s := string(b)
		from := 0
		if len(s) > 0 {
			from = rng.IntN(len(s))
		}
		wantDigit, wantStart := len(s), len(s)
		for i := from; i < len(s); i++ {
			if isDigit(s[i]) && wantDigit == len(s) {
				wantDigit = i
			}
			if phoneStart[s[i]] && wantStart == len(s) {
				wantStart = i
			}
		}
		require.Equal(t, wantDigit, nextDigit(s, from), "%q from %d", s, from)
		require.Equal(t, wantStart, nextPhoneStart(s, from), "%q from %d", s, from)
	}
}
