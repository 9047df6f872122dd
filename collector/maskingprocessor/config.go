package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"errors"
	"fmt"
	"regexp"

	"go.opentelemetry.io/collector/config/configopaque"
)

// Config is the configuration of the masking processor. The YAML keys are the
// mapstructure tags; see the package documentation for what each rule does.
type Config struct {
	// Remove lists attribute keys that are dropped wherever they appear,
	// including inside nested maps.
	Remove []string `mapstructure:"remove"`

	// Pseudonymize replaces the values of the listed keys by a keyed hash.
	Pseudonymize PseudonymizeConfig `mapstructure:"pseudonymize"`

	// RedactValues are RE2 patterns applied to every string; each match is
	// replaced by "[REDACTED:<name>]".
	RedactValues []RedactRule `mapstructure:"redact_values"`

	// ScrubQueries lists keys whose values are URLs (keys starting with
	// "url.") or SQL (any other key); their literals become "?".
	ScrubQueries []string `mapstructure:"scrub_queries"`

	// Prevent unkeyed literals so fields can be added without breaking callers.
	_ struct{}
}

// PseudonymizeConfig selects the keys to pseudonymize and holds the HMAC secret.
type PseudonymizeConfig struct {
	// Keys whose values are replaced by "hmac:" + 32 hex chars.
	Keys []string `mapstructure:"keys"`
	// Key is the HMAC-SHA256 secret. Required when Keys is non-empty. It is
	// opaque so that it never shows up when the collector prints its config.
	Key configopaque.String `mapstructure:"key"`
}

// RedactRule is one named value pattern.
type RedactRule struct {
	// Name appears in the replacement text "[REDACTED:<name>]".
	Name string `mapstructure:"name"`
	// Pattern is a Go (RE2) regular expression.
	Pattern string `mapstructure:"pattern"`
}

// Validate reports configuration errors. The collector calls it before any
// processor is built, so a broken pattern or a missing secret stops
// `otelcol validate` and the start-up rather than the first batch of spans.
func (cfg *Config) Validate() error {
	var errs []error
	if len(cfg.Pseudonymize.Keys) > 0 && cfg.Pseudonymize.Key == "" {
		errs = append(errs, errors.New("pseudonymize.key must be a non-empty secret when pseudonymize.keys is set (use ${env:VAR}, never a literal)"))
	}
	for i, k := range cfg.Pseudonymize.Keys {
		if k == "" {
			errs = append(errs, fmt.Errorf("pseudonymize.keys[%d] is empty", i))
		}
	}
	for i, k := range cfg.Remove {
		if k == "" {
			errs = append(errs, fmt.Errorf("remove[%d] is empty", i))
		}
	}
	for i, k := range cfg.ScrubQueries {
		if k == "" {
			errs = append(errs, fmt.Errorf("scrub_queries[%d] is empty", i))
		}
	}
	seen := make(map[string]int, len(cfg.RedactValues))
	for i, r := range cfg.RedactValues {
		if r.Name == "" {
			errs = append(errs, fmt.Errorf("redact_values[%d]: name must not be empty", i))
		} else if first, dup := seen[r.Name]; dup {
			errs = append(errs, fmt.Errorf("redact_values[%d]: duplicate rule name %q (first used at redact_values[%d])", i, r.Name, first))
		} else {
			seen[r.Name] = i
		}
		if r.Pattern == "" {
			errs = append(errs, fmt.Errorf("redact_values[%d] (%q): pattern must not be empty", i, r.Name))
			continue
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			errs = append(errs, fmt.Errorf("redact_values[%d] (%q): invalid RE2 pattern: %w", i, r.Name, err))
		}
	}
	return errors.Join(errs...)
}
