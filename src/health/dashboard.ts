import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  BarGaugeSizing,
  BarGaugeValueMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  FieldColorModeId,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  PercentChangeColorMode,
  SortOrder,
  ThresholdsMode,
  TooltipDisplayMode,
  VizOrientation,
  defaultDashboard,
  type Dashboard,
  type DashboardLink,
  type DataQuery,
  type DataSourceRef,
  type FieldConfigSource,
  type GridPos,
  type Panel,
  type RowPanel,
  type ThresholdsConfig,
} from "@grafana/schema";
import type { Options as BarGaugeOptions } from "@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen";
import type { Options as StatOptions } from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { durationMs, percent } from "../schema/units.js";
import { ALERT_DEFAULTS } from "../schema/description.js";
import { flowSearchUrl } from "./jaeger-links.js";
import { eq, rate, selector, sumBy } from "./promql.js";
import { HOP_LABEL, QUANTILE_LABEL, RECORDED, WINDOW } from "./recorded.js";
import { DURATION, LABEL, labelOf } from "./span-metrics.js";

/*
 * The flow dashboard, typed against Grafana's published schema (@grafana/schema), so a panel or
 * option Grafana does not know fails the TypeScript build. Panels read the recorded series; the
 * one exception is the exemplar query, which must select the raw histogram because Prometheus
 * keeps exemplars only on scraped series. Grafana turns an exemplar's trace_id into a Jaeger link
 * through the data source's settings (see datasource.ts).
 */

/** Grafana's Prometheus query: the common DataQuery plus the fields the Prometheus plugin reads. */
export type PrometheusQuery = DataQuery & {
  datasource: DataSourceRef;
  expr: string;
  legendFormat: string;
  range: boolean;
  instant: boolean;
  exemplar: boolean;
};

/** A data link on a field; its shape belongs to @grafana/data, which the schema package leaves open. */
interface DataLink {
  title: string;
  url: string;
  targetBlank: boolean;
}

export const DATASOURCE_VARIABLE = "datasource";
const DATASOURCE: DataSourceRef = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

/** The data source datasource.ts provisions; the dashboard picks it unless the viewer chooses another. */
export const datasourceUid = (system: string): string => `${system}-prometheus`;

interface PanelSpec {
  title: string;
  description: string;
  gridPos: GridPos;
  queries: PrometheusQuery[];
  unit: string;
  thresholds?: ThresholdsConfig;
  links?: DataLink[];
  min?: number;
  max?: number;
}

const WIDTH = 24;
const HEIGHT = 8;

