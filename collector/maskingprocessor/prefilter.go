package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// requiredBytes derives from an RE2 pattern a set of bytes of which every
// match must contain at least one (the email pattern needs "@", a phone
// pattern "+"). ok is false when there is no such set (the pattern can match
// the empty string or any character), and then the pattern always runs.
// Non-ASCII runes stand for every UTF-8 lead byte; that is coarse and safe.
func requiredBytes(pattern string) (byteSet, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return byteSet{}, false
	}
	return required(re.Simplify())
}

func required(re *syntax.Regexp) (byteSet, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return byteSet{}, false
		}
		// Any rune of a literal is required; the rarest is best, and among
		// letters and digits the first is as good as another.
		best, bestSize := byteSet{}, 1<<30
		for _, r := range re.Rune {
			set := runeBytes(r, re.Flags&syntax.FoldCase != 0)
			if n := set.size(); n < bestSize {
				best, bestSize = set, n
			}
		}
		return best, true
	case syntax.OpCharClass:
		var set byteSet
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				set.add(byte(r))
			}
			if hi >= utf8.RuneSelf {
				set.addRange(0xC0, 0xFF)
			}
		}
		return set, true
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
		return byteSet{}, false
	case syntax.OpConcat:
		best, bestSize, found := byteSet{}, 1<<30, false
		for _, sub := range re.Sub {
			if set, ok := required(sub); ok {
				if n := set.size(); n < bestSize {
					best, bestSize, found = set, n, true
				}
			}
		}
		return best, found
	case syntax.OpAlternate:
		var set byteSet
		for _, sub := range re.Sub {
			s, ok := required(sub)
			if !ok {
				return byteSet{}, false
			}
			set.union(&s)
		}
		return set, true
	}
	return byteSet{}, false
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
