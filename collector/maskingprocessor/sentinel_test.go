package maskingprocessor

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The leak oracle of these tests knows nothing about where the processor
// looks: it marshals the whole output as OTLP protobuf and as OTLP JSON and
// searches the bytes, case-insensitively, for every needle. Every planted
// personal value is either spelled with "sentinel" in its personal part or
// listed in needles by its digits or encoding.

const sentinelWord = "sentinel"

// luhnComplete appends the Luhn check digit to prefix.
func luhnComplete(prefix string) string {
	for d := byte('0'); d <= '9'; d++ {
		if luhn([]byte(prefix + string(d))) {
			return prefix + string(d)
		}
	}
	panic("unreachable")
}

func group4(digits, sep string) string {
	var b bytes.Buffer
	for i := 0; i < len(digits); i += 4 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i:min(i+4, len(digits))])
	}
	return b.String()
}

// sentinels is the catalogue of planted values: text holds them as they are
// written in spans. needles holds what must not come out, in groups: the
// oracle must see at least one needle of each group in the input (so it
// can see the value at all) and none of them in the output.
type sentinels struct {
	text    []string
	needles [][]string
	ints    []int64
	doubles []float64
}

func (s *sentinels) add(text string, needles ...string) {
	s.text = append(s.text, text)
	if len(needles) > 0 {
		s.needles = append(s.needles, needles)
	}
}

func newSentinels() *sentinels {
	s := &sentinels{needles: [][]string{{sentinelWord}}}
	// Emails as a person would still read them.
	s.add("mail sentinel.jane@example.com please")
	s.add("sentinel.fw＠example.com")
	s.add("sentinel.zw\u200b@\u200bexample.com")
	s.add("to=sentinel.pct%40example.com")
	s.add("sentinel.j\u00f6hn@ex\u00e4mple.com")
	s.add("SENTINEL.UPPER@EXAMPLE.COM")
	// Cards: spaced, NBSP, dotted, dashed, glued to letters, Amex.
	for i, sep := range []string{" ", "\u00a0", ".", "-", ""} {
		digits := luhnComplete(fmt.Sprintf("491731000000%03d", i))
		text := group4(digits, sep)
		if sep == "" {
			text = "card" + digits + "exp"
		}
		s.add("paid with "+text, digits, text)
	}
	s.add("amex 3782 822463 10005", "378282246310005", "3782 822463 10005")
	// Phones: E.164, 00-international, national, North American, trunk "(0)".
	s.add("call +49 30 9021071", "9021071")
	s.add("call 0049 30 9021072", "9021072")
	s.add("call 030 9021073 today", "9021073")
	s.add("mobile 0171-9021074", "9021074")
	s.add("tel:01719021075", "9021075")
	s.add("(555) 902-1076", "9021076", "902-1076")
	s.add("+44 (0)20 7902 1077", "79021077", "7902 1077")
	s.add("01 90 21 07 78", "0190210778", "90 21 07 78")
	s.add("+49%2030%209021079", "9021079")
	// IBAN, credentials, addresses.
	s.add("iban DE89 3704 0044 0532 0130 00", "370400440532013000", "3704 0044 0532")
	s.add("retry with Bearer sentinelTOKENabc123")
	basic := base64.StdEncoding.EncodeToString([]byte("sentinel:hunter2"))
	s.add("Authorization: Basic "+basic, basic[:20])
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZW50aW5lbCJ9.c2VudGluZWxzaWc"
	s.add("token "+jwt, "eyJzdWIiOiJzZW50aW5lbCJ9")
	s.add("from 198.51.100.77:443", "198.51.100.77")
	s.add("from [2001:db8::9021:77]:443", "2001:db8::9021:77")
	s.add("https://sentinel-user:sentinel-pass@shop.example/x")
	s.add("https://shop.example/dl?token=sentinelurltoken&x=1")
	s.add(`{"password": "sentinel-json-pw"}`)
	s.add("ref ORD-90210990", "90210990")
	// Numbers under ordinary keys.
	card, err := strconv.ParseInt(luhnComplete("491731000000009"), 10, 64)
	if err != nil {
		panic(err)
	}
	s.ints = []int64{card, 49309021080}
	s.doubles = []float64{5555555555554444, 49309021081}
	for _, n := range s.ints {
		s.needles = append(s.needles, []string{strconv.FormatInt(n, 10)})
	}
	for _, f := range s.doubles {
		s.needles = append(s.needles, []string{
			strconv.FormatFloat(f, 'f', -1, 64), strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'e', -1, 64),
		})
	}
	// Values that plant and newSentinelTraces write themselves.
	s.needles = append(s.needles, []string{"90210991"}, []string{"0309021092"}, []string{"4917310000000119"})
	// Values glued to punctuation, in keys and schema URLs (planted there by plant and newSentinelTraces).
	s.needles = append(s.needles, []string{"9021093"}, []string{"9021094"}, []string{"9021095"}, []string{"9021096"},
		[]string{"198.51.100.78"}, []string{sentinelKeyJWTPayload})
	return s
}

