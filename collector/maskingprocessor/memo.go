package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"hash/maphash"
	"math/bits"
)

// valueMemo remembers what one batch masked its longer string values into:
// a user agent, a stack trace, a scrubbed statement or a user's id comes
// back on span after span, and the detectors or the HMAC cost far more than
// a lookup. It is direct-mapped: one slot per hash, a later value taking
// the slot of an earlier one. Unlike a map it is allocated once, at a size
// that follows the batch, and never grows, so a batch of ever new values
// costs one fixed table and an occasional re-masking, never more memory.
type valueMemo struct {
	seed  maphash.Seed
	slots []memoSlot
}

type memoSlot struct {
	value, out string
	tag        memoTag
	used       bool
}

// memoTag says what was done to a value: scrubbed as a scrubKind and then
// masked, or pseudonymized.
type memoTag uint8

const (
	tagPseudonym memoTag = 0xFF
	// memoMinLen: shorter values (enums, methods, currencies) fail every
	// prefilter in fewer instructions than hashing them takes. Pseudonyms
	// are remembered whatever their length: an HMAC costs more than a hash.
	memoMinLen = 24
	// memoMinSlots and memoMaxSlots bound the table: two slots per span of
	// the batch, rounded up to a power of two.
	memoMinSlots = 16
	memoMaxSlots = 4096
)

func newValueMemo(seed maphash.Seed, spans int) valueMemo {
	n := max(memoMinSlots, min(memoMaxSlots, 1<<bits.Len(uint(2*spans-1))))
	return valueMemo{seed: seed, slots: make([]memoSlot, n)}
}

func (m *valueMemo) slot(value string, tag memoTag) *memoSlot {
	h := maphash.String(m.seed, value) ^ uint64(tag)
	return &m.slots[h&uint64(len(m.slots)-1)]
}

// get returns what value became under tag, if the memo still holds it.
func (m *valueMemo) get(value string, tag memoTag) (string, bool) {
	s := m.slot(value, tag)
	if s.used && s.tag == tag && s.value == value {
		return s.out, true
	}
	return "", false
}

func (m *valueMemo) put(value string, tag memoTag, out string) {
	*m.slot(value, tag) = memoSlot{value: value, out: out, tag: tag, used: true}
}
