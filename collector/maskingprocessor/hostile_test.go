package maskingprocessor

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Strings built to make a scanner restart at every position: each must be
// masked in time linear in its length. A quadratic scan of one megabyte
// would take hours; the limit leaves room for a loaded machine.
func TestHostileStringsStayLinear(t *testing.T) {
	cfg := testConfig()
	cfg.RedactValues = append(cfg.RedactValues, RedactRule{Name: "card_re", Pattern: `\b(?:\d[ -]?){12,18}\d\b`})
	m, err := newMasker(cfg)
	require.NoError(t, err)
	const size = 1 << 20
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	inputs := map[string]string{
		"paren groups":     fill("(1) "),
		"spaced digits":    fill("1 "),
		"digits":           fill("1"),
		"colon run":        "x" + fill("1:"),
		"hex colon run":    fill("a:"),
		"at signs":         fill("a@"),
		"dotted local":     fill("a.") + "@",
		"secret params":    fill("token="),
		"param names":      fill("a.b:"),
		"bearer words":     fill("bearer "),
		"basic words":      fill("basic QUFB "),
		"jwt heads":        fill("eyJ."),
		"iban heads":       fill("DE89 "),
		"dots":             fill("1.1."),
		"percent":          fill("%41"),
		"full width":       fill("＠"),
		"zero width":       fill("a\u200b"),
		"sql dollars":      fill("$a$"),
		"sql selects":      fill("select 1 "),
		"sql updates":      fill("update x "),
		"sql quoted ids":   fill("update \"x "),
		"sql brackets":     fill("update [x "),
		"sql ctes":         fill("with x ("),
		"sql calls":        fill("call a.b.c "),
		"url userinfo":     fill("://a:b"),
		"plus digits":      fill("+1"),
		"national zeros":   fill("01 "),
		"north american":   fill("(555) "),
		"long local part":  fill("a") + "@example",
		"long basic token": "basic " + fill("QUFB"),
	}
	for name, s := range inputs {
		start := time.Now()
		m.maskText(s)
		scrubValue(kindSQL, s)
		scrubName(s)
		require.Less(t, time.Since(start), 10*time.Second, "%s took too long", name)
	}
}
