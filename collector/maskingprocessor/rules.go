package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"regexp"
	"strings"
)

// finder locates one kind of personal value. may is the cheap prefilter:
// false means next cannot find anything in a string of that class. next
// returns the first match that starts at or after from, or start < 0.
type finder struct {
	may  func(c *textClass) bool
	next func(s string, from int) (start, end int)
}

// textRule is one named rule as the masker runs it: a built-in detector's
// finder or a custom RE2 pattern.
type textRule struct {
	name        string
	replacement string
	may         func(c *textClass) bool
	// replace returns s with every match replaced and whether anything was.
	replace func(s string) (string, bool)
}

func redaction(name string) string { return "[REDACTED:" + name + "]" }

func finderRule(name string, f *finder) textRule {
	repl := redaction(name)
	return textRule{
		name:        name,
		replacement: repl,
		may:         f.may,
		replace:     func(s string) (string, bool) { return replaceMatches(s, f.next, repl) },
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

// regexRule runs a custom RE2 pattern behind the byte-set prefilter that
// requiredBytes derives from it.
func regexRule(name string, re *regexp.Regexp) textRule {
	repl := redaction(name)
	may := func(*textClass) bool { return true }
	if set, ok := requiredBytes(re.String()); ok {
		may = func(c *textClass) bool { return c.present.intersects(&set) }
	}
	return textRule{
		name:        name,
		replacement: repl,
		may:         may,
		replace: func(s string) (string, bool) {
			if !re.MatchString(s) {
				return s, false
			}
			return re.ReplaceAllLiteralString(s, repl), true
		},
	}
}

// hasMatch reports whether any rule finds something in s (already
// normalized, class c).
func hasMatch(rules []textRule, s string, c *textClass) bool {
	for i := range rules {
		r := &rules[i]
		if r.may(c) {
			if _, ok := r.replace(s); ok {
				return true
			}
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
		if !r.may(c) {
			continue
		}
		if out, ok := r.replace(s); ok {
			s, changed = out, true
		}
	}
	return s, changed
}
