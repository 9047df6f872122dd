package maskingprocessor

import (
	"bytes"
	"context"
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/shop3d/tracegen/collector/maskingprocessor/internal/metadata"
)

const testSecret = "test-only-secret-of-thirty-two-bytes"

// testConfig is a full description: every detector, every key rule, names
// scrubbed, numbers checked, one custom pattern.
func testConfig() *Config {
	return &Config{
		Remove: []string{"user.email", "http.request.header.authorization"},
		Pseudonymize: PseudonymizeConfig{
			Keys:        []string{"user.id", "enduser.id", "client.address", "network.peer.address"},
			Key:         testSecret,
			MinKeyBytes: 32,
		},
		Detectors:    append([]string(nil), detectorNames...),
		RedactValues: []RedactRule{{Name: "order_ref", Pattern: `ORD-\d{8}`}},
		ScrubQueries: []ScrubQuery{
			{Key: "db.statement", Kind: "sql"}, {Key: "db.query.text", Kind: "sql"},
			{Key: "url.full", Kind: "url"}, {Key: "http.url", Kind: "url"}, {Key: "http.target", Kind: "url"},
			{Key: "url.query", Kind: "query"}, {Key: "app.thing", Kind: "auto"},
		},
		ScrubNames: true,
		Numbers:    true,
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

func assertStr(t *testing.T, m pcommon.Map, key, want string) {
	t.Helper()
	v, ok := m.Get(key)
	require.True(t, ok, "missing %s", key)
	assert.Equal(t, pcommon.ValueTypeStr, v.Type(), "type of %s", key)
	assert.Equal(t, want, v.Str(), "value of %s", key)
}

func TestRemoveMatchesKeysCanonically(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"user.email": "a",
		"USER.EMAIL": "a",
		"user_email": "a",
		"userEmail":  "a",
		"keep":       "b",
		"nested":     map[string]any{"User-Email": "c", "keep": "d"},
		"arr":        []any{map[string]any{"HTTP.Request.Header.Authorization": "e", "keep": "f"}},
	})
	assert.Equal(t, map[string]any{
		"keep":   "b",
		"nested": map[string]any{"keep": "d"},
		"arr":    []any{map[string]any{"keep": "f"}},
	}, got)
}

// Golden vectors: printf '%s' VALUE | openssl dgst -sha256 -hmac test-only-secret-of-thirty-two-bytes
// (first 32 hex chars).
func TestPseudonymGoldenVectors(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"user.id":        "alice",
		"enduser.id":     int64(4711),
		"client.address": true,
		"arr":            []any{map[string]any{"user.id": 3.5}},
	})
	assert.Equal(t, "hmac:54be3523f383f6d96b2d2a0ab63808b1", got["user.id"])
	assert.Equal(t, "hmac:7403e721cbd35b6264dad7e6b943673f", got["enduser.id"])
	assert.Equal(t, "hmac:bb880cc967a914fbe88ba1a350748857", got["client.address"])
	assert.Equal(t, []any{map[string]any{"user.id": "hmac:dfc64660532d7e0459c7331c163df6b5"}}, got["arr"])
}

func TestPseudonymDeterministic(t *testing.T) {
	// Two independent processors (think: two collectors) with the same key.
	a := maskOne(t, testConfig(), map[string]any{"user.id": "u-123", "enduser.id": "u-123"})
	b := maskOne(t, testConfig(), map[string]any{"User_Id": "u-123", "client.address": []any{"u-123"}})
	assert.Equal(t, a["user.id"], b["User_Id"])
	assert.Equal(t, a["user.id"], a["enduser.id"], "same value, same pseudonym, whatever the key")
	assert.Equal(t, []any{a["user.id"]}, b["client.address"])
	assert.Regexp(t, `^hmac:[0-9a-f]{32}$`, a["user.id"])

	// Another key gives another pseudonym.
	other := testConfig()
	other.Pseudonymize.Key = "another-secret-another-secret-another"
	c := maskOne(t, other, map[string]any{"user.id": "u-123"})
	assert.NotEqual(t, a["user.id"], c["user.id"])
}

