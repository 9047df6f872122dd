package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import "strings"

// maskTraceState masks each list member's value of a W3C trace state. A
// changed member keeps its key with the masked value when that is still a
// valid tracestate value, and is dropped otherwise; a member whose key holds
// a match, or that has no "=" and holds a match, is dropped. Keys (vendor
// ids) are never rewritten: a rewritten key could collide with another
// vendor's.
func (m *masker) maskTraceState(raw string) (string, bool) {
	if raw == "" || len(m.textRules) == 0 {
		return raw, false
	}
	c := m.class.classify(raw)
	if !c.needsNormalizing() && !anyMay(m.textRules, &c, raw) {
		return raw, false
	}
	return m.maskTraceStateRaw(raw)
}

func anyMay(rules []textRule, c *textClass, s string) bool {
	for i := range rules {
		if rules[i].need.may(c, s) {
			return true
		}
	}
	return false
}

// maskTraceStateRaw checks every member first and builds a new list only
// when one changed, so an unchanged trace state costs no allocation.
func (m *masker) maskTraceStateRaw(raw string) (string, bool) {
	changed := false
	for member := range strings.SplitSeq(raw, ",") {
		if _, _, ok := m.maskMember(member); ok {
			changed = true
			break
		}
	}
	if !changed {
		return raw, false
	}
	var b strings.Builder
	for member := range strings.SplitSeq(raw, ",") {
		out, keep, _ := m.maskMember(member)
		if !keep {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(out)
	}
	return b.String(), true
}

// maskMember masks one "key=value" list member: what to write, whether to
// keep it, and whether it changed.
func (m *masker) maskMember(member string) (string, bool, bool) {
	member = strings.Trim(member, " \t")
	if member == "" {
		return "", false, false
	}
	eq := strings.IndexByte(member, '=')
	if eq < 0 {
		if _, ok := m.maskText(member); ok {
			return "", false, true
		}
		return member, true, false
	}
	key, value := member[:eq], member[eq+1:]
	if m.keyHasMatch(key) {
		return "", false, true
	}
	masked, ok := m.maskText(value)
	if !ok {
		return member, true, false
	}
	if !validTraceStateValue(masked) {
		return "", false, true
	}
	return key + "=" + masked, true, true
}

// validTraceStateValue: 1 to 256 printable ASCII characters other than ","
// and "=", not ending in a space (W3C Trace Context, tracestate value).
func validTraceStateValue(v string) bool {
	if v == "" || len(v) > 256 || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7E || c == ',' || c == '=' {
			return false
		}
	}
	return true
}
