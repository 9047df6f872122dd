package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const (
	// pseudonymPrefix marks a pseudonymized value.
	pseudonymPrefix = "hmac:"
	// pseudonymHexLen is how many hex chars of the HMAC are kept (128 bits).
	pseudonymHexLen = 32
)

type compiledRule struct {
	re          *regexp.Regexp
	replacement string
}

// masker holds the compiled rules. It is immutable after newMasker, so one
// masker serves concurrent ConsumeTraces calls.
type masker struct {
	remove map[string]struct{}
	pseudo map[string]struct{}
	scrub  map[string]struct{}
	rules  []compiledRule
	// macs pools HMAC states keyed with the secret; hash.Hash is not safe
	// for concurrent use, and building one per value would rehash the key.
	macs *sync.Pool
}

func toSet(keys []string) map[string]struct{} {
	set := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		set[k] = struct{}{}
	}
	return set
}

func newMasker(cfg *Config) (*masker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &masker{
		remove: toSet(cfg.Remove),
		pseudo: toSet(cfg.Pseudonymize.Keys),
		scrub:  toSet(cfg.ScrubQueries),
	}
	for _, r := range cfg.RedactValues {
		re, err := regexp.Compile(r.Pattern)
		if err != nil { // unreachable after Validate, kept for safety
			return nil, fmt.Errorf("redact_values %q: %w", r.Name, err)
		}
		m.rules = append(m.rules, compiledRule{re: re, replacement: "[REDACTED:" + r.Name + "]"})
	}
	secret := []byte(string(cfg.Pseudonymize.Key))
	m.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}
	return m, nil
}

func (m *masker) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		m.maskMap(rs.Resource().Attributes())
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			m.maskMap(ss.Scope().Attributes())
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				m.maskSpan(spans.At(k))
			}
		}
	}
	return td, nil
}

func (m *masker) maskSpan(span ptrace.Span) {
	span.SetName(m.redact(span.Name()))
	if msg := span.Status().Message(); msg != "" {
		span.Status().SetMessage(m.redact(msg))
	}
	m.maskMap(span.Attributes())
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		ev.SetName(m.redact(ev.Name()))
		m.maskMap(ev.Attributes())
	}
	links := span.Links()
	for i := 0; i < links.Len(); i++ {
		// A link's trace_state is left alone on purpose (see package doc).
		m.maskMap(links.At(i).Attributes())
	}
}

// inherited carries key-based rules down into nested values: everything
// below a pseudonymized or scrubbed key is treated as if it sat directly
// under that key, whatever the nested map keys are called.
type inherited struct {
	pseudo   bool
	scrubKey string // the scrub_queries key in force, "" if none
}

// maskMap applies every rule to one attribute map, at any nesting depth. The
// key-based rules (remove, pseudonymize, scrub_queries) match the key that
// holds the value at the level where it sits, so a nested map's own keys
// count just like top-level attribute keys.
func (m *masker) maskMap(attrs pcommon.Map) {
	m.maskMapInherited(attrs, inherited{})
}

func (m *masker) maskMapInherited(attrs pcommon.Map, inh inherited) {
	if len(m.remove) > 0 {
		attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
			_, drop := m.remove[k]
			return drop
		})
	}
	for k, v := range attrs.All() {
		m.maskValue(k, v, inh)
	}
}

// maskValue rewrites one value held under key. Order per value:
// pseudonymize → scrub_queries → redact_values (remove already ran in
// maskMapInherited).
func (m *masker) maskValue(key string, v pcommon.Value, inh inherited) {
	if _, ok := m.pseudo[key]; ok {
		inh.pseudo = true
	}
	if inh.scrubKey == "" {
		if _, ok := m.scrub[key]; ok {
			inh.scrubKey = key
		}
	}

	switch v.Type() {
	case pcommon.ValueTypeMap:
		m.maskMapInherited(v.Map(), inh)
		return
	case pcommon.ValueTypeSlice:
		// Elements inherit the key that holds the array.
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			m.maskValue(key, s.At(i), inh)
		}
		return
	case pcommon.ValueTypeEmpty:
		return
	}

	if inh.pseudo {
		// Non-string scalars are stringified first and end as strings.
		v.SetStr(m.pseudonym(v.AsString()))
	}
	if v.Type() != pcommon.ValueTypeStr {
		return // int, double, bool and bytes of other keys are kept
	}
	orig := v.Str()
	s := orig
	if inh.scrubKey != "" {
		s = scrubQuery(inh.scrubKey, s)
	}
	s = m.redact(s)
	if s != orig {
		v.SetStr(s)
	}
}

// pseudonym returns "hmac:" + the first 32 hex chars of HMAC-SHA256(key,
// value). A value that already has this exact shape is returned unchanged,
// so a span that crosses two masking collectors keeps one pseudonym.
func (m *masker) pseudonym(value string) string {
	if isPseudonym(value) {
		return value
	}
	mac := m.macs.Get().(hash.Hash)
	mac.Reset()
	_, _ = mac.Write([]byte(value))
	sum := mac.Sum(nil)
	m.macs.Put(mac)
	return pseudonymPrefix + hex.EncodeToString(sum)[:pseudonymHexLen]
}

func isPseudonym(s string) bool {
	if len(s) != len(pseudonymPrefix)+pseudonymHexLen || !strings.HasPrefix(s, pseudonymPrefix) {
		return false
	}
	for _, c := range s[len(pseudonymPrefix):] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// redact applies every redact_values rule, in configuration order.
func (m *masker) redact(s string) string {
	for _, r := range m.rules {
		s = r.re.ReplaceAllLiteralString(s, r.replacement)
	}
	return s
}