// A client must not choose its pseudonym: a value shaped like one is hashed
// like any other value.
func TestForgedPseudonymIsRepseudonymized(t *testing.T) {
	forged := "hmac:0123456789abcdef0123456789abcdef"
	got := maskOne(t, testConfig(), map[string]any{"user.id": forged})
	assert.NotEqual(t, forged, got["user.id"])
	assert.Equal(t, pseudonymOf(forged), got["user.id"])
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
		// pseudonymize runs before the detectors: the email is hashed, not redacted
		"user.id": "jane@example.com",
		// scrub runs before the detectors: the literal becomes ?, the bare email is redacted
		"db.statement": "SELECT 'jane@example.com', jane@example.com FROM t",
		// detectors also reach what scrub keeps (paths)
		"url.full": "https://shop.example/u/jane@example.com?to=jane@example.com",
	})
	assert.Equal(t, pseudonymOf("jane@example.com"), got["user.id"])
	assert.Equal(t, "SELECT ?, [REDACTED:email] FROM t", got["db.statement"])
	assert.Equal(t, "https://shop.example/u/[REDACTED:email]?to=?", got["url.full"])
}

func TestScrubKindIsExplicitPerKey(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"http.url":    "https://shop.example/p?card=x&n=1",
		"http.target": "/p?card=x&n=1",
		"app.thing":   []any{"/p?card=x", "SELECT 1 FROM t WHERE a = 'x'", "a=x&b=y"},
		"HTTP_URL":    "https://shop.example/p?x=1",
	})
	assert.Equal(t, "https://shop.example/p?card=?&n=?", got["http.url"])
	assert.Equal(t, "/p?card=?&n=?", got["http.target"])
	assert.Equal(t, []any{"/p?card=?", "SELECT ? FROM t WHERE a = ?", "a=?&b=?"}, got["app.thing"])
	assert.Equal(t, "https://shop.example/p?x=?", got["HTTP_URL"])
}

func TestScrubInheritedIntoArraysAndMaps(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"db.statement": []any{"SELECT 1", map[string]any{"x": "WHERE a = 'b'"}},
		"url.full":     []any{"https://h/p?a=1"},
	})
	assert.Equal(t, []any{"SELECT ?", map[string]any{"x": "WHERE a = ?"}}, got["db.statement"])
	assert.Equal(t, []any{"https://h/p?a=?"}, got["url.full"])
}

func TestSecretKeysRedactValuesOfKeysThatNameASecret(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"http.request.header.x-api-key":  "k-1",
		"http.request.header.cookie":     []any{"sid=1"},
		"app.session_id":                 int64(17),
		"db.password":                    "p",
		"oauth.access_token":             map[string]any{"v": "t"},
		"gen_ai.usage.input_tokens":      int64(42),
		"k8s.secret.name":                "shop-tls",
		"http.request.header.user-agent": "curl/8.5",
	})
	r := redaction("secret_keys")
	assert.Equal(t, r, got["http.request.header.x-api-key"])
	assert.Equal(t, []any{r}, got["http.request.header.cookie"])
	assert.Equal(t, r, got["app.session_id"])
	assert.Equal(t, r, got["db.password"])
	assert.Equal(t, map[string]any{"v": r}, got["oauth.access_token"])
	assert.Equal(t, int64(42), got["gen_ai.usage.input_tokens"], "a token count is not a token")
	assert.Equal(t, "shop-tls", got["k8s.secret.name"], "the name of a secret is not a secret")
	assert.Equal(t, "curl/8.5", got["http.request.header.user-agent"])
}

func TestAllowListRemovesWhatIsNotListed(t *testing.T) {
	cfg := testConfig()
	cfg.Allow = &AllowConfig{Keys: []string{"http.request.method", "app.cart", "user.id"}}
	got := maskOne(t, cfg, map[string]any{
		"http.request.method": "GET",
		"Http_Request_Method": "POST",
		"app.cart":            map[string]any{"unlisted.inner": "kept, allow applies to top-level keys", "mail": "jane@example.com"},
		"user.id":             "u-1",
		"app.note":            "anything",
		"user.email":          "x",
	})
	assert.Equal(t, map[string]any{
		"http.request.method": "GET",
		"Http_Request_Method": "POST",
		"app.cart":            map[string]any{"unlisted.inner": "kept, allow applies to top-level keys", "mail": "[REDACTED:email]"},
		"user.id":             pseudonymOf("u-1"),
	}, got)
}

func TestAllowListOtherwisePseudonymize(t *testing.T) {
	cfg := testConfig()
	cfg.Allow = &AllowConfig{Keys: []string{"http.request.method"}, Otherwise: "pseudonymize"}
	got := maskOne(t, cfg, map[string]any{
		"http.request.method": "GET",
		"app.note":            "anything",
		"app.list":            []any{"a", int64(2)},
		"user.email":          "x",
	})
	assert.Equal(t, map[string]any{
		"http.request.method": "GET",
		"app.note":            pseudonymOf("anything"),
		"app.list":            []any{pseudonymOf("a"), pseudonymOf("2")},
	}, got)
}

