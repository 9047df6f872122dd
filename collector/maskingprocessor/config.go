package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
)

// Config is the configuration of the masking processor. The YAML keys are the
// mapstructure tags; see the package documentation for what each rule does.
type Config struct {
	// Remove lists attribute keys that are dropped wherever they appear,
	// including inside nested maps. Keys match canonically (see canonicalKey).
	Remove []string `mapstructure:"remove"`

	// Pseudonymize replaces the values of the listed keys by a keyed hash.
	Pseudonymize PseudonymizeConfig `mapstructure:"pseudonymize"`

	// Detectors names the built-in detectors to run (see detectorNames).
	Detectors []string `mapstructure:"detectors"`

	// RedactValues are custom RE2 patterns applied to every string; each
	// match is replaced by "[REDACTED:<name>]".
	RedactValues []RedactRule `mapstructure:"redact_values"`

	// ScrubQueries lists keys whose values are SQL or URLs, each with its
	// kind; their literals become "?".
	ScrubQueries []ScrubQuery `mapstructure:"scrub_queries"`

	// ScrubNames scrubs SQL statements and URLs found in span names, status
	// messages, event names, scope name and version and schema URLs.
	ScrubNames bool `mapstructure:"scrub_names"`

	// Numbers lets card_number, phone and redact_values see the decimal
	// form of int and integral double values.
	Numbers bool `mapstructure:"numbers"`

	// Allow turns on allow-list mode when present.
	Allow *AllowConfig `mapstructure:"allow"`

	// Prevent unkeyed literals so fields can be added without breaking callers.
	_ struct{}
}

// PseudonymizeConfig selects the keys to pseudonymize and holds the HMAC secret.
type PseudonymizeConfig struct {
	// Keys whose values are replaced by "hmac:" + 32 hex chars.
	Keys []string `mapstructure:"keys"`
	// Key is the HMAC-SHA256 secret. Required when anything is pseudonymized.
	// It is opaque so that it never shows up when the collector prints its config.
	Key configopaque.String `mapstructure:"key"`
	// MinKeyBytes refuses a shorter Key (0: any non-empty key).
	MinKeyBytes int `mapstructure:"min_key_bytes"`
}

// RedactRule is one named value pattern.
type RedactRule struct {
	// Name appears in the replacement text "[REDACTED:<name>]".
	Name string `mapstructure:"name"`
	// Pattern is a Go (RE2) regular expression.
	Pattern string `mapstructure:"pattern"`
}

// ScrubQuery names a key whose values are scrubbed as Kind.
type ScrubQuery struct {
	Key string `mapstructure:"key"`
	// Kind is one of scrubKindNames: sql, url, query or auto.
	Kind string `mapstructure:"kind"`
}

// AllowConfig is the allow-list mode: the keys of resource, scope, span,
// event and link attribute maps that are not listed get Otherwise.
type AllowConfig struct {
	Keys []string `mapstructure:"keys"`
	// Otherwise is "remove" (the default when empty) or "pseudonymize".
	Otherwise string `mapstructure:"otherwise"`
}

const (
	otherwiseRemove       = "remove"
	otherwisePseudonymize = "pseudonymize"
)

// pseudonymizes reports whether any rule needs the HMAC key.
func (cfg *Config) pseudonymizes() bool {
	return len(cfg.Pseudonymize.Keys) > 0 || (cfg.Allow != nil && cfg.Allow.Otherwise == otherwisePseudonymize)
}

// Validate reports configuration errors. The collector calls it before any
// processor is built, so a broken pattern, an unknown detector or a missing
// secret stops `otelcol validate` and the start-up rather than the first
// batch of spans.
func (cfg *Config) Validate() error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if cfg.Pseudonymize.MinKeyBytes < 0 {
		fail("pseudonymize.min_key_bytes must not be negative, got %d", cfg.Pseudonymize.MinKeyBytes)
	}
	if cfg.pseudonymizes() {
		keyLen := len(cfg.Pseudonymize.Key)
		switch {
		case keyLen == 0:
			fail("pseudonymize.key must be a non-empty secret when pseudonymize.keys or allow.otherwise: pseudonymize is set (use ${env:VAR}, never a literal)")
		case keyLen < cfg.Pseudonymize.MinKeyBytes:
			fail("pseudonymize.key is %d bytes, shorter than pseudonymize.min_key_bytes (%d): use a longer random secret", keyLen, cfg.Pseudonymize.MinKeyBytes)
		}
	}
	emptyKeys := func(list string, keys []string) {
		for i, k := range keys {
			if k == "" {
				fail("%s[%d] is empty", list, i)
			}
		}
	}
	emptyKeys("pseudonymize.keys", cfg.Pseudonymize.Keys)
	emptyKeys("remove", cfg.Remove)

	for i, d := range cfg.Detectors {
		if _, ok := detectorByName[d]; !ok {
			fail("detectors[%d]: unknown detector %q (known: %s)", i, d, strings.Join(detectorNames, ", "))
		}
	}

	for i, q := range cfg.ScrubQueries {
		if q.Key == "" {
			fail("scrub_queries[%d].key is empty", i)
		}
		if _, ok := scrubKindByName[q.Kind]; !ok {
			if q.Kind == "" {
				fail("scrub_queries[%d] (%q): kind is required (one of %s)", i, q.Key, strings.Join(scrubKindNames, ", "))
			} else {
				fail("scrub_queries[%d] (%q): unknown kind %q (one of %s)", i, q.Key, q.Kind, strings.Join(scrubKindNames, ", "))
			}
		}
	}

	if cfg.Allow != nil {
		emptyKeys("allow.keys", cfg.Allow.Keys)
		switch cfg.Allow.Otherwise {
		case "", otherwiseRemove, otherwisePseudonymize:
		default:
			fail("allow.otherwise: unknown value %q (one of %s, %s)", cfg.Allow.Otherwise, otherwiseRemove, otherwisePseudonymize)
		}
	}

	seen := make(map[string]int, len(cfg.RedactValues))
	for i, r := range cfg.RedactValues {
		if r.Name == "" {
			fail("redact_values[%d]: name must not be empty", i)
		} else if first, dup := seen[r.Name]; dup {
			fail("redact_values[%d]: duplicate rule name %q (first used at redact_values[%d])", i, r.Name, first)
		} else {
			seen[r.Name] = i
		}
		if r.Pattern == "" {
			fail("redact_values[%d] (%q): pattern must not be empty", i, r.Name)
			continue
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			errs = append(errs, fmt.Errorf("redact_values[%d] (%q): invalid RE2 pattern: %w", i, r.Name, err))
		}
	}
	return errors.Join(errs...)
}
