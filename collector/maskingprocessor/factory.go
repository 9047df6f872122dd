package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/shop3d/tracegen/collector/maskingprocessor/internal/metadata"
)

// The processor rewrites spans in place.
var processorCapabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the factory of the `masking` processor (traces only).
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
	)
}

// createDefaultConfig is the one place defaults live. Every rule list is
// empty: with no rules the processor passes spans through unchanged, and the
// generated configs always state their rules explicitly.
func createDefaultConfig() component.Config {
	return &Config{}
}

func createTraces(
	ctx context.Context,
	set processor.Settings,
	cfg component.Config,
	next consumer.Traces,
) (processor.Traces, error) {
	pcfg, ok := cfg.(*Config)
	if !ok {
		return nil, fmt.Errorf("masking: unexpected config type %T", cfg)
	}
	m, err := newMasker(pcfg)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, cfg, next, m.processTraces,
		processorhelper.WithCapabilities(processorCapabilities))
}
