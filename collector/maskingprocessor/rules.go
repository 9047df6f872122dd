package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"regexp"
	"strings"
)

// finder locates one kind of personal value. need is what a string must
// contain for next to find anything. next returns the first match that
// starts at or after from, or start < 0.
type finder struct {
	need prefilter
	next func(s string, from int) (start, end int)
}

// textRule is one rule as the masker runs it: a built-in detector's finder
// or a custom RE2 pattern, with the replacement text of its name.
type textRule struct {
	need prefilter
	// replace returns s with every match replaced and whether anything was.
	replace func(s string) (string, bool)
}

func redaction(name string) string { return "[REDACTED:" + name + "]" }

func finderRule(name string, f *finder, t *classTable) textRule {
	repl := redaction(name)
	return textRule{
		need:    f.need.compile(t),
		replace: func(s string) (string, bool) { return replaceMatches(s, f.next, repl) },
	}
}

// replaceMatches builds the output only when there is a match, so a string
// without one costs no allocation.
func replaceMatches(s string, next func(string, int) (int, int), repl string) (string, bool) {
	start, end := next(s, 0)
	if start < 0 {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + len(repl))
	last := 0
	for start >= 0 {
		b.WriteString(s[last:start])
		b.WriteString(repl)
		last = end
		if end >= len(s) {
			break
		}
		start, end = next(s, end)
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// regexRule runs a custom RE2 pattern behind the filter that patternFilter
// derives from it, on the runs of the string that can hold a match.
func regexRule(name string, re *regexp.Regexp, t *classTable) textRule {
	repl := redaction(name)
	need := patternFilter(re.String()).compile(t)
	p := newPatternRule(re, repl, need, t)
	return textRule{need: need, replace: p.replace}
}

// hasMatch reports whether any rule finds something in s (already
// normalized, class c).
func hasMatch(rules []textRule, s string, c *textClass) bool {
	for i := range rules {
		r := &rules[i]
		if n := &r.need; c.digits < n.minDigits || c.features&n.mask != n.mask || (n.slow && !n.mayMore(c, s)) {
			continue
		}
		if _, ok := r.replace(s); ok {
			return true
		}
	}
	return false
}

// applyRules runs every rule in order over s and reports whether anything
// was replaced.
func applyRules(rules []textRule, s string, c *textClass) (string, bool) {
	changed := false
	for i := range rules {
		r := &rules[i]
		// prefilter.may, written out: this loop runs for every string.
		if n := &r.need; c.digits < n.minDigits || c.features&n.mask != n.mask || (n.slow && !n.mayMore(c, s)) {
			continue
		}
		if out, ok := r.replace(s); ok {
			s, changed = out, true
		}
	}
	return s, changed
}