const (
	sentinelKeyJWTPayload = "eyJzdWIiOiJzZW50aW5lbC1rZXkifQ"
	sentinelKeyJWT        = "eyJhbGciOiJIUzI1NiJ9." + sentinelKeyJWTPayload + ".c2VudGluZWxrZXlzaWc"
)

// plant fills attrs with every sentinel, in every value shape: strings,
// UTF-8 and binary bytes, ints and doubles, under ordinary, listed,
// secret-naming and spelling-variant keys, in arrays and maps down to depth 5,
// and in keys.
func (s *sentinels) plant(attrs pcommon.Map) {
	for i, text := range s.text {
		attrs.PutStr(fmt.Sprintf("app.note.%d", i), text)
	}
	attrs.PutStr("USER.ID", "sentinel-userid-variant")
	attrs.PutStr("User_Email", "sentinel-useremail-variant")
	attrs.PutStr("user.email", "sentinel-removed")
	attrs.PutStr("http.request.header.x-api-key", "sentinel-api-key")
	attrs.PutStr("http.request.header.authorization", "Bearer sentinel-auth")
	attrs.PutStr("http.url", "https://shop.example/p?customer=sentinel-httpurl")
	attrs.PutStr("http.target", "/p?customer=sentinel-target")
	attrs.PutStr("db.statement", "SELECT * FROM users WHERE name = 'Sentinel Sql' AND id = 90210991")
	attrs.PutStr("app.thing", "UPDATE t SET v = $$sentinel-dollar$$")
	attrs.PutStr("http.request.header.x-sentinel.key@example.com", "1")
	attrs.PutStr("baggage.sentinel%40example.com", "1")
	attrs.PutStr("http.request.header.x-"+sentinelKeyJWT, "1")
	attrs.PutStr("app.callback.+491709021095", "1")
	attrs.PutStr("app.callback.01709021096", "1")
	attrs.PutStr("peer.198.51.100.78", "1")
	attrs.PutEmptyBytes("payload").FromRaw([]byte("contact sentinel.bytes@example.com"))
	attrs.PutEmptyBytes("blob").FromRaw(append([]byte{0xff, 0x00}, []byte("sentinel.bin@example.com\xfe")...))
	attrs.PutEmptyBytes("user.id").FromRaw([]byte{0xff, 's', 'e', 'n', 't', 'i', 'n', 'e', 'l'})
	for i, n := range s.ints {
		attrs.PutInt(fmt.Sprintf("form.int.%d", i), n)
	}
	for i, f := range s.doubles {
		attrs.PutDouble(fmt.Sprintf("form.double.%d", i), f)
	}
	attrs.PutInt("client.address", s.ints[0])
	deep := attrs.PutEmptyMap("l1").PutEmptyMap("l2").PutEmptySlice("l3").AppendEmpty().SetEmptyMap().PutEmptyMap("l5")
	for i, text := range s.text {
		deep.PutStr(fmt.Sprintf("n%d", i), text)
	}
	deep.PutInt("n", s.ints[0])
	deep.PutEmptySlice("arr").AppendEmpty().SetStr("deep sentinel.deep@example.com")
}