export function dashboard(env: ResolvedEnvironment): Dashboard {
  const { pipeline } = env;
  const flowLabel = labelOf(pipeline.system.flow_attribute);
  const ids = { next: 1 };
  const panels: Array<Panel | RowPanel> = [];
  let y = 0;
  for (const [name, flow] of Object.entries(pipeline.flows)) {
    const ofFlow = eq(flowLabel, name);
    const slaSeconds = durationMs(flow.sla) / 1000;
    const errorRatio = percent(flow.alerts?.error_ratio ?? ALERT_DEFAULTS.error_ratio) / 100;
    const hopLegend = `{{${HOP_LABEL.index}}}. {{${HOP_LABEL.service}}}`;
    const slowTraces = flowSearchUrl(pipeline, name, {
      minDurationMs: durationMs(flow.sla),
      suffix: "&start=${__from}000&end=${__to}000",
    });
    const failedTraces = flowSearchUrl(pipeline, name, {
      tags: { error: "true" },
      suffix: "&start=${__from}000&end=${__to}000",
    });
    panels.push(row(ids, `${flow.title} (${name}): SLA ${flow.sla}`, y));
    y += 1;
    panels.push(
      timeseries(ids, {
        title: "Throughput",
        description: `Orders per second entering ${name} at its first hop.`,
        gridPos: { x: 0, y, w: 6, h: HEIGHT },
        queries: [query("A", selector(RECORDED.flowOrders, [ofFlow]), "orders/s")],
        unit: "reqps",
      }),
      stat(ids, {
        title: "Success rate",
        description: `Orders that do not fail at any hop; red below the ${flow.alerts?.error_ratio ?? ALERT_DEFAULTS.error_ratio} error threshold.`,
        gridPos: { x: 6, y, w: 4, h: HEIGHT },
        queries: [query("A", `1 - ${selector(RECORDED.flowFailedRatio, [ofFlow])}`, "success")],
        unit: "percentunit",
        thresholds: steps("red", [[1 - errorRatio, "green"]]),
      }),
      timeseries(ids, {
        title: "Duration against the SLA",
        description: `p50 and p95 of the flow (its slowest hop); the line is the ${flow.sla} SLA. Exemplars open the trace behind a slow bucket.`,
        gridPos: { x: 10, y, w: 8, h: HEIGHT },
        queries: [
          query("A", selector(RECORDED.flowQuantile, [ofFlow, eq(QUANTILE_LABEL, "0.5")]), "p50"),
          query("B", selector(RECORDED.flowQuantile, [ofFlow, eq(QUANTILE_LABEL, "0.95")]), "p95"),
          {
            ...query(
              "C",
              `histogram_quantile(0.95, ${sumBy([LABEL.bucket], rate(selector(`${DURATION}_bucket`, [ofFlow]), WINDOW))})`,
              "p95 of every span of the flow (exemplars)",
            ),
            exemplar: true,
          },
        ],
        unit: "s",
        thresholds: steps("green", [[slaSeconds, "red"]]),
        ...(slowTraces
          ? { links: [{ title: `Traces of ${name} over the SLA in Jaeger`, url: slowTraces, targetBlank: true }] }
          : {}),
      }),
      timeseries(ids, {
        title: "Error ratio",
        description: "Failed share of the flow (its most failing hop) and of each hop.",
        gridPos: { x: 18, y, w: 6, h: HEIGHT },
        queries: [
          query("A", selector(RECORDED.flowFailedRatio, [ofFlow]), "flow"),
          query("B", selector(RECORDED.hopFailedRatio, [ofFlow]), hopLegend),
        ],
        unit: "percentunit",
        thresholds: steps("green", [[errorRatio, "red"]]),
        ...(failedTraces
          ? { links: [{ title: `Failed traces of ${name} in Jaeger`, url: failedTraces, targetBlank: true }] }
          : {}),
      }),
    );
    y += HEIGHT;
    panels.push(
      barGauge(ids, {
        title: "Hops: share of the time",
        description:
          "Each hop's part of all the time the flow's hops took; a caller's share includes the hops it waits on.",
        gridPos: { x: 0, y, w: 10, h: HEIGHT },
        queries: [{ ...query("A", selector(RECORDED.hopTimeShare, [ofFlow]), hopLegend), range: false, instant: true }],
        unit: "percentunit",
        min: 0,
        max: 1,
      }),
      timeseries(ids, {
        title: "Hops: p95 duration",
        description: "How long each hop takes at the 95th percentile.",
        gridPos: { x: 10, y, w: 14, h: HEIGHT },
        queries: [query("A", selector(RECORDED.hopQuantile, [ofFlow, eq(QUANTILE_LABEL, "0.95")]), hopLegend)],
        unit: "s",
      }),
    );
    y += HEIGHT;
  }
  panels.push(row(ids, "System: load per service", y));
  y += 1;
  panels.push(
    timeseries(ids, {
      title: "Spans per second",
      description: "Every span a service emits, in a flow or not.",
      gridPos: { x: 0, y, w: WIDTH / 2, h: HEIGHT },
      queries: [query("A", RECORDED.serviceSpans, `{{${LABEL.service}}}`)],
      unit: "ops",
    }),
    timeseries(ids, {
      title: "Failed share of spans",
      description: "Where errors happen, per service.",
      gridPos: { x: WIDTH / 2, y, w: WIDTH / 2, h: HEIGHT },
      queries: [query("A", RECORDED.serviceFailedRatio, `{{${LABEL.service}}}`)],
      unit: "percentunit",
    }),
  );
  const ui = pipeline.exporters.jaeger.ui_url;
  return {
    ...defaultDashboard,
    uid: `${pipeline.system.name}-flows`,
    title: `${pipeline.system.name}: order flows (${env.name})`,
    description: `Generated by tracegen from the pipeline description, environment ${env.name}. Do not edit: change the description and run \`tracegen build\`.`,
    tags: ["tracegen", pipeline.system.name, env.name],
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: {
      list: [
        {
          name: DATASOURCE_VARIABLE,
          label: "Prometheus",
          type: "datasource",
          query: "prometheus",
          current: { text: datasourceUid(pipeline.system.name), value: datasourceUid(pipeline.system.name) },
        },
      ],
    },
    links: ui ? [externalLink("Jaeger", ui, "Search the kept traces")] : [],
    panels,
  };
}

