package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"regexp"
	"strconv"
	"sync"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const (
	// pseudonymPrefix marks a pseudonymized value.
	pseudonymPrefix = "hmac:"
	// pseudonymHexLen is how many hex chars of the HMAC are kept (128 bits).
	pseudonymHexLen = 32
)

// masker holds the compiled rules. It is immutable after newMasker, so one
// masker serves concurrent ConsumeTraces calls.
type masker struct {
	keys keyIndex
	// allowList: keys of top-level attribute maps not flagged allowed get
	// removed, or pseudonymized when otherwisePseudonymize.
	allowList             bool
	otherwisePseudonymize bool
	secretKeys            bool
	scrubNames            bool
	// textRules run over every string, name, trace-state value and key;
	// numberRules over the decimal form of numbers (nil unless numbers).
	textRules   []textRule
	numberRules []textRule
	// macs pools HMAC states keyed with the secret; hash.Hash is not safe
	// for concurrent use, and building one per value would rehash the key.
	macs *sync.Pool
}

var secretRedaction = redaction("secret_keys")

func newMasker(cfg *Config) (*masker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &masker{keys: keyIndex{}, scrubNames: cfg.ScrubNames}
	for _, k := range cfg.Remove {
		m.keys.set(k, func(r *keyRule) { r.flags |= flagRemove })
	}
	for _, k := range cfg.Pseudonymize.Keys {
		m.keys.set(k, func(r *keyRule) { r.flags |= flagPseudonymize })
	}
	for _, q := range cfg.ScrubQueries {
		kind := scrubKindByName[q.Kind]
		m.keys.set(q.Key, func(r *keyRule) { r.scrub = kind })
	}
	if cfg.Allow != nil {
		m.allowList = true
		m.otherwisePseudonymize = cfg.Allow.Otherwise == otherwisePseudonymize
		for _, k := range cfg.Allow.Keys {
			m.keys.set(k, func(r *keyRule) { r.flags |= flagAllowed })
		}
	}

	enabled := make(map[string]bool, len(cfg.Detectors))
	for _, d := range cfg.Detectors {
		enabled[d] = true
	}
	for _, name := range detectorNames {
		if !enabled[name] {
			continue
		}
		d := detectorByName[name]
		m.textRules = append(m.textRules, finderRule(name, d.text))
		if cfg.Numbers && d.numbers != nil {
			m.numberRules = append(m.numberRules, finderRule(name, d.numbers))
		}
		m.secretKeys = m.secretKeys || d.keys
	}
	for _, r := range cfg.RedactValues {
		re, err := regexp.Compile(r.Pattern)
		if err != nil { // unreachable after Validate, kept for safety
			return nil, fmt.Errorf("redact_values %q: %w", r.Name, err)
		}
		rule := regexRule(r.Name, re)
		m.textRules = append(m.textRules, rule)
		if cfg.Numbers {
			m.numberRules = append(m.numberRules, rule)
		}
	}

	secret := []byte(string(cfg.Pseudonymize.Key))
	m.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}
	return m, nil
}

func (m *masker) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		if s, ok := m.maskName(rs.SchemaUrl()); ok {
			rs.SetSchemaUrl(s)
		}
		m.maskAttrs(rs.Resource().Attributes(), true, inherited{})
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			if s, ok := m.maskName(ss.SchemaUrl()); ok {
				ss.SetSchemaUrl(s)
			}
			scope := ss.Scope()
			if s, ok := m.maskName(scope.Name()); ok {
				scope.SetName(s)
			}
			if s, ok := m.maskName(scope.Version()); ok {
				scope.SetVersion(s)
			}
			m.maskAttrs(scope.Attributes(), true, inherited{})
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				m.maskSpan(spans.At(k))
			}
		}
	}
	return td, nil
}

func (m *masker) maskSpan(span ptrace.Span) {
	if s, ok := m.maskName(span.Name()); ok {
		span.SetName(s)
	}
	if s, ok := m.maskName(span.Status().Message()); ok {
		span.Status().SetMessage(s)
	}
	m.maskTraceState(span.TraceState())
	m.maskAttrs(span.Attributes(), true, inherited{})
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		if s, ok := m.maskName(ev.Name()); ok {
			ev.SetName(s)
		}
		m.maskAttrs(ev.Attributes(), true, inherited{})
	}
	links := span.Links()
	for i := 0; i < links.Len(); i++ {
		link := links.At(i)
		m.maskTraceState(link.TraceState())
		m.maskAttrs(link.Attributes(), true, inherited{})
	}
}

// maskName masks a span, event or scope name, a status message, a scope
// version or a schema URL.
func (m *masker) maskName(s string) (string, bool) {
	if s == "" {
		return s, false
	}
	t := s
	if m.scrubNames {
		t = scrubName(s)
	}
	if out, ok := m.maskText(t); ok {
		return out, true
	}
	return t, t != s
}

// maskText applies every text rule to the normalized form of s. When
// nothing matches, s is returned as it was, byte for byte, and nothing is
// allocated.
func (m *masker) maskText(s string) (string, bool) {
	if s == "" || len(m.textRules) == 0 {
		return s, false
	}
	c := classify(s)
	t := s
	if c.needsNormalizing() {
		if n := normalize(s); n != s {
			t, c = n, classify(n)
		}
	}
	out, changed := applyRules(m.textRules, t, &c)
	if !changed {
		return s, false
	}
	return out, true
}

