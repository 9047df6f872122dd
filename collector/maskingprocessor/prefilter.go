package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// prefilter is what a string must contain for a rule to find anything in
// it: at least minDigits decimal digits (and at most maxDigits when that is
// not 0), a byte of each set, and the literal (case-insensitively when
// fold). Most strings fail every rule's prefilter after one pass over their
// bytes (classify), and no finder or regexp runs on them. The zero value
// lets everything through.
type prefilter struct {
	minDigits int
	maxDigits int
	sets      []byteSet
	literal   string
	fold      bool
	// window, when not 0, is the longest match in bytes: the minDigits
	// digits must then sit within window bytes of each other. A card
	// pattern then skips a user agent whose 20 digits are spread out.
	window int
	// mask holds the feature bits of sets in a masker's classTable (see
	// compile): the string's features must include all of them.
	mask uint64
	// slow is set when maxDigits, literal or window needs checking beyond
	// the digit count and the mask.
	slow bool
}

// compile gives the sets their feature bits in t.
func (f prefilter) compile(t *classTable) prefilter {
	f.mask = 0
	for _, set := range f.sets {
		f.mask |= t.feature(set)
	}
	f.slow = f.maxDigits > 0 || f.literal != "" || (f.window > 0 && f.minDigits > 0)
	return f
}

// anyOf returns one set per argument, each holding the argument's bytes.
func anyOf(groups ...string) []byteSet {
	sets := make([]byteSet, len(groups))
	for i, g := range groups {
		for j := 0; j < len(g); j++ {
			sets[i].add(g[j])
		}
	}
	return sets
}

// maxFilterSets bounds the per-string cost of a pattern's filter.
const maxFilterSets = 4

// may reports whether a string of class c may hold a match. The first test
// is small enough to be inlined into the rule loops; the rest runs for the
// few rules that need it.
func (f *prefilter) may(c *textClass, s string) bool {
	return c.digits >= f.minDigits && c.features&f.mask == f.mask && (!f.slow || f.mayMore(c, s))
}

func (f *prefilter) mayMore(c *textClass, s string) bool {
	if f.maxDigits > 0 && c.digits > f.maxDigits {
		return false
	}
	switch {
	case f.literal == "":
	case f.fold:
		if !containsFoldASCII(s, f.literal) {
			return false
		}
	default:
		if !strings.Contains(s, f.literal) {
			return false
		}
	}
	return f.window == 0 || f.minDigits == 0 || maxDigitsInWindow(s, f.window) >= f.minDigits
}

// maxDigitsInWindow is the largest number of decimal digits in any window
// of n consecutive bytes of s.
func maxDigitsInWindow(s string, n int) int {
	best, count := 0, 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			count++
		}
		if i >= n && isDigit(s[i-n]) {
			count--
		}
		best = max(best, count)
	}
	return best
}

// containsFoldASCII: s contains lit (lower-case ASCII) in any ASCII case.
func containsFoldASCII(s, lit string) bool {
	first := lit[0]
	for i := 0; i+len(lit) <= len(s); i++ {
		if s[i]|0x20 == first && strings.EqualFold(s[i:i+len(lit)], lit) {
			return true
		}
	}
	return false
}

// patternFilter derives the prefilter of a custom RE2 pattern from its
// syntax tree: every match must hold what it says. An unparsable pattern
// gets no filter (Validate has rejected it before).
func patternFilter(pattern string) prefilter {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	re = re.Simplify()
	f := facts(re)
	if n, ok := maxLen(re); ok {
		f.window = n
	}
	slices.SortFunc(f.sets, func(a, b byteSet) int { return a.size() - b.size() })
	if len(f.sets) > maxFilterSets {
		f.sets = f.sets[:maxFilterSets]
	}
	return f
}

// facts computes the filter of one node of the syntax tree.
func facts(re *syntax.Regexp) prefilter {
	switch re.Op {
	case syntax.OpLiteral:
		var f prefilter
		fold := re.Flags&syntax.FoldCase != 0
		for _, r := range re.Rune {
			f.sets = append(f.sets, runeBytes(r, fold))
			if r >= '0' && r <= '9' {
				f.minDigits++
			}
		}
		if lit, ok := asciiLiteral(re.Rune, fold); ok && len(lit) >= 2 {
			f.literal, f.fold = lit, fold
		}
		return f
	case syntax.OpCharClass:
		var set byteSet
		digitsOnly := len(re.Rune) > 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			digitsOnly = digitsOnly && lo >= '0' && hi <= '9'
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				set.add(byte(r))
			}
			if hi >= utf8.RuneSelf {
				set.addRange(0xC0, 0xFF)
			}
		}
		f := prefilter{sets: []byteSet{set}}
		if digitsOnly {
			f.minDigits = 1
		}
		return f
	case syntax.OpCapture, syntax.OpPlus:
		return facts(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return prefilter{}
		}
		f := facts(re.Sub[0])
		f.minDigits *= re.Min
		return f
	case syntax.OpConcat:
		var f prefilter
		for _, sub := range re.Sub {
			s := facts(sub)
			f.minDigits += s.minDigits
			f.sets = append(f.sets, s.sets...)
			if len(s.literal) > len(f.literal) {
				f.literal, f.fold = s.literal, s.fold
			}
		}
		return f
	case syntax.OpAlternate:
		var f prefilter
		var union byteSet
		needsBytes := true
		for i, sub := range re.Sub {
			s := facts(sub)
			if i == 0 || s.minDigits < f.minDigits {
				f.minDigits = s.minDigits
			}
			if len(s.sets) == 0 {
				needsBytes = false // this branch needs no particular byte
				continue
			}
			smallest := slices.MinFunc(s.sets, func(a, b byteSet) int { return a.size() - b.size() })
			union.union(&smallest)
		}
		if needsBytes {
			f.sets = []byteSet{union}
		}
		return f
	}
	return prefilter{}
}

// maxLen is the longest match of re in bytes; ok is false when it is
// unbounded.
func maxLen(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n, true
	case syntax.OpCharClass:
		n := 1
		for i := 1; i < len(re.Rune); i += 2 {
			n = max(n, utf8.RuneLen(re.Rune[i]))
		}
		return n, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return 0, false
		}
		n, ok := maxLen(re.Sub[0])
		return n * re.Max, ok
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			n, ok := maxLen(sub)
			if !ok {
				return 0, false
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total, true
	case syntax.OpStar, syntax.OpPlus:
		return 0, false
	}
	return 0, true // empty matches and assertions take no bytes
}

// asciiLiteral returns the literal as lower-case ASCII when that is exact:
// no rune outside ASCII, and under case folding no rune with a non-ASCII
// case variant (k folds to the Kelvin sign, s to the long s).
func asciiLiteral(runes []rune, fold bool) (string, bool) {
	var b strings.Builder
	for _, r := range runes {
		if r >= utf8.RuneSelf {
			return "", false
		}
		if fold {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f >= utf8.RuneSelf {
					return "", false
				}
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// runeBytes is the set of bytes that can start r in UTF-8, with its case
// variants when fold is set.
func runeBytes(r rune, fold bool) byteSet {
	var set byteSet
	add := func(r rune) {
		if r < utf8.RuneSelf {
			set.add(byte(r))
		} else {
			set.addRange(0xC0, 0xFF)
		}
	}
	add(r)
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			add(f)
		}
	}
	return set
}
