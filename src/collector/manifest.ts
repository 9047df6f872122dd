import { parse } from "yaml";
import type { ComponentKind } from "./components.js";
import { typeOfModule } from "./registry.js";

export type Distribution = Record<ComponentKind, Set<string>>;

/** What an OCB manifest builds, by component kind and type id. */
export function parseManifest(text: string): Distribution {
  const manifest = (parse(text) ?? {}) as Partial<Record<ComponentKind, Array<{ gomod?: string }>>>;
  const typesOf = (kind: ComponentKind): Set<string> =>
    new Set(
      (manifest[kind] ?? []).flatMap((entry) => {
        const type = typeOfModule((entry.gomod ?? "").split(/\s+/)[0] ?? "");
        return type ? [type] : [];
      }),
    );
  return {
    extensions: typesOf("extensions"),
    receivers: typesOf("receivers"),
    processors: typesOf("processors"),
    connectors: typesOf("connectors"),
    exporters: typesOf("exporters"),
  };
}