// keyHasMatch reports whether an attribute or trace-state key holds
// something a text rule finds.
func (m *masker) keyHasMatch(key string) bool {
	if len(m.textRules) == 0 {
		return false
	}
	c := classify(key)
	if c.needsNormalizing() {
		key = normalize(key)
		c = classify(key)
	}
	return hasMatch(m.textRules, key, &c)
}

// inherited carries key-based rules down into nested values: everything
// below a pseudonymized, secret or scrubbed key is treated as if it sat
// directly under that key, whatever the nested map keys are called.
type inherited struct {
	pseudonymize bool
	secret       bool
	scrub        scrubKind
}

// maskAttrs applies every rule to one attribute map and the values inside
// it. top marks the attribute map of a resource, scope, span, event or link:
// only there does the allow-list apply.
func (m *masker) maskAttrs(attrs pcommon.Map, top bool, inh inherited) {
	attrs.RemoveIf(func(key string, v pcommon.Value) bool {
		return m.maskEntry(key, v, top, inh)
	})
}

// maskEntry masks one attribute and reports whether to drop it. Order:
// remove, a key holding personal data (dropped, not renamed), allow-list,
// pseudonymize, secret_keys, scrub_queries, then the text rules.
func (m *masker) maskEntry(key string, v pcommon.Value, top bool, inh inherited) bool {
	rule, secret := m.keys.lookup(key)
	if rule.flags&flagRemove != 0 || m.keyHasMatch(key) {
		return true
	}
	if top && m.allowList && rule.flags&flagAllowed == 0 {
		if !m.otherwisePseudonymize {
			return true
		}
		inh.pseudonymize = true
	}
	if rule.flags&flagPseudonymize != 0 {
		inh.pseudonymize = true
	}
	if secret && m.secretKeys {
		inh.secret = true
	}
	if inh.scrub == kindNone {
		inh.scrub = rule.scrub
	}
	m.maskValue(v, inh)
	return false
}

func (m *masker) maskValue(v pcommon.Value, inh inherited) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		m.maskAttrs(v.Map(), false, inh)
		return
	case pcommon.ValueTypeSlice:
		// Elements inherit the key that holds the array.
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			m.maskValue(s.At(i), inh)
		}
		return
	case pcommon.ValueTypeEmpty:
		return
	}
	switch {
	case inh.pseudonymize:
		// Non-string scalars are stringified first and end as strings.
		v.SetStr(m.pseudonym(v.AsString()))
	case inh.secret:
		v.SetStr(secretRedaction)
	case v.Type() == pcommon.ValueTypeStr:
		if s, ok := m.maskString(v.Str(), inh.scrub); ok {
			v.SetStr(s)
		}
	case v.Type() == pcommon.ValueTypeBytes:
		m.maskBytes(v, inh.scrub)
	case v.Type() == pcommon.ValueTypeInt || v.Type() == pcommon.ValueTypeDouble:
		m.maskNumber(v)
	}
}

// maskString scrubs s as kind, then applies the text rules.
func (m *masker) maskString(s string, kind scrubKind) (string, bool) {
	t := s
	if kind != kindNone {
		t = scrubValue(kind, s)
	}
	if out, ok := m.maskText(t); ok {
		return out, true
	}
	return t, t != s
}

// maskBytes masks valid UTF-8 bytes as text; they stay bytes. Binary bytes
// get the text rules without normalization (an address embedded in a
// binary blob is still found), and stay bytes too.
func (m *masker) maskBytes(v pcommon.Value, kind scrubKind) {
	raw := v.Bytes().AsRaw()
	var out string
	var ok bool
	if utf8.Valid(raw) {
		out, ok = m.maskString(string(raw), kind)
	} else {
		s := string(raw)
		c := classify(s)
		out, ok = applyRules(m.textRules, s, &c)
	}
	if ok {
		v.SetEmptyBytes().FromRaw([]byte(out))
	}
}

// maskNumber runs the number rules over the decimal form of an int, or of
// an integral double below 1e21 (the range printed without an exponent). A
// match turns the value into the string with the match replaced.
func (m *masker) maskNumber(v pcommon.Value) {
	if len(m.numberRules) == 0 {
		return
	}
	var buf [32]byte
	var d []byte
	if v.Type() == pcommon.ValueTypeInt {
		d = strconv.AppendInt(buf[:0], v.Int(), 10)
	} else {
		f := v.Double()
		if f != math.Trunc(f) || math.Abs(f) >= 1e21 {
			return // fractions, NaN and infinities have no card or phone form
		}
		d = strconv.AppendFloat(buf[:0], f, 'f', -1, 64)
	}
	c := classify(string(d))
	may := false
	for i := range m.numberRules {
		may = may || m.numberRules[i].may(&c)
	}
	if !may {
		return
	}
	if out, ok := applyRules(m.numberRules, string(d), &c); ok {
		v.SetStr(out)
	}
}

// pseudonym returns "hmac:" + the first 32 hex chars of HMAC-SHA256(key,
// value). Every value is hashed, including one that already looks like a
// pseudonym: a client must not be able to choose its pseudonym.
func (m *masker) pseudonym(value string) string {
	mac := m.macs.Get().(hash.Hash)
	mac.Reset()
	_, _ = mac.Write([]byte(value))
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	m.macs.Put(mac)
	var out [len(pseudonymPrefix) + pseudonymHexLen]byte
	copy(out[:], pseudonymPrefix)
	hex.Encode(out[len(pseudonymPrefix):], sum[:pseudonymHexLen/2])
	return string(out[:])
}
