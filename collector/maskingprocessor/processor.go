package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/maphash"
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
	// class summarises strings for the rules' prefilters.
	class *classTable
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
	// macs pools macState values keyed with the secret; hash.Hash is not
	// safe for concurrent use, and building one per value would rehash the
	// key.
	macs *sync.Pool
	// memoSeed hashes the batch memos' values.
	memoSeed maphash.Seed
}

var secretRedaction = redaction("secret_keys")

func newMasker(cfg *Config) (*masker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &masker{keys: keyIndex{}, class: newClassTable(), scrubNames: cfg.ScrubNames, memoSeed: maphash.MakeSeed()}
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
		m.textRules = append(m.textRules, finderRule(name, d.text, m.class))
		if cfg.Numbers && d.numbers != nil {
			m.numberRules = append(m.numberRules, finderRule(name, d.numbers, m.class))
		}
		m.secretKeys = m.secretKeys || d.keys
	}
	for _, r := range cfg.RedactValues {
		re, err := regexp.Compile(r.Pattern)
		if err != nil { // unreachable after Validate, kept for safety
			return nil, fmt.Errorf("redact_values %q: %w", r.Name, err)
		}
		rule := regexRule(r.Name, re, m.class)
		m.textRules = append(m.textRules, rule)
		if cfg.Numbers {
			m.numberRules = append(m.numberRules, rule)
		}
	}

	secret := []byte(string(cfg.Pseudonymize.Key))
	m.macs = &sync.Pool{New: func() any { return &macState{mac: hmac.New(sha256.New, secret)} }}
	return m, nil
}

// walk is one processTraces call. verdicts remembers what the masker decided
// for each attribute key of the batch: a batch repeats a few dozen keys
// thousands of times, and the decision (canonical lookup, secret name,
// detectors over the key) is the same every time. It lives for one batch,
// so a client sending ever new keys cannot grow it across requests.
type walk struct {
	*masker
	verdicts map[string]keyVerdict
	// names and traceStates remember masked names and trace states the
	// same way: a batch repeats a handful of them on every span.
	names       map[string]string
	traceStates map[string]string
	// values remembers masked string values and pseudonyms the same way.
	values valueMemo
}

// keyVerdict is everything decided from an attribute key alone.
type keyVerdict struct {
	rule   keyRule
	secret bool // the key names a secret (and secret_keys is on)
	match  bool // the key itself holds a detector or pattern match
}

func (w *walk) verdict(key string) keyVerdict {
	if v, ok := w.verdicts[key]; ok {
		return v
	}
	rule, secret := w.keys.lookup(key)
	v := keyVerdict{rule: rule, secret: secret && w.secretKeys, match: w.keyHasMatch(key)}
	w.verdicts[key] = v
	return v
}

func (m *masker) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	w := &walk{
		masker: m, verdicts: make(map[string]keyVerdict),
		names: make(map[string]string), traceStates: make(map[string]string),
		values: newValueMemo(m.memoSeed, td.SpanCount()),
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		if s, ok := w.name(rs.SchemaUrl()); ok {
			rs.SetSchemaUrl(s)
		}
		w.maskAttrs(rs.Resource().Attributes(), true, inherited{})
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			if s, ok := w.name(ss.SchemaUrl()); ok {
				ss.SetSchemaUrl(s)
			}
			scope := ss.Scope()
			if s, ok := w.name(scope.Name()); ok {
				scope.SetName(s)
			}
			if s, ok := w.name(scope.Version()); ok {
				scope.SetVersion(s)
			}
			w.maskAttrs(scope.Attributes(), true, inherited{})
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				w.maskSpan(spans.At(k))
			}
		}
	}
	return td, nil
}

func (w *walk) maskSpan(span ptrace.Span) {
	if s, ok := w.name(span.Name()); ok {
		span.SetName(s)
	}
	if s, ok := w.name(span.Status().Message()); ok {
		span.Status().SetMessage(s)
	}
	w.traceState(span.TraceState())
	w.maskAttrs(span.Attributes(), true, inherited{})
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		if s, ok := w.name(ev.Name()); ok {
			ev.SetName(s)
		}
		w.maskAttrs(ev.Attributes(), true, inherited{})
	}
	links := span.Links()
	for i := 0; i < links.Len(); i++ {
		link := links.At(i)
		w.traceState(link.TraceState())
		w.maskAttrs(link.Attributes(), true, inherited{})
	}
}

// name is maskName, remembered for the batch.
func (w *walk) name(s string) (string, bool) {
	if s == "" {
		return s, false
	}
	if out, ok := w.names[s]; ok {
		return out, out != s
	}
	out, _ := w.maskName(s)
	w.names[s] = out
	return out, out != s
}

