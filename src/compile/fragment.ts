import type { ComponentKind } from "../collector/components.js";
import type { ConfigSection } from "../collector/registry.js";

/** Part of a collector config: the components one concern defines, by section. */
export type Fragment = { [K in ComponentKind]?: ConfigSection<K> };
