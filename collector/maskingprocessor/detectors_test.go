package maskingprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// maskWith masks s with only the named detector.
func maskWith(t *testing.T, detector, s string) string {
	t.Helper()
	m, err := newMasker(&Config{Detectors: []string{detector}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := m.maskText(s)
	return out
}

func TestDetectorsFind(t *testing.T) {
	tests := []struct{ detector, in, want string }{
		{"email", "mail jane.doe+x@example.co.uk.", "mail [REDACTED:email]."},
		{"email", "jane＠example.com", "[REDACTED:email]"},
		{"email", "jane\u200b@\u200dexample.com", "[REDACTED:email]"},
		{"email", "to=jane%40example.com&x=1", "to=[REDACTED:email]&x=1"},
		{"email", "to=jane%2540example.com", "to=[REDACTED:email]"},
		{"card_number", "4111 1111 1111 1111", "[REDACTED:card_number]"},
		{"card_number", "4111\u00a01111\u00a01111\u00a01111", "[REDACTED:card_number]"},
		{"card_number", "4111.1111.1111.1111 exp", "[REDACTED:card_number] exp"},
		{"card_number", "card4111111111111111x", "card[REDACTED:card_number]x"},
		{"card_number", "amex 3782-822463-10005", "amex [REDACTED:card_number]"},
		{"card_number", "１２ 4111111111111111", "12 [REDACTED:card_number]"},
		{"iban", "DE89 3704 0044 0532 0130 00 paid", "[REDACTED:iban] paid"},
		{"iban", "GB82WEST12345698765432", "[REDACTED:iban]"},
		{"phone", "+49 30 1234567", "[REDACTED:phone]"},
		{"phone", "+44 (0)20 7946 0958.", "[REDACTED:phone]."},
		{"phone", "0049 30 1234567", "[REDACTED:phone]"},
		{"phone", "call 030 1234567", "call [REDACTED:phone]"},
		{"phone", "(030) 1234567", "[REDACTED:phone]"},
		{"phone", "0171-1234567", "[REDACTED:phone]"},
		{"phone", "01711234567", "[REDACTED:phone]"},
		{"phone", "01 23 45 67 89", "[REDACTED:phone]"},
		{"phone", "(555) 234-5678", "[REDACTED:phone]"},
		{"phone", "1-555-234-5678", "[REDACTED:phone]"},
		{"phone", "tel:+1.555.234.5678", "tel:[REDACTED:phone]"},
		{"bearer", "Authorization: Bearer abc.def-ghi_123", "Authorization: [REDACTED:bearer]"},
		{"basic_auth", "Authorization: Basic dXNlcjpwYXNz", "Authorization: [REDACTED:basic_auth]"},
		{"basic_auth", "https://bob:s3cret@shop.example/x", "https://[REDACTED:basic_auth]@shop.example/x"},
		{"jwt", "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x", "t=[REDACTED:jwt]"},
		{"ipv4", "from 203.0.113.7:443", "from [REDACTED:ipv4]:443"},
		{"ipv6", "from [2001:db8::7]:443", "from [[REDACTED:ipv6]]:443"},
		{"ipv6", "peer ::ffff:192.0.2.1 closed", "peer [REDACTED:ipv6] closed"},
		{"secret_keys", "https://h/p?access_token=abc&x=1", "https://h/p?access_token=[REDACTED:secret_keys]&x=1"},
		{"secret_keys", "X-Api-Key: k-123, retry", "X-Api-Key: [REDACTED:secret_keys], retry"},
		{"secret_keys", `{"password":"hunter2"}`, `{"password":"[REDACTED:secret_keys]"}`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, maskWith(t, tt.detector, tt.in), "%s %q", tt.detector, tt.in)
	}
}

func TestDetectorsLeaveOrdinaryText(t *testing.T) {
	tests := []struct{ detector, in string }{
		{"email", "@handle, foo @ bar, a@b"},
		{"card_number", "order 4111111111111112 (Luhn fails), 1234 5678 9012 3456, 3.141592653589793"},
		{"card_number", "id 550e8400-e29b-41d4-a716-446655440000, ts 1712345678901234"},
		{"iban", "DE89 3704 0044 0532 0130 01, ISO8601 AB12"},
		{"phone", "order 100234, 1712345678, 2024-01-15, 01.02.2024 10:30, v1.26.8, 0.123456789"},
		{"phone", "sizes 200 300 4000, 00012345678, ORD-20240115-0042"},
		{"bearer", "the bearer of news, a bearer bond"},
		{"basic_auth", "the Basic plan, Basic aGVsbG8= (no colon)"},
		{"jwt", "eyJ alone, eyJhbGciOiJIUzI1NiJ9 without dots"},
		{"ipv4", "versions 1.2.3, v1.2.3.4, 1.2.3.4.5, 256.1.1.1"},
		{"ipv6", "12:30:45, std::vector, Foo::Bar, a :: b"},
		{"secret_keys", "gen_ai.usage.input_tokens=42, page=2, https://h/p"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.in, maskWith(t, tt.detector, tt.in), "%s %q", tt.detector, tt.in)
	}
}

func TestPhoneNumericRule(t *testing.T) {
	tests := []struct {
		n     string
		phone bool
	}{
		{"49301234567", true},       // +49 30 1234567
		{"447946095800", true},      // +44 7946 095800
		{"15552345678", true},       // +1 555 234 5678
		{"4930123456789012", false}, // 16 digits
		{"20240115001", false},      // date-prefixed order number
		{"1712345678901", false},    // ms timestamp
		{"999712345678", false},     // no country 99x plan
		{"15551034567", false},      // NANP exchange code starting 1
	}
	for _, tt := range tests {
		start, _ := nextPhoneNumeric(tt.n, 0)
		assert.Equal(t, tt.phone, start == 0, "%s", tt.n)
	}
}

func TestUnixTimestampWindows(t *testing.T) {
	for _, ts := range []string{"946684800", "4102444800", "1712345678901", "1712345678901234", "1712345678901234567", "4102444800000000000"} {
		assert.True(t, isUnixTimestamp([]byte(ts)), ts)
	}
	for _, n := range []string{"946684799", "4102444801", "100234", "12345678901"} {
		assert.False(t, isUnixTimestamp([]byte(n)), n)
	}
}

func TestPatternFilter(t *testing.T) {
	f := patternFilter(`\b(?:\d[ -]?){12,18}\d\b`)
	assert.Equal(t, 13, f.minDigits)
	assert.Equal(t, 37, f.window)
	f = patternFilter(`(?i)bearer\s+[A-Za-z0-9._~+/-]+=*`)
	assert.Equal(t, "bearer", f.literal)
	assert.True(t, f.fold)
	f = patternFilter(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	assert.Contains(t, f.sets, anyOf("@")[0])
	// (?i)k folds to the Kelvin sign: no literal filter then.
	f = patternFilter(`(?i)kkk`)
	assert.Empty(t, f.literal)
	// A pattern that can match anything filters nothing.
	f = patternFilter(`a*|b`)
	assert.Empty(t, f.sets)
	assert.Zero(t, f.minDigits)
}

// Punctuation around a value does not hide it: "/" in a URL path, "." in an
// attribute key, "_", "-", "=", ":" in ids and parameters.
func TestPunctuationDoesNotHideValues(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x"
	tests := []struct{ detector, in, want string }{
		{"phone", "https://example.com/schemas/1.26.0/+49 170 5000006", "https://example.com/schemas/1.26.0/[REDACTED:phone]"},
		{"phone", "https://example.com/schemas/1.26.0/0170 5000006", "https://example.com/schemas/1.26.0/[REDACTED:phone]"},
		{"phone", "app.callback.+491705000006", "app.callback.[REDACTED:phone]"},
		{"phone", "app.callback.01705000006", "app.callback.[REDACTED:phone]"},
		{"phone", "id_01705000006_x", "id_[REDACTED:phone]_x"},
		{"phone", "to_+491705000006", "to_[REDACTED:phone]"},
		{"phone", "tel=0170-5000006&x", "tel=[REDACTED:phone]&x"},
		{"phone", "tel:+49-170-5000006.", "tel:[REDACTED:phone]."},
		{"phone", "/v2/0170 5000006/orders", "/v2/[REDACTED:phone]/orders"},
		{"ipv4", "peer.203.0.113.7", "peer.[REDACTED:ipv4]"},
		{"ipv4", "ip_203.0.113.7_x", "ip_[REDACTED:ipv4]_x"},
		{"ipv4", "203.0.113.7.nip.io", "[REDACTED:ipv4].nip.io"},
		{"ipv4", "https://h/203.0.113.7/x", "https://h/[REDACTED:ipv4]/x"},
		{"ipv4", "peer=203.0.113.7:443", "peer=[REDACTED:ipv4]:443"},
		{"ipv6", "app.feed.2001:db8::7", "app.feed.[REDACTED:ipv6]"},
		{"ipv6", "peer.fe80::1 up", "peer.[REDACTED:ipv6] up"},
		{"card_number", "pan/4111111111111111.", "pan/[REDACTED:card_number]."},
		{"card_number", "pan_4111-1111-1111-1111_x", "pan_[REDACTED:card_number]_x"},
		{"card_number", "pan=4111 1111 1111 1111:exp", "pan=[REDACTED:card_number]:exp"},
		{"card_number", "app.pan.4111111111111111", "app.pan.[REDACTED:card_number]"},
		{"jwt", "http.request.header.x-" + token, "http.request.header.x-[REDACTED:jwt]"},
		{"jwt", "id_" + token, "id_[REDACTED:jwt]"},
		{"jwt", "token" + token, "token[REDACTED:jwt]"},
		{"jwt", "/auth/" + token + "/x", "/auth/[REDACTED:jwt]/x"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, maskWith(t, tt.detector, tt.in), "%s %q", tt.detector, tt.in)
	}
}

// A letter or digit glued to digits still makes them part of something
// longer: versions, hex ids, longer numbers and dotted runs stay.
func TestGluedDigitsStayWhatTheyAre(t *testing.T) {
	tests := []struct{ detector, in string }{
		{"phone", "v1.0.01705000006, 3.01711234567, 12-0301234567, 12 0301234567, 0x01705000006"},
		{"phone", "build 01705000006abc, ORD-2024-01705000006, a+491705000006"},
		{"ipv4", "v1.2.3.4, 1.2.3.4.5, 1.3.6.1.4.1.311, 1234.1.1.1, 1.2.3.4a, go1.21.3.4"},
		{"card_number", "04111111111111111, 41111111111111111"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.in, maskWith(t, tt.detector, tt.in), "%s %q", tt.detector, tt.in)
	}
}
