/** Part of a collector config: the components one concern defines, by section. */
export interface Fragment {
  extensions?: Record<string, unknown>;
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
}
