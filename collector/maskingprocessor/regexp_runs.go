package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// patternRule runs one custom RE2 pattern. Go's regexp engine costs tens of
// nanoseconds per byte and start position, so when it is sound the pattern
// runs only on the runs of the string that could hold a match: a match is
// made of bytes of the pattern's alphabet (the email pattern's has no
// blank), so it lies within one maximal run of such bytes, and a run
// without what the prefilter asks for (an "@", 13 digits) is skipped. Each
// run is searched with one byte of context on either side, which is never
// part of a match but keeps \b and \B true to the whole string. Patterns
// with any-character parts or line and text anchors (^ $ \A \z) run on the
// whole string.
type patternRule struct {
	re   *regexp.Regexp
	repl string
	// narrow is set when alphabet bounds every match.
	narrow   bool
	alphabet [256]bool
	need     prefilter // compiled against class
	class    *classTable
}

func newPatternRule(re *regexp.Regexp, repl string, need prefilter, class *classTable) *patternRule {
	p := &patternRule{re: re, repl: repl, need: need, class: class}
	if parsed, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		if set, ok := alphabet(parsed.Simplify()); ok {
			p.narrow = true
			for c := 0; c < 256; c++ {
				p.alphabet[c] = set.has(byte(c))
			}
		}
	}
	return p
}

// alphabet is the set of bytes a match of re can contain; ok is false when
// that is every byte or when the pattern anchors to lines or the text.
func alphabet(re *syntax.Regexp) (byteSet, bool) {
	var set byteSet
	switch re.Op {
	case syntax.OpLiteral:
		add := func(r rune) {
			if r < utf8.RuneSelf {
				set.add(byte(r))
			} else {
				set.addRange(0x80, 0xFF) // every byte of a multi-byte rune
			}
		}
		for _, r := range re.Rune {
			add(r)
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					add(f)
				}
			}
		}
		return set, true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				set.add(byte(r))
			}
			if hi >= utf8.RuneSelf {
				set.addRange(0x80, 0xFF)
			}
		}
		return set, true
	case syntax.OpEmptyMatch, syntax.OpNoMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return set, true
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat,
		syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, ok := alphabet(sub)
			if !ok {
				return set, false
			}
			set.union(&s)
		}
		return set, true
	}
	return set, false // any character, ^ $ \A \z
}

// replace replaces every non-empty match with repl.
func (p *patternRule) replace(s string) (string, bool) {
	if !p.narrow {
		return p.write(s, p.re.FindAllStringIndex(s, -1))
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !p.alphabet[s[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && p.alphabet[s[j]] {
			j++
		}
		run := s[i:j]
		if c := p.class.classify(run); p.need.may(&c, run) {
			lo, hi := max(i-1, 0), min(j+1, len(s))
			for _, m := range p.re.FindAllStringIndex(s[lo:hi], -1) {
				if m[1] == m[0] {
					continue
				}
				if b.Len() == 0 && last == 0 {
					b.Grow(len(s) + len(p.repl))
				}
				b.WriteString(s[last : lo+m[0]])
				b.WriteString(p.repl)
				last = lo + m[1]
			}
		}
		i = j
	}
	if b.Len() == 0 && last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// write builds s with the non-empty matches replaced.
func (p *patternRule) write(s string, matches [][]int) (string, bool) {
	var b strings.Builder
	last := 0
	for _, m := range matches {
		if m[1] == m[0] {
			continue
		}
		if b.Len() == 0 && last == 0 {
			b.Grow(len(s) + len(p.repl))
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(p.repl)
		last = m[1]
	}
	if b.Len() == 0 && last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}
