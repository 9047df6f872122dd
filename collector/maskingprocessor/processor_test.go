package maskingprocessor

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/shop3d/tracegen/collector/maskingprocessor/internal/metadata"
)

const testSecret = "test-only-secret"

func testConfig() *Config {
	return &Config{
		Remove: []string{"user.email", "http.request.header.authorization"},
		Pseudonymize: PseudonymizeConfig{
			Keys: []string{"user.id", "enduser.id", "client.address"},
			Key:  testSecret,
		},
		RedactValues: []RedactRule{{
			Name:    "email",
			Pattern: `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,
		}},
		ScrubQueries: []string{"db.statement", "db.query.text", "url.full", "url.query"},
	}
}

// Sentinels: every planted personal value contains one of these. Planted
// strings contain "sentinel" (any case); numbers are distinctive enough not
// to show up by chance in a 32-char hex pseudonym.
const (
	sentinelInt    = int64(90210777)
	sentinelDouble = 4242.4242
)

var sentinelNeedles = []string{"sentinel", "90210777", "4242.4242"}

func hasSentinel(s string) bool {
	l := strings.ToLower(s)
	for _, n := range sentinelNeedles {
		if strings.Contains(l, n) {
			return true
		}
	}
	return false
}

// plant fills attrs with a sentinel in every shape an attribute value can
// take, plus a few harmless values that must survive untouched.
func plant(t *testing.T, attrs pcommon.Map) {
	t.Helper()
	require.NoError(t, attrs.FromRaw(map[string]any{
		// remove
		"user.email":                        "SENTINEL-removed",
		"http.request.header.authorization": "Bearer SENTINEL-token",
		// pseudonymize, every scalar type
		"user.id":        sentinelInt,
		"enduser.id":     sentinelDouble,
		"client.address": "SENTINEL-10.0.0.7",
		// redact in free text
		"note": "contact sentinel.jane@example.com please",
		// scrub_queries (SQL and URL)
		"db.statement":  "SELECT * FROM orders WHERE customer = 'SENTINEL-sql' AND total > 90210777",
		"db.query.text": "SELECT $$SENTINEL-dollar$$, $tag$SENTINEL-tagged$tag$, 4242.4242",
		"url.full":      "https://bob:SENTINEL-pw@shop.example/api/orders?token=SENTINEL-q&user=90210777#access_token=SENTINEL-f",
		"url.query":     "email=SENTINEL-q2&id=90210777",
		// nesting: arrays and maps, several levels deep
		"list": []any{
			"sentinel.c@example.com",
			[]any{"sentinel.d@example.com", []any{"x sentinel.e@example.com y"}},
			map[string]any{"user.id": sentinelInt, "user.email": "SENTINEL-in-list-map"},
		},
		"customer": map[string]any{
			"user.id":    []byte("SENTINEL-bytes"),
			"enduser.id": true,
			"user.email": "SENTINEL-nested-removed",
			"contacts": []any{
				"sentinel.a@example.com",
				map[string]any{"user.email": "SENTINEL-deep", "mail": "sentinel.b@example.org"},
			},
			"ids": map[string]any{"client.address": []any{"SENTINEL-ip-1", sentinelInt, sentinelDouble}},
		},
		// everything under a pseudonymized key is pseudonymized, whatever the inner keys
		"account": map[string]any{
			"enduser.id": map[string]any{"inner": "SENTINEL-inner", "n": sentinelInt, "b": []byte("SENTINEL-b2")},
		},
		"queries": map[string]any{
			"db.statement": []any{"UPDATE t SET note = 'SENTINEL-a1' WHERE id = 90210777"},
		},
		// must survive
		"order.flow":       "order-upload",
		"http.route":       "/orders/{id}",
		"http.status_code": int64(503),
	}))
}

// newSentinelTraces builds traces with a sentinel in every place the
// processor covers: resource, scope, span attributes, span name, status
// message, event names, event attributes and link attributes.
func newSentinelTraces(t *testing.T) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	plant(t, rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("shop-api")
	plant(t, ss.Scope().Attributes())
	for range 2 {
		span := ss.Spans().AppendEmpty()
		span.SetName("GET /users/sentinel.jane@example.com")
		span.TraceState().FromRaw("shop=keep")
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage("order failed for sentinel.jane@example.com")
		plant(t, span.Attributes())
		ev := span.Events().AppendEmpty()
		ev.SetName("mail sent to sentinel.jane@example.com")
		plant(t, ev.Attributes())
		link := span.Links().AppendEmpty()
		link.TraceState().FromRaw("shop=link")
		plant(t, link.Attributes())
	}
	return td
}

// forEachString visits every string-ish thing the processor may have left:
// strings, stringified numbers and bools, bytes raw and base64, map keys,
// names, messages and trace states.
func forEachString(td ptrace.Traces, visit func(where, s string)) {
	var walkValue func(where string, v pcommon.Value)
	walkMap := func(where string, m pcommon.Map) {
		for k, v := range m.All() {
			visit(where+" key", k)
			walkValue(where+"."+k, v)
		}
	}
	walkValue = func(where string, v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeMap:
			walkMap(where, v.Map())
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				walkValue(where+"["+strconv.Itoa(i)+"]", v.Slice().At(i))
			}
		case pcommon.ValueTypeBytes:
			visit(where, string(v.Bytes().AsRaw()))
			visit(where, base64.StdEncoding.EncodeToString(v.Bytes().AsRaw()))
		default:
			visit(where, v.AsString())
		}
	}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		walkMap("resource", rs.Resource().Attributes())
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			visit("scope name", ss.Scope().Name())
			walkMap("scope", ss.Scope().Attributes())
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				visit("span name", span.Name())
				visit("span trace_state", span.TraceState().AsRaw())
				visit("status message", span.Status().Message())
				walkMap("span", span.Attributes())
				for e := 0; e < span.Events().Len(); e++ {
					ev := span.Events().At(e)
					visit("event name", ev.Name())
					walkMap("event", ev.Attributes())
				}
				for l := 0; l < span.Links().Len(); l++ {
					link := span.Links().At(l)
					visit("link trace_state", link.TraceState().AsRaw())
					walkMap("link", link.Attributes())
				}
			}
		}
	}
}

func runProcessor(t *testing.T, cfg *Config, td ptrace.Traces) ptrace.Traces {
	t.Helper()
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.Len(t, sink.AllTraces(), 1)
	return sink.AllTraces()[0]
}

// TestNoSentinelSurvives is the coverage proof: a personal value planted in
// every covered place, in every value shape, must not come out anywhere.
func TestNoSentinelSurvives(t *testing.T) {
	in := newSentinelTraces(t)
	planted := 0
	forEachString(in, func(_, s string) {
		if hasSentinel(s) {
			planted++
		}
	})
	require.Greater(t, planted, 100, "the fixture must actually plant sentinels")

	out := runProcessor(t, testConfig(), in)

	forEachString(out, func(where, s string) {
		assert.False(t, hasSentinel(s), "sentinel survived at %s: %q", where, s)
		if strings.HasSuffix(where, " key") {
			assert.NotContains(t, []string{"user.email", "http.request.header.authorization"}, s, "removed key survived at %s", where)
		}
	})

	// Harmless values and trace_state are untouched; the structure is kept.
	span := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	attrs := span.Attributes()
	assertStr(t, attrs, "order.flow", "order-upload")
	assertStr(t, attrs, "http.route", "/orders/{id}")
	code, ok := attrs.Get("http.status_code")
	require.True(t, ok)
	assert.Equal(t, pcommon.ValueTypeInt, code.Type())
	assert.Equal(t, int64(503), code.Int())
	assert.Equal(t, "shop=keep", span.TraceState().AsRaw())
	assert.Equal(t, "shop=link", span.Links().At(0).TraceState().AsRaw())
	assert.Equal(t, ptrace.StatusCodeError, span.Status().Code())
	assert.Equal(t, "GET /users/[REDACTED:email]", span.Name())
	assert.Equal(t, "order failed for [REDACTED:email]", span.Status().Message())
	assert.Equal(t, "mail sent to [REDACTED:email]", span.Events().At(0).Name())

	// Non-string values of pseudonymized keys end as pseudonym strings.
	assertStr(t, attrs, "user.id", pseudonymOf("90210777"))
	assertStr(t, attrs, "enduser.id", pseudonymOf("4242.4242"))
	customer, _ := attrs.Get("customer")
	assertStr(t, customer.Map(), "user.id", pseudonymOf(base64.StdEncoding.EncodeToString([]byte("SENTINEL-bytes"))))
	assertStr(t, customer.Map(), "enduser.id", pseudonymOf("true"))
}

func assertStr(t *testing.T, m pcommon.Map, key, want string) {
	t.Helper()
	v, ok := m.Get(key)
	require.True(t, ok, "missing %s", key)
	assert.Equal(t, pcommon.ValueTypeStr, v.Type(), "type of %s", key)
	assert.Equal(t, want, v.Str(), "value of %s", key)
}

// pseudonymOf uses the processor's own masker; golden vectors below pin it
// to values computed outside Go.
func pseudonymOf(v string) string {
	m, err := newMasker(testConfig())
	if err != nil {
		panic(err)
	}
	return m.pseudonym(v)
}

func maskOne(t *testing.T, cfg *Config, raw map[string]any) map[string]any {
	t.Helper()
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	require.NoError(t, span.Attributes().FromRaw(raw))
	out := runProcessor(t, cfg, td)
	return out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().AsRaw()
}

func TestRemove(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"user.email": "a",
		"keep":       "b",
		"nested":     map[string]any{"user.email": "c", "keep": "d"},
		"arr":        []any{map[string]any{"http.request.header.authorization": "e", "keep": "f"}},
	})
	assert.Equal(t, map[string]any{
		"keep":   "b",
		"nested": map[string]any{"keep": "d"},
		"arr":    []any{map[string]any{"keep": "f"}},
	}, got)
}

// Golden vectors: printf '%s' VALUE | openssl dgst -sha256 -hmac test-only-secret
// (first 32 hex chars).
func TestPseudonymGoldenVectors(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"user.id":        "alice",
		"enduser.id":     int64(4711),
		"client.address": true,
		"arr":            []any{map[string]any{"user.id": 3.5}},
	})
	assert.Equal(t, "hmac:9b3256157b9d9a32ff85e6aa6ca607ce", got["user.id"])
	assert.Equal(t, "hmac:0f520ff79a6e5b1426f4cc847a837a4c", got["enduser.id"])
	assert.Equal(t, "hmac:b32d71dc59640f41e1d52674123e1fff", got["client.address"])
	assert.Equal(t, []any{map[string]any{"user.id": "hmac:c8dab22030d98f2cb3a0989d67934b81"}}, got["arr"])
}

func TestPseudonymDeterministic(t *testing.T) {
	// Two independent processors (think: two collectors) with the same key.
	a := maskOne(t, testConfig(), map[string]any{"user.id": "u-123", "enduser.id": "u-123"})
	b := maskOne(t, testConfig(), map[string]any{"user.id": "u-123", "client.address": []any{"u-123"}})
	assert.Equal(t, a["user.id"], b["user.id"])
	assert.Equal(t, a["user.id"], a["enduser.id"], "same value, same pseudonym, whatever the key")
	assert.Equal(t, []any{a["user.id"]}, b["client.address"])
	assert.Regexp(t, `^hmac:[0-9a-f]{32}$`, a["user.id"])

	// Another key gives another pseudonym.
	other := testConfig()
	other.Pseudonymize.Key = "another-secret"
	c := maskOne(t, other, map[string]any{"user.id": "u-123"})
	assert.NotEqual(t, a["user.id"], c["user.id"])

	// Masking twice equals masking once.
	again := maskOne(t, testConfig(), map[string]any{"user.id": a["user.id"]})
	assert.Equal(t, a["user.id"], again["user.id"])
}

func TestPseudonymConcurrent(t *testing.T) {
	m, err := newMasker(testConfig())
	require.NoError(t, err)
	want := m.pseudonym("alice")
	done := make(chan string, 8)
	for range 8 {
		go func() {
			var last string
			for range 200 {
				last = m.pseudonym("alice")
			}
			done <- last
		}()
	}
	for range 8 {
		assert.Equal(t, want, <-done)
	}
}

func TestOrderOfRules(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		// pseudonymize runs before redact: the email is hashed, not redacted
		"user.id": "jane@example.com",
		// scrub runs before redact: the literal becomes ?, the bare email is redacted
		"db.statement": "SELECT 'jane@example.com', jane@example.com FROM t",
		// redact also reaches what scrub keeps (names, paths)
		"url.full": "https://shop.example/u/jane@example.com?to=jane@example.com",
	})
	assert.Equal(t, pseudonymOf("jane@example.com"), got["user.id"])
	assert.Equal(t, "SELECT ?, [REDACTED:email] FROM t", got["db.statement"])
	assert.Equal(t, "https://shop.example/u/[REDACTED:email]?to=?", got["url.full"])
}

func TestRedactValues(t *testing.T) {
	cfg := &Config{RedactValues: []RedactRule{
		{Name: "email", Pattern: `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`},
		{Name: "card", Pattern: `\b\d{4}(?:[ -]?\d{4}){3}\b`},
	}}
	got := maskOne(t, cfg, map[string]any{
		"msg":   "card 4111 1111 1111 1111 of a@b.io and c@d.org",
		"n":     int64(4111111111111111), // not a string, not pseudonymized: kept
		"plain": "nothing here",
		"arr":   []any{"x@y.com", map[string]any{"k": "4111-1111-1111-1111"}},
	})
	assert.Equal(t, "card [REDACTED:card] of [REDACTED:email] and [REDACTED:email]", got["msg"])
	assert.Equal(t, int64(4111111111111111), got["n"])
	assert.Equal(t, "nothing here", got["plain"])
	assert.Equal(t, []any{"[REDACTED:email]", map[string]any{"k": "[REDACTED:card]"}}, got["arr"])
}

func TestScrubInheritedIntoArraysAndMaps(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"db.statement": []any{"SELECT 1", map[string]any{"x": "WHERE a = 'b'"}},
		"url.full":     []any{"https://h/p?a=1"},
	})
	assert.Equal(t, []any{"SELECT ?", map[string]any{"x": "WHERE a = ?"}}, got["db.statement"])
	assert.Equal(t, []any{"https://h/p?a=?"}, got["url.full"])
}

func TestNoRulesPassThrough(t *testing.T) {
	in := newSentinelTraces(t)
	want := ptrace.NewTraces()
	in.CopyTo(want)
	out := runProcessor(t, &Config{}, in)
	assert.Equal(t, want, out)
}
