package maskingprocessor

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/shop3d/tracegen/collector/maskingprocessor/internal/metadata"
)

// loadConfig unmarshals one top-level entry of testdata/config.yaml into a
// default config, the way the collector does.
func loadConfig(t *testing.T, id component.ID) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(t, component.NewID(metadata.Type))
	require.NoError(t, err)
	assert.Equal(t, []string{"user.email", "http.request.header.authorization"}, cfg.Remove)
	assert.Equal(t, []string{"user.id", "enduser.id", "client.address"}, cfg.Pseudonymize.Keys)
	assert.Equal(t, "test-only-secret", string(cfg.Pseudonymize.Key))
	require.Len(t, cfg.RedactValues, 1)
	assert.Equal(t, "email", cfg.RedactValues[0].Name)
	assert.Equal(t, `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`, cfg.RedactValues[0].Pattern)
	assert.Equal(t, []string{"db.statement", "db.query.text", "url.full", "url.query"}, cfg.ScrubQueries)
	assert.NoError(t, confmap.Validate(cfg))
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig()
	assert.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.NoError(t, confmap.Validate(cfg))

	empty, err := loadConfig(t, component.MustNewIDWithName("masking", "empty"))
	require.NoError(t, err)
	assert.Equal(t, cfg, empty)
}

func TestUnknownKeyIsRejected(t *testing.T) {
	_, err := loadConfig(t, component.MustNewIDWithName("masking", "unknown_key"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "remoove")
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want string
	}{
		{"missing pseudonym key", "missing_key", "pseudonymize.key must be a non-empty secret"},
		{"bad regex names the rule", "bad_regex", `redact_values[0] ("broken"): invalid RE2 pattern`},
		{"duplicate rule names", "duplicate_rule", `duplicate rule name "email"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(t, component.MustNewIDWithName("masking", tt.id))
			require.NoError(t, err)
			err = confmap.Validate(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestValidateOtherErrors(t *testing.T) {
	cfg := &Config{
		Remove:       []string{""},
		ScrubQueries: []string{""},
		Pseudonymize: PseudonymizeConfig{Keys: []string{""}, Key: "k"},
		RedactValues: []RedactRule{{Name: "", Pattern: "x"}, {Name: "blank", Pattern: ""}},
	}
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{
		"remove[0] is empty",
		"scrub_queries[0] is empty",
		"pseudonymize.keys[0] is empty",
		"redact_values[0]: name must not be empty",
		`redact_values[1] ("blank"): pattern must not be empty`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestKeyWithoutKeysIsFine(t *testing.T) {
	// A secret with nothing to pseudonymize is harmless.
	cfg := &Config{Pseudonymize: PseudonymizeConfig{Key: "k"}}
	assert.NoError(t, cfg.Validate())
}

func TestSecretIsOpaque(t *testing.T) {
	cfg, err := loadConfig(t, component.NewID(metadata.Type))
	require.NoError(t, err)
	text, err := cfg.Pseudonymize.Key.MarshalText()
	require.NoError(t, err)
	assert.False(t, strings.Contains(string(text), "test-only-secret"))
}