// newSentinelTraces plants in every place of the OTLP trace model that can
// hold text.
func newSentinelTraces(t *testing.T) ptrace.Traces {
	t.Helper()
	s := newSentinels()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0?token=sentinel-schema")
	s.plant(rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	ss.SetSchemaUrl("https://schemas.example/sentinel.schema@example.com")
	ss.Scope().SetName("shop-api sentinel.scope@example.com")
	ss.Scope().SetVersion("1.0.0+sentinel.version@example.com")
	s.plant(ss.Scope().Attributes())
	names := []string{
		"SELECT * FROM users WHERE email = 'sentinel.sqlname@example.org' AND phone = '0309021092'",
		"GET https://shop.example/p?customer=sentinel-urlname&card=4917310000000119",
		"GET /users/sentinel.jane@example.com",
		"query failed: SELECT name FROM customers WHERE email = 'x' AND name = 'Sentinel Prefixed'",
	}
	for _, name := range names {
		span := ss.Spans().AppendEmpty()
		span.SetName(name)
		span.TraceState().FromRaw("rojo=00f067aa0ba902b7,shop=u:sentinel.ts@example.com,pay=c:" + luhnComplete("491731000000099") + ",pct=sentinel.tspct%40example.com")
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage("charge failed for sentinel.status@example.com with Bearer sentinelSTATUStoken; " +
			"db: UPDATE customers SET note = 'Sentinel Statussql' WHERE id = 1")
		s.plant(span.Attributes())
		ev := span.Events().AppendEmpty()
		ev.SetName("mail sent to sentinel.event@example.com after select id from t where n = 'Sentinel Eventsql'")
		s.plant(ev.Attributes())
		link := span.Links().AppendEmpty()
		link.TraceState().FromRaw("shop=u:sentinel.linkts@example.com,rojo=1")
		s.plant(link.Attributes())
	}
	// Phone numbers right after "/" in schema URLs, international and national.
	rs2 := td.ResourceSpans().AppendEmpty()
	rs2.SetSchemaUrl("https://example.com/schemas/1.26.0/+49 170 9021093")
	ss2 := rs2.ScopeSpans().AppendEmpty()
	ss2.SetSchemaUrl("https://example.com/schemas/1.26.0/0170 9021094")
	ss2.Spans().AppendEmpty().SetName("ping")
	return td
}

// marshalled is the oracle's view: protobuf and JSON, lower-cased.
func marshalled(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	pb, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	js, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	return bytes.ToLower(append(append(pb, '\n'), js...))
}

// leaks lists every needle found in out, with some context.
func leaks(out []byte, groups [][]string) []string {
	var found []string
	for _, n := range slices.Concat(groups...) {
		needle := bytes.ToLower([]byte(n))
		for from := 0; ; {
			i := bytes.Index(out[from:], needle)
			if i < 0 {
				break
			}
			i += from
			lo, hi := max(0, i-40), min(len(out), i+len(needle)+40)
			found = append(found, fmt.Sprintf("%q in …%q…", n, out[lo:hi]))
			from = i + len(needle)
		}
	}
	return found
}

func assertNoLeak(t *testing.T, cfg *Config) {
	t.Helper()
	in := newSentinelTraces(t)
	needles := newSentinels().needles
	planted := marshalled(t, in)
	for _, group := range needles {
		assert.True(t, slices.ContainsFunc(group, func(n string) bool {
			return bytes.Contains(planted, bytes.ToLower([]byte(n)))
		}), "the oracle must see one of %q in the input", group)
	}
	require.Greater(t, bytes.Count(planted, []byte(sentinelWord)), 500, "the fixture must plant sentinels everywhere")

	out := runProcessor(t, cfg, in)
	for _, leak := range leaks(marshalled(t, out), needles) {
		t.Errorf("leak: %s", leak)
	}
	require.Positive(t, out.SpanCount(), "spans must survive masking")
}

// TestNoSentinelSurvives is the coverage proof: personal values planted in
// every place and shape, and the marshalled output holds none of them.
func TestNoSentinelSurvives(t *testing.T) {
	assertNoLeak(t, testConfig())
}

// With numbers off, numbers under ordinary keys are outside the detectors;
// the allow-list (deny by default) is what keeps them out then.
func TestNoSentinelSurvivesAllowListWithoutNumbers(t *testing.T) {
	cfg := testConfig()
	cfg.Numbers = false
	cfg.Allow = &AllowConfig{Keys: []string{"http.request.method", "app.note.0", "payload"}, Otherwise: "remove"}
	assertNoLeak(t, cfg)
}

func TestNoSentinelSurvivesAllowListPseudonymizing(t *testing.T) {
	for _, numbers := range []bool{true, false} {
		t.Run(fmt.Sprintf("numbers=%v", numbers), func(t *testing.T) {
			cfg := testConfig()
			cfg.Numbers = numbers
			cfg.Allow = &AllowConfig{Keys: []string{"app.note.0", "payload", "db.statement"}, Otherwise: "pseudonymize"}
			assertNoLeak(t, cfg)
		})
	}
}
