package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// keyFlags are the key-based rules that name a key.
type keyFlags uint8

const (
	flagRemove keyFlags = 1 << iota
	flagPseudonymize
	flagAllowed
)

// keyRule is everything the configuration says about one canonical key.
type keyRule struct {
	flags keyFlags
	scrub scrubKind // kindNone when the key is not in scrub_queries
}

// canonicalKey is the form in which keys are compared: ASCII lower case,
// with ".", "_" and "-" removed, so USER.ID, user_id and userId all match
// user.id. Non-ASCII text is NFKC-normalized first (a full-width key
// matches its ASCII spelling).
func canonicalKey(key string) string {
	var buf [96]byte
	canon, _ := appendCanonical(buf[:0], key)
	return string(canon)
}

// appendCanonical appends the canonical form of key to dst and returns it
// with the offset where the key's last dot-separated segment starts.
func appendCanonical(dst []byte, key string) ([]byte, int) {
	if hasNonASCII(key) {
		key = normalize(key)
	}
	segStart := len(dst)
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '.':
			segStart = len(dst)
		case c == '_' || c == '-':
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		default:
			dst = append(dst, c)
		}
	}
	return dst, segStart
}

// keyIndex maps canonical keys to their rules.
type keyIndex map[string]keyRule

func (ix keyIndex) set(key string, f func(*keyRule)) {
	c := canonicalKey(key)
	r := ix[c]
	f(&r)
	ix[c] = r
}

// lookup returns the rules of key and whether its last segment names a
// secret. The canonical form is built on the stack: a key costs no
// allocation.
func (ix keyIndex) lookup(key string) (keyRule, bool) {
	var buf [96]byte
	canon, seg := appendCanonical(buf[:0], key)
	return ix[string(canon)], isSecretSegment(canon[seg:])
}
