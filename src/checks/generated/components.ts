import { Value } from "@sinclair/typebox/value";
import { cachedValidator } from "../schema/compiled.js";
import { COMPONENT_KINDS } from "../../collector/components.js";
import { type CollectorConfig } from "../../collector/config.js";
import { componentType, schemaOf } from "../../collector/registry.js";

export interface ConfigProblem {
  /** Dotted path in the generated collector config. */
  at: string;
  code: string;
  message: string;
}

const validatorFor = cachedValidator({ allErrors: true, strict: false });

/** Each component's config against the schema of the keys that component accepts. */
export function checkComponentConfigs(config: CollectorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const kind of COMPONENT_KINDS) {
    for (const [id, componentConfig] of Object.entries(config[kind])) {
      const schema = schemaOf(kind, componentType(id));
      if (!schema) {
        problems.push({
          at: `${kind}.${id}`,
          code: "unknown-component",
          message: `${kind} \`${id}\` has a type tracegen does not know: ${componentType(id)}`,
        });
        continue;
      }
      if (Value.Check(schema, componentConfig)) continue;
      const validate = validatorFor(schema);
      if (!validate(componentConfig)) {
        for (const error of validate.errors ?? []) {
          problems.push({
            at: `${kind}.${id}${error.instancePath.replace(/\//g, ".")}`,
            code: "component-config",
            message: `${kind} \`${id}\`${error.instancePath.replace(/\//g, ".")}: ${error.message ?? "invalid"}${error.keyword === "additionalProperties" ? ` (\`${String((error.params as { additionalProperty: string }).additionalProperty)}\`)` : ""}`,
          });
        }
      }
    }
  }
  return problems;
}
