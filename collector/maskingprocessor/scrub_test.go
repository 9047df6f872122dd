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

func TestScrubNameFindsStatementsAfterAPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{
			"query failed: SELECT name FROM customers WHERE email = 'x' AND name = 'Jane Doe'",
			"query failed: SELECT name FROM customers WHERE email = ? AND name = ?",
		},
		{"error in (select id from t where n = 'Jane')", "error in (select id from t where n = ?)"},
		{"db: INSERT INTO t (a) VALUES ('Jane', 42)", "db: INSERT INTO t (a) VALUES (?, ?)"},
		{"retry 3: UPDATE shop.\"Orders\" SET note = 'x' WHERE id = 7", "retry 3: UPDATE shop.\"Orders\" SET note = ? WHERE id = ?"},
		{"ORM> DELETE FROM carts WHERE owner = 'Jane'", "ORM> DELETE FROM carts WHERE owner = ?"},
		{"stmt=MERGE INTO t USING s ON t.id = 1", "stmt=MERGE INTO t USING s ON t.id = ?"},
		{"cte: WITH recent (id) AS (SELECT 1) SELECT 'x'", "cte: WITH recent (id) AS (SELECT ?) SELECT ?"},
		{"proc: CALL find_customer('Jane')", "proc: CALL find_customer(?)"},
		{"tsql: EXEC dbo.find @email = 'x'", "tsql: EXEC dbo.find @email = ?"},
		{"batch 2 VALUES ('Jane')", "batch 2 VALUES (?)"},
		{"migrate 12: CREATE TABLE IF NOT EXISTS t (n int DEFAULT 5)", "migrate 12: CREATE TABLE IF NOT EXISTS t (n int DEFAULT ?)"},
		{"GET /p?email=jane then SELECT a FROM t WHERE b = 'c'", "GET /p?email=? then SELECT a FROM t WHERE b = ?"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubName(tt.in), "input %q", tt.in)
	}
}

// English that uses SQL's verbs keeps its digits and quotes.
func TestScrubNameLeavesEnglishAlone(t *testing.T) {
	for _, in := range []string{
		"select a file (max 20 MB)",
		"update available: version 2.4 'stable'",
		"delete failed for 3 items",
		"failed with 2 retries",
		"call me at 10 o'clock",
		"insert 2 coins",
		"values 1, 2 and 3",
		"drop 3 packets",
		"create 5 orders",
		"execute task 7",
		"truncate to 255 chars",
		"select from 3 options",
		"reselect 2 rows from table",
		"preselect: 4 from shop",
	} {
		assert.Equal(t, in, scrubName(in), "input %q", in)
	}
}
