import { COMPONENT_KINDS } from "../../collector/components.js";
import { type CollectorConfig } from "../../collector/config.js";
import type { Distribution } from "../../collector/manifest.js";
import { componentType } from "../../collector/registry.js";
import type { ConfigProblem } from "./components.js";

/** A config is only deployable if the distribution compiled in every component it names. */
export function checkAgainstDistribution(
  config: CollectorConfig,
  distribution: Distribution,
  manifestName: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const kind of COMPONENT_KINDS) {
    for (const id of Object.keys(config[kind])) {
      const type = componentType(id);
      if (!distribution[kind].has(type)) {
        problems.push({
          at: `${kind}.${id}`,
          code: "not-in-distribution",
          message: `the config needs ${kind.slice(0, -1)} \`${type}\`, which ${manifestName} does not build (it has: ${[...distribution[kind]].sort().join(", ") || "none"})`,
        });
      }
    }
  }
  return problems;
}
