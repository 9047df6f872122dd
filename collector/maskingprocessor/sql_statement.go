package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import "strings"

// SQL statements inside names ("query failed: SELECT ... WHERE email =
// 'x'"). A statement starts at a SQL keyword that begins a word (the byte
// before it is not a letter, digit, "_", "$" or non-ASCII), is followed by
// a blank, and has the shape of its statement right after it:
//
//   - SELECT ... FROM then an identifier, a quoted identifier or "(";
//   - INSERT INTO, MERGE INTO, UPSERT INTO, REPLACE INTO, DELETE FROM;
//   - UPDATE then one (dotted or quoted) identifier then SET;
//   - WITH [RECURSIVE] identifier AS "(", or with a column list
//     "name (a, b) AS (";
//   - VALUES "(";
//   - CALL, EXEC or EXECUTE then an identifier then "(", "@" or a quote;
//   - CREATE, ALTER, DROP then, after OR REPLACE, TEMP, TEMPORARY, UNIQUE,
//     MATERIALIZED or IF [NOT] EXISTS, a schema object: TABLE, INDEX, VIEW,
//     SCHEMA, DATABASE, FUNCTION, PROCEDURE, TRIGGER, SEQUENCE, TYPE, USER,
//     ROLE, EXTENSION; TRUNCATE TABLE.
//
// Ordinary words stay words: "select a file", "update available", "delete
// failed", "with retries", "call me" are not statements. What still reads
// as one is English built like SQL ("select files from folder 2": its
// digits become "?").
//
// sqlStart returns the index of the first statement in s, or -1. It runs in
// time linear in len(s): FROM is searched once for all the SELECTs, and the
// shape after any other keyword ends at the next word or two.
func sqlStart(s string) int {
	from := fromSearch{next: -2}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) || (i > 0 && isIdentPart(s[i-1])) {
			continue
		}
		j := i + 1
		for j < len(s) && isIdentPart(s[j]) {
			j++
		}
		if j-i >= 4 && j-i <= 8 && statementAt(s, s[i:j], j, &from) {
			return i
		}
		i = j - 1
	}
	return -1
}

// sqlVerbs are the keywords a statement can start with.
var sqlVerbs = []string{
	"select", "insert", "merge", "upsert", "replace", "delete", "update", "with", "values", "call", "exec",
	"execute", "create", "alter", "drop", "truncate",
}

var (
	ddlModifiers  = []string{"or", "replace", "temp", "temporary", "unique", "materialized", "if", "not", "exists"}
	schemaObjects = []string{
		"table", "index", "view", "schema", "database", "function", "procedure", "trigger", "sequence", "type",
		"user", "role", "extension",
	}
)

// oneOf returns the entry of list that w spells in any case, or "".
func oneOf(w string, list []string) string {
	for _, k := range list {
		if len(k) == len(w) && strings.EqualFold(k, w) {
			return k
		}
	}
	return ""
}

// statementAt: the keyword verb, which ends at s[end], starts a statement.
func statementAt(s, verb string, end int, from *fromSearch) bool {
	if end >= len(s) || !isBlank(s[end]) {
		return false
	}
	next, after := word(s, end)
	is := func(w, keyword string) bool { return strings.EqualFold(w, keyword) }
	switch oneOf(verb, sqlVerbs) {
	case "select":
		return from.after(s, end)
	case "insert", "merge", "upsert", "replace":
		return is(next, "into")
	case "delete":
		return is(next, "from")
	case "update":
		k := skipBlanks(s, end)
		e := identEnd(s, k)
		return e > k && wordIs(s, e, "set")
	case "with":
		if is(next, "recursive") {
			next, after = word(s, after)
		}
		if next == "" {
			return false
		}
		if k := skipBlanks(s, after); k < len(s) && s[k] == '(' { // a column list
			close := closingParen(s, k)
			if close < 0 {
				return false
			}
			after = close + 1
		}
		as, afterAs := word(s, after)
		return is(as, "as") && nextByteIs(s, afterAs, "(")
	case "values":
		return nextByteIs(s, end, "(")
	case "call", "exec", "execute":
		k := skipBlanks(s, end)
		e := identEnd(s, k)
		return e > k && nextByteIs(s, e, "(@'")
	case "create", "alter", "drop":
		for range 4 { // OR REPLACE, TEMPORARY, IF NOT EXISTS and the like
			if oneOf(next, ddlModifiers) == "" {
				break
			}
			next, after = word(s, after)
		}
		return oneOf(next, schemaObjects) != ""
	case "truncate":
		return is(next, "table")
	}
	return false
}

// closingParen returns the index of the ")" that closes the column list
// opening at s[open], or -1. A column list holds no parentheses: another
// "(" ends the search, so that texts full of "(" are searched once.
func closingParen(s string, open int) int {
	for k := open + 1; k < len(s); k++ {
		switch s[k] {
		case ')':
			return k
		case '(':
			return -1
		}
	}
	return -1
}

// fromSearch remembers where the next FROM of a SELECT is, so that many
// SELECTs in one text search the text once.
type fromSearch struct {
	next int // index of a FROM found at or after the last position asked; -1 none; -2 not searched
}

// after: a FROM followed by an identifier, a quoted identifier or "("
// comes somewhere after s[i].
func (f *fromSearch) after(s string, i int) bool {
	if f.next == -1 {
		return false
	}
	if f.next >= i {
		return true
	}
	for k := i; k+4 < len(s); k++ {
		if s[k]|0x20 != 'f' || isIdentPart(s[k-1]) || !strings.EqualFold(s[k:k+4], "from") || !isBlank(s[k+4]) {
			continue
		}
		if t := skipBlanks(s, k+4); t < len(s) && (isIdentStart(s[t]) || strings.IndexByte("\"`[(", s[t]) >= 0) {
			f.next = k
			return true
		}
	}
	f.next = -1
	return false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipBlanks(s string, i int) int {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return i
}

// word returns the identifier after the blanks at s[i] and the index past
// it; "" when something else comes.
func word(s string, i int) (string, int) {
	k := skipBlanks(s, i)
	j := k
	for j < len(s) && isIdentPart(s[j]) {
		j++
	}
	if j == k || !isIdentStart(s[k]) {
		return "", k
	}
	return s[k:j], j
}

// wordIs: after blanks at s[i] comes the word keyword (any case).
func wordIs(s string, i int, keyword string) bool {
	if i == skipBlanks(s, i) {
		return false // the identifier went on with something else: "t.x=1 set"
	}
	w, _ := word(s, i)
	return strings.EqualFold(w, keyword)
}

// identEnd returns the index past a possibly dotted or quoted identifier
// ("shop.orders", `"Orders"`, [dbo].[t]) that starts at s[i].
func identEnd(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == '"' || c == '`':
			i = skipQuoted(s, i, c)
		case c == '[': // [dbo].[orders]; a "[" inside ends it, so texts full of "[" are searched once
			k := i + 1
			for k < len(s) && s[k] != ']' && s[k] != '[' {
				k++
			}
			if k >= len(s) || s[k] != ']' {
				return i
			}
			i = k + 1
		case isIdentPart(c):
			for i < len(s) && isIdentPart(s[i]) {
				i++
			}
		default:
			return i
		}
		if i >= len(s) || s[i] != '.' {
			return i
		}
		i++
	}
	return i
}

// nextByteIs: after blanks at s[i] comes one of the bytes of set.
func nextByteIs(s string, i int, set string) bool {
	k := skipBlanks(s, i)
	return k < len(s) && strings.IndexByte(set, s[k]) >= 0
}
