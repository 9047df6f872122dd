package maskingprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScrubSQL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT * FROM users WHERE email = 'a@b.c'", "SELECT * FROM users WHERE email = ?"},
		{"WHERE name = 'O''Brien' AND x = 1", "WHERE name = ? AND x = ?"},
		{"WHERE a = '' OR b = ''''", "WHERE a = ? OR b = ?"},
		{"VALUES (42, -3.5, 1e10, .5, 0x1F, 2.5E-3)", "VALUES (?, -?, ?, ?, ?, ?)"},
		{"SELECT col1, t2.c_3, \"Col 9\", `x7` FROM t1", "SELECT col1, t2.c_3, \"Col 9\", `x7` FROM t1"},
		{"SELECT $$secret$$, $fn$ body 'x' $fn$, $1, $23", "SELECT ?, ?, $1, $23"},
		{"INSERT INTO t VALUES ('unterminated, 5", "INSERT INTO t VALUES (?"},
		{"SELECT $$unterminated", "SELECT ?"},
		{"SELECT E'a\\nb', N'x'", "SELECT E?, N?"},
		{"LIMIT 10 OFFSET 20", "LIMIT ? OFFSET ?"},
		{"SELECT * FROM t WHERE id = ? AND y = :name", "SELECT * FROM t WHERE id = ? AND y = :name"},
		{"SELECT 1st_col FROM t", "SELECT 1st_col FROM t"},
		{"SELECT 'é', 'naïve' FROM tàble9", "SELECT ?, ? FROM tàble9"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubValue(kindSQL, tt.in), "input %q", tt.in)
	}
}

func TestScrubURL(t *testing.T) {
	tests := []struct {
		kind     scrubKind
		in, want string
	}{
		{kindURL, "https://shop.example/orders?id=42&email=a%40b.c", "https://shop.example/orders?id=?&email=?"},
		{kindURL, "https://bob:s3cret@shop.example:8443/x?y=1", "https://bob:?@shop.example:8443/x?y=?"},
		{kindURL, "https://bob@shop.example/x", "https://bob@shop.example/x"},
		{kindURL, "https://shop.example/cb#access_token=abc&state=1", "https://shop.example/cb#access_token=?&state=?"},
		{kindURL, "https://shop.example/doc#section-2", "https://shop.example/doc#section-2"},
		{kindURL, "https://shop.example/p?flag&a=&b=c;d=e", "https://shop.example/p?flag&a=?&b=?;d=?"},
		{kindURL, "https://shop.example/path/no-query", "https://shop.example/path/no-query"},
		{kindURL, "/relative/path?q=1", "/relative/path?q=?"},
		{kindURL, "https://u:p@h/a@b?x=1", "https://u:?@h/a@b?x=?"},
		{kindURL, "http://h/?token=t", "http://h/?token=?"},
		{kindQuery, "q=shoes&page=2", "q=?&page=?"},
		{kindQuery, "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubValue(tt.kind, tt.in), "%d %q", tt.kind, tt.in)
	}
}

func TestAutoKindDecidesPerValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://shop.example/p?email=x", "https://shop.example/p?email=?"},
		{"/orders/42?email=x", "/orders/42?email=?"},
		{"email=x&id=42", "email=?&id=?"},
		{"SELECT * FROM t WHERE email = 'x' AND id = 42", "SELECT * FROM t WHERE email = ? AND id = ?"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubValue(kindAuto, tt.in), "input %q", tt.in)
	}
}

func TestScrubNameFindsStatementsAndURLs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT id FROM users WHERE email = 'jane@example.com'", "SELECT id FROM users WHERE email = ?"},
		{"  update orders set note = 'x' where id = 7", "  update orders set note = ? where id = ?"},
		{"GET https://shop.example/p?email=jane&x=1 failed", "GET https://shop.example/p?email=?&x=? failed"},
		{"GET /orders/{id}", "GET /orders/{id}"},
		{"SELECT shop.orders", "SELECT shop.orders"},
		{"selection changed", "selection changed"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubName(tt.in), "input %q", tt.in)
	}
}