func TestKeyHoldingPersonalDataIsDropped(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"http.request.header.x-jane@example.com": "1",
		"baggage.+49 30 9021077":                 "2",
		"nested":                                 map[string]any{"to.jane@example.com": "3", "keep": "4"},
		"http.request.header.x-request-id":       "5",
	})
	assert.Equal(t, map[string]any{
		"nested":                           map[string]any{"keep": "4"},
		"http.request.header.x-request-id": "5",
	}, got)
}

func TestBytesStayBytes(t *testing.T) {
	got := maskOne(t, testConfig(), map[string]any{
		"payload": []byte("mail jane@example.com now"),
		"binary":  []byte{0xff, 0xfe, 'j', 'a', 'n', 'e', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0x00},
		"plain":   []byte{0x01, 0x02, 0xff},
	})
	assert.Equal(t, []byte("mail [REDACTED:email] now"), got["payload"])
	// In binary bytes, bytes >= 0x80 next to an address read as letters of it.
	assert.Equal(t, append([]byte("[REDACTED:email]"), 0x00), got["binary"])
	assert.Equal(t, []byte{0x01, 0x02, 0xff}, got["plain"])
}

func TestNumbersOption(t *testing.T) {
	// A 15-digit id starting with 1 that passes Luhn: no card issuer uses
	// that shape (UATP airline cards are left out on purpose).
	threadID, err := strconv.ParseInt(luhnComplete("14023456789123"), 10, 64)
	require.NoError(t, err)
	got := maskOne(t, testConfig(), map[string]any{
		"form.card":   int64(4111111111111111),
		"form.card2":  float64(5555555555554444),
		"form.phone":  int64(49309021077),
		"form.neg":    int64(-4111111111111111),
		"form.order":  int64(100234),
		"form.date":   int64(20240115001),
		"form.ts_s":   int64(1712345678),
		"form.ts_ms":  int64(1712345678901),
		"form.ts_us":  int64(1712345678901234),
		"form.ts_ns":  int64(1712345678901234567),
		"form.amount": 4111.5,
		"thread.id":   threadID,
	})
	assert.Equal(t, "[REDACTED:card_number]", got["form.card"])
	assert.Equal(t, "[REDACTED:card_number]", got["form.card2"])
	assert.Equal(t, "[REDACTED:phone]", got["form.phone"])
	assert.Equal(t, "-[REDACTED:card_number]", got["form.neg"])
	assert.Equal(t, int64(100234), got["form.order"])
	assert.Equal(t, int64(20240115001), got["form.date"])
	assert.Equal(t, int64(1712345678), got["form.ts_s"])
	assert.Equal(t, int64(1712345678901), got["form.ts_ms"])
	assert.Equal(t, int64(1712345678901234), got["form.ts_us"])
	assert.Equal(t, int64(1712345678901234567), got["form.ts_ns"])
	assert.InDelta(t, 4111.5, got["form.amount"], 0)
	assert.Equal(t, threadID, got["thread.id"])
}

func TestNumbersAreNumbersWhenTheOptionIsOff(t *testing.T) {
	cfg := testConfig()
	cfg.Numbers = false
	got := maskOne(t, cfg, map[string]any{"http.response.status_code": int64(200), "order.total": 129.5})
	assert.Equal(t, map[string]any{"http.response.status_code": int64(200), "order.total": 129.5}, got)
}

func TestTraceStateMembers(t *testing.T) {
	m, err := newMasker(testConfig())
	require.NoError(t, err)
	tests := []struct{ in, want string }{
		{"shop=p:8;r:62,rojo=00f067aa0ba902b7", "shop=p:8;r:62,rojo=00f067aa0ba902b7"},
		{"shop=u:jane@example.com,rojo=1", "shop=u:[REDACTED:email],rojo=1"},
		{"rojo=1, shop=jane%40example.com", "rojo=1,shop=[REDACTED:email]"},
		{"a=1,b=", "a=1,b="},
	}
	for _, tt := range tests {
		got, _ := m.maskTraceState(tt.in)
		assert.Equal(t, tt.want, got, "input %q", tt.in)
	}

	// A redaction that is no valid tracestate value drops the member.
	cfg := testConfig()
	cfg.RedactValues = []RedactRule{{Name: "bad=name", Pattern: `secret\d+`}}
	m, err = newMasker(cfg)
	require.NoError(t, err)
	got, _ := m.maskTraceState("a=1,b=x-secret42,c=3")
	assert.Equal(t, "a=1,c=3", got)
}

func TestNothingChangesWithoutRules(t *testing.T) {
	in := newSentinelTraces(t)
	want := ptrace.NewTraces()
	in.CopyTo(want)
	out := runProcessor(t, &Config{}, in)
	assert.Equal(t, want, out)
}

