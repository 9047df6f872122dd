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
		assert.Equal(t, tt.want, scrubQuery("db.statement", tt.in), "input %q", tt.in)
	}
}

func TestScrubURL(t *testing.T) {
	tests := []struct{ key, in, want string }{
		{"url.full", "https://shop.example/orders?id=42&email=a%40b.c", "https://shop.example/orders?id=?&email=?"},
		{"url.full", "https://bob:s3cret@shop.example:8443/x?y=1", "https://bob:?@shop.example:8443/x?y=?"},
		{"url.full", "https://bob@shop.example/x", "https://bob@shop.example/x"},
		{"url.full", "https://shop.example/cb#access_token=abc&state=1", "https://shop.example/cb#access_token=?&state=?"},
		{"url.full", "https://shop.example/doc#section-2", "https://shop.example/doc#section-2"},
		{"url.full", "https://shop.example/p?flag&a=&b=c;d=e", "https://shop.example/p?flag&a=?&b=?;d=?"},
		{"url.full", "https://shop.example/path/no-query", "https://shop.example/path/no-query"},
		{"url.full", "/relative/path?q=1", "/relative/path?q=?"},
		{"url.full", "https://u:p@h/a@b?x=1", "https://u:?@h/a@b?x=?"},
		{"url.original", "http://h/?token=t", "http://h/?token=?"},
		{"url.query", "q=shoes&page=2", "q=?&page=?"},
		{"url.query", "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubQuery(tt.key, tt.in), "%s %q", tt.key, tt.in)
	}
}
