package maskingprocessor

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
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
	assert.Equal(t, []string{"user.id", "enduser.id", "client.address", "network.peer.address"}, cfg.Pseudonymize.Keys)
	assert.Equal(t, "test-only-secret-of-thirty-two-bytes", string(cfg.Pseudonymize.Key))
	assert.Equal(t, 32, cfg.Pseudonymize.MinKeyBytes)
	assert.Equal(t, []string{"email", "card_number", "iban", "phone", "bearer", "basic_auth", "jwt", "ipv4", "ipv6", "secret_keys"}, cfg.Detectors)
	assert.Equal(t, []RedactRule{{Name: "order_ref", Pattern: `ORD-\d{8}`}}, cfg.RedactValues)
	assert.Equal(t, []ScrubQuery{
		{Key: "db.statement", Kind: "sql"}, {Key: "url.full", Kind: "url"},
		{Key: "url.query", Kind: "query"}, {Key: "app.thing", Kind: "auto"},
	}, cfg.ScrubQueries)
	assert.True(t, cfg.ScrubNames)
	assert.True(t, cfg.Numbers)
	require.NotNil(t, cfg.Allow)
	assert.Equal(t, AllowConfig{Keys: []string{"service.name", "http.request.method"}, Otherwise: "pseudonymize"}, *cfg.Allow)
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
		{"key shorter than min_key_bytes", "short_key", "pseudonymize.key is 16 bytes, shorter than pseudonymize.min_key_bytes (32)"},
		{"allow-list pseudonymizing needs a key", "allow_needs_key", "pseudonymize.key must be a non-empty secret"},
		{"unknown otherwise", "bad_otherwise", `allow.otherwise: unknown value "keep" (one of remove, pseudonymize)`},
		{"unknown detector", "unknown_detector", `detectors[1]: unknown detector "credit_card" (known: basic_auth, bearer, jwt, secret_keys, email, iban, card_number, phone, ipv6, ipv4)`},
		{"unknown scrub kind", "unknown_kind", `scrub_queries[0] ("http.url"): unknown kind "uri" (one of sql, url, query, auto)`},
		{"missing scrub kind", "missing_kind", `scrub_queries[0] ("http.url"): kind is required`},
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
		ScrubQueries: []ScrubQuery{{Key: "", Kind: "sql"}},
		Pseudonymize: PseudonymizeConfig{Keys: []string{""}, Key: "k", MinKeyBytes: -1},
		RedactValues: []RedactRule{{Name: "", Pattern: "x"}, {Name: "blank", Pattern: ""}},
		Allow:        &AllowConfig{Keys: []string{""}},
	}
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{
		"remove[0] is empty",
		"scrub_queries[0].key is empty",
		"pseudonymize.keys[0] is empty",
		"pseudonymize.min_key_bytes must not be negative",
		"allow.keys[0] is empty",
		"redact_values[0]: name must not be empty",
		`redact_values[1] ("blank"): pattern must not be empty`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestMinKeyBytesAcceptsALongEnoughKey(t *testing.T) {
	cfg := &Config{Pseudonymize: PseudonymizeConfig{
		Keys: []string{"user.id"}, Key: configopaque.String(strings.Repeat("k", 32)), MinKeyBytes: 32,
	}}
	assert.NoError(t, cfg.Validate())
}

func TestValidateNeverPrintsTheKey(t *testing.T) {
	cfg := &Config{Pseudonymize: PseudonymizeConfig{Keys: []string{"user.id"}, Key: "short-secret-value", MinKeyBytes: 32}}
	err := cfg.Validate()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "short-secret-value")
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
	assert.False(t, strings.Contains(string(text), "test-only-secret-of-thirty-two-bytes"))
}
