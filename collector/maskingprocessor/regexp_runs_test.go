package maskingprocessor

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replaceWhole is the reference: the pattern over the whole string, empty
// matches ignored.
func replaceWhole(re *regexp.Regexp, s, repl string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if m[0] == m[1] {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(repl)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// Searching only the runs that can hold a match finds exactly what a search
// of the whole string finds.
func TestPatternRunsMatchTheWholeString(t *testing.T) {
	patterns := []string{
		`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,
		`\b(?:\d[ -]?){12,18}\d\b`,
		`\+\d[\d ()-]{7,}\d`,
		`(?i)bearer\s+[A-Za-z0-9._~+/-]+=*`,
		`\bORD-\d{3}\b`,
		`\B\d\d\B`,
		`[äöü]+x`,
		`(?i)kx`,
		`a*`,
		`^ab`,
		`a.c`,
	}
	pieces := []string{"a", "b", "x", "k", "K", "\u212a", "ä", "1", "2", "9", " ", "-", ".", "@", "+", "ORD", "bearer ", "\xff", "_", "c", "1234 5678 9012 3456", "j@ex.io"}
	rng := rand.New(rand.NewPCG(1, 2))
	class := newClassTable()
	for _, pat := range patterns {
		re := regexp.MustCompile(pat)
		need := patternFilter(pat).compile(class)
		p := newPatternRule(re, "#", need, class)
		for range 3000 {
			var b strings.Builder
			for range rng.IntN(12) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := b.String()
			got, _ := p.replace(s)
			require.Equal(t, replaceWhole(re, s, "#"), got, "pattern %q on %q", pat, s)
		}
	}
}

func TestPatternRunsAreUsedWhenSound(t *testing.T) {
	class := newClassTable()
	for pat, narrow := range map[string]bool{
		`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`: true,
		`\b(?:\d[ -]?){12,18}\d\b`:                       true,
		`^\d+`:                                           false,
		`a.c`:                                            false,
	} {
		p := newPatternRule(regexp.MustCompile(pat), "#", patternFilter(pat).compile(class), class)
		assert.Equal(t, narrow, p.narrow, pat)
	}
}