function query(refId: string, expr: string, legendFormat: string): PrometheusQuery {
  return { refId, datasource: DATASOURCE, expr, legendFormat, range: true, instant: false, exemplar: false };
}

function steps(base: string, above: Array<[number, string]>): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: [{ value: null, color: base }, ...above.map(([value, color]) => ({ value, color }))],
  };
}

function fieldConfig(spec: PanelSpec, custom: Record<string, unknown>): FieldConfigSource {
  return {
    defaults: {
      unit: spec.unit,
      color: { mode: FieldColorModeId.PaletteClassic },
      ...(spec.thresholds ? { thresholds: spec.thresholds } : {}),
      ...(spec.links ? { links: spec.links } : {}),
      ...(spec.min !== undefined ? { min: spec.min } : {}),
      ...(spec.max !== undefined ? { max: spec.max } : {}),
      custom,
    },
    overrides: [],
  };
}

/**
 * Options and custom field config are typed by the panel's own schema where they are built; the
 * dashboard's panel type holds them as plain records, which a spread copy satisfies.
 */
function panel(
  ids: { next: number },
  type: string,
  spec: PanelSpec,
  options: Record<string, unknown>,
  custom: Record<string, unknown>,
): Panel {
  return {
    id: ids.next++,
    type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: spec.gridPos,
    targets: spec.queries.map((q) => ({ ...q })),
    options,
    fieldConfig: fieldConfig(spec, custom),
  };
}

function timeseries(ids: { next: number }, spec: PanelSpec): Panel {
  const options: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: "bottom", calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  const custom: TimeSeriesFieldConfig = {
    fillOpacity: 10,
    ...(spec.thresholds ? { thresholdsStyle: { mode: GraphThresholdsStyleMode.Line } } : {}),
  };
  return panel(ids, "timeseries", spec, { ...options }, { ...custom });
}

function stat(ids: { next: number }, spec: PanelSpec): Panel {
  const options: StatOptions = {
    reduceOptions: { calcs: ["lastNotNull"], values: false },
    orientation: VizOrientation.Auto,
    colorMode: BigValueColorMode.Background,
    graphMode: BigValueGraphMode.Area,
    justifyMode: BigValueJustifyMode.Auto,
    textMode: BigValueTextMode.Value,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    showPercentChange: false,
    wideLayout: true,
  };
  return panel(ids, "stat", spec, { ...options }, {});
}

function barGauge(ids: { next: number }, spec: PanelSpec): Panel {
  const options: BarGaugeOptions = {
    reduceOptions: { calcs: ["lastNotNull"], values: false },
    orientation: VizOrientation.Horizontal,
    displayMode: BarGaugeDisplayMode.Basic,
    valueMode: BarGaugeValueMode.Color,
    namePlacement: BarGaugeNamePlacement.Auto,
    showUnfilled: true,
    sizing: BarGaugeSizing.Auto,
    minVizHeight: 16,
    minVizWidth: 8,
    maxVizHeight: 300,
    legend: { showLegend: false, displayMode: LegendDisplayMode.List, placement: "bottom", calcs: [] },
  };
  return panel(ids, "bargauge", spec, { ...options }, {});
}

function row(ids: { next: number }, title: string, y: number): RowPanel {
  return { id: ids.next++, type: "row", title, collapsed: false, gridPos: { x: 0, y, w: WIDTH, h: 1 }, panels: [] };
}

function externalLink(title: string, url: string, tooltip: string): DashboardLink {
  return {
    title,
    url,
    tooltip,
    type: "link",
    icon: "external link",
    asDropdown: false,
    includeVars: false,
    keepTime: false,
    tags: [],
    targetBlank: true,
  };
}