func TestNonPersonalValuesAreKept(t *testing.T) {
	kept := map[string]any{
		"order.id":        "100234",
		"order.number":    "order 987654321 shipped",
		"order.ref":       "ORD-2024-0115-0042",
		"order.ts":        "created 1712345678 / 1712345678901 / 1712345678901234 / 1712345678901234567",
		"order.when":      "2024-01-15T10:30:00Z, 01.02.2024 10:30, 2024/01/15",
		"service.version": "2.14.1",
		"runtime":         "go1.26.8 v0.161.0 node v20.11.1 10.0.19045.3803",
		"request.id":      "550e8400-e29b-41d4-a716-446655440000",
		"trace.ref":       "4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7",
		"trace.parent":    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"amount":          "total 1234.56 EUR, 3.14159265358979",
		"sizes":           "200 300 4000 bytes, 12:30:45",
		"cpp":             "std::vector<int> Foo::Bar",
		"prose":           "the basic plan; a bearer of news",
		"http.route":      "/api/orders/{id}",
		"order.count":     int64(987654321),
		"order.big":       int64(9876543210),
		"order.dated":     int64(20240115000123),
	}
	got := maskOne(t, testConfig(), kept)
	assert.Equal(t, kept, got)
}

// TestOriginalKeptByteForByte: normalization is only for matching; text
// without a match comes out as it came in.
func TestOriginalKeptByteForByte(t *testing.T) {
	in := map[string]any{
		"note": "ｆｕｌｌ ｗｉｄｔｈ, caf\u00e9, 50%25 off, a\u200bb",
	}
	assert.Equal(t, in, maskOne(t, testConfig(), in))
}

func TestBytesHaveNoBase64Leak(t *testing.T) {
	// Bytes under a pseudonymized key are hashed from their base64 form.
	got := maskOne(t, testConfig(), map[string]any{"user.id": []byte{0xff, 0x01}})
	assert.Equal(t, pseudonymOf(base64.StdEncoding.EncodeToString([]byte{0xff, 0x01})), got["user.id"])
}

func TestMaskedOutputIsStable(t *testing.T) {
	// Masking the output again changes nothing but pseudonyms (hashed again).
	cfg := testConfig()
	cfg.Pseudonymize.Keys = nil
	once := runProcessor(t, cfg, newSentinelTraces(t))
	again := ptrace.NewTraces()
	once.CopyTo(again)
	again = runProcessor(t, cfg, again)
	a, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(once)
	require.NoError(t, err)
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(again)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b))
}

// One processor serves concurrent batches (the collector calls it from every
// receiver goroutine); run with -race.
func TestConcurrentBatches(t *testing.T) {
	m, err := newMasker(testConfig())
	require.NoError(t, err)
	want, err := m.processTraces(context.Background(), newSentinelTraces(t))
	require.NoError(t, err)
	done := make(chan ptrace.Traces, 4)
	for range 4 {
		go func() {
			out, _ := m.processTraces(context.Background(), newSentinelTraces(t))
			done <- out
		}()
	}
	for range 4 {
		assert.Equal(t, want, <-done)
	}
}

// A batch remembers masked values: the same text under keys that scrub it
// differently is masked per key, and more distinct values than the memo
// has slots are masked as well as the first ones.
func TestRepeatedValuesAreMaskedPerKey(t *testing.T) {
	const url = "https://shop.example/p?card=x&mail=jane@example.com"
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for _, key := range []string{"url.full", "app.note", "url.full", "user.id", "app.note", "user.id"} {
		spans.AppendEmpty().Attributes().PutStr(key, url)
	}
	for i := range memoMaxSlots + 10 {
		spans.AppendEmpty().Attributes().PutStr("app.note", "call +49 30 1234567 about order "+strconv.Itoa(100000+i))
	}
	out := runProcessor(t, testConfig(), td).ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	want := map[string]string{
		"url.full": "https://shop.example/p?card=?&mail=?",
		"app.note": "https://shop.example/p?card=x&mail=[REDACTED:email]",
		"user.id":  pseudonymOf(url),
	}
	for i := range 6 {
		out.At(i).Attributes().Range(func(k string, v pcommon.Value) bool {
			assert.Equal(t, want[k], v.Str(), "span %d, %s", i, k)
			return true
		})
	}
	for i := 6; i < out.Len(); i++ {
		assertStr(t, out.At(i).Attributes(), "app.note", "call [REDACTED:phone] about order "+strconv.Itoa(100000+i-6))
	}
}