// traceState is maskTraceState, remembered for the batch.
func (w *walk) traceState(ts pcommon.TraceState) {
	raw := ts.AsRaw()
	if raw == "" {
		return
	}
	out, ok := w.traceStates[raw]
	if !ok {
		out, _ = w.maskTraceState(raw)
		w.traceStates[raw] = out
	}
	if out != raw {
		ts.FromRaw(out)
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
	c := m.class.classify(s)
	t := s
	if c.needsNormalizing() {
		if n := normalize(s); n != s {
			t, c = n, m.class.classify(n)
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
	c := m.class.classify(key)
	if c.needsNormalizing() {
		key = normalize(key)
		c = m.class.classify(key)
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
func (w *walk) maskAttrs(attrs pcommon.Map, top bool, inh inherited) {
	attrs.RemoveIf(func(key string, v pcommon.Value) bool {
		return w.maskEntry(key, v, top, inh)
	})
}

// maskEntry masks one attribute and reports whether to drop it. Order:
// remove, a key holding personal data (dropped, not renamed), allow-list,
// pseudonymize, secret_keys, scrub_queries, then the text rules.
func (w *walk) maskEntry(key string, v pcommon.Value, top bool, inh inherited) bool {
	kv := w.verdict(key)
	if kv.rule.flags&flagRemove != 0 || kv.match {
		return true
	}
	if top && w.allowList && kv.rule.flags&flagAllowed == 0 {
		if !w.otherwisePseudonymize {
			return true
		}
		inh.pseudonymize = true
	}
	if kv.rule.flags&flagPseudonymize != 0 {
		inh.pseudonymize = true
	}
	if kv.secret {
		inh.secret = true
	}
	if inh.scrub == kindNone {
		inh.scrub = kv.rule.scrub
	}
	w.maskValue(v, inh)
	return false
}

func (w *walk) maskValue(v pcommon.Value, inh inherited) {
	m := w.masker
	typ := v.Type()
	switch typ {
	case pcommon.ValueTypeMap:
		w.maskAttrs(v.Map(), false, inh)
		return
	case pcommon.ValueTypeSlice:
		// Elements inherit the key that holds the array.
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			w.maskValue(s.At(i), inh)
		}
		return
	case pcommon.ValueTypeEmpty:
		return
	}
	switch {
	case inh.pseudonymize:
		// Non-string scalars are stringified first and end as strings.
		v.SetStr(w.pseudonym(v.AsString()))
	case inh.secret:
		v.SetStr(secretRedaction)
	case typ == pcommon.ValueTypeStr:
		if s, ok := w.maskString(v.Str(), inh.scrub); ok {
			v.SetStr(s)
		}
	case typ == pcommon.ValueTypeBytes:
		m.maskBytes(v, inh.scrub)
	case typ == pcommon.ValueTypeInt || typ == pcommon.ValueTypeDouble:
		m.maskNumber(v)
	}
}

// maskString is the masker's maskString, remembered for the batch.
func (w *walk) maskString(s string, kind scrubKind) (string, bool) {
	if len(s) < memoMinLen {
		return w.masker.maskString(s, kind)
	}
	if out, ok := w.values.get(s, memoTag(kind)); ok {
		return out, out != s
	}
	out, changed := w.masker.maskString(s, kind)
	w.values.put(s, memoTag(kind), out)
	return out, changed
}

// pseudonym is the masker's pseudonym, remembered for the batch.
func (w *walk) pseudonym(value string) string {
	if out, ok := w.values.get(value, tagPseudonym); ok {
		return out
	}
	out := w.masker.pseudonym(value)
	w.values.put(value, tagPseudonym, out)
	return out
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
		c := m.class.classify(s)
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
	c := m.class.classify(string(d))
	if !anyMay(m.numberRules, &c, string(d)) {
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
	st := m.macs.Get().(*macState)
	st.mac.Reset()
	st.in = append(st.in[:0], value...)
	_, _ = st.mac.Write(st.in)
	sum := st.mac.Sum(st.sum[:0])
	copy(st.out[:], pseudonymPrefix)
	hex.Encode(st.out[len(pseudonymPrefix):], sum[:pseudonymHexLen/2])
	out := string(st.out[:])
	m.macs.Put(st)
	return out
}

// macState is one pooled HMAC with the buffers it writes, so a pseudonym
// costs one allocation: the string it returns.
type macState struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
	out [len(pseudonymPrefix) + pseudonymHexLen]byte
}
