import { Ajv, type ErrorObject } from "ajv";
import { Value } from "@sinclair/typebox/value";
import { cachedValidator } from "../schema/compiled.js";
import { COMPONENT_KINDS, type ComponentKind } from "../../collector/components.js";
import { type CollectorConfig } from "../../collector/config.js";
import { componentType, schemaOf } from "../../collector/registry.js";
import { upstreamSchemaOf } from "../../collector/upstream-schemas.js";

export interface ConfigProblem {
  /** Dotted path in the generated collector config. */
  at: string;
  code: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validatorFor = cachedValidator(ajv);

/**
 * Each component's config against two schemas: the keys tracegen means to write (closed and narrow,
 * src/collector/components.ts), and the keys the component accepts at the pinned release (its
 * upstream schema, schema/upstream), so a key or type the collector would refuse fails the build.
 */
export function checkComponentConfigs(config: CollectorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const kind of COMPONENT_KINDS) {
    for (const [id, componentConfig] of Object.entries(config[kind])) {
      const type = componentType(id);
      const schema = schemaOf(kind, type);
      if (!schema) {
        problems.push({
          at: `${kind}.${id}`,
          code: "unknown-component",
          message: `${kind} \`${id}\` has a type tracegen does not know: ${type}`,
        });
        continue;
      }
      if (!Value.Check(schema, componentConfig)) problems.push(...violations(schema, componentConfig, kind, id));
      const upstream = upstreamSchemaOf(type);
      if (upstream)
        problems.push(
          ...violations(upstream, componentConfig, kind, id, {
            code: "upstream-config",
            suffix: ` (the config schema of ${upstream["x-module"]})`,
          }),
        );
    }
  }
  return problems;
}

function violations(
  schema: object,
  value: unknown,
  kind: ComponentKind,
  id: string,
  { code, suffix } = { code: "component-config", suffix: "" },
): ConfigProblem[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => {
    const path = error.instancePath.replace(/\//g, ".");
    return {
      at: `${kind}.${id}${path}`,
      code,
      message: `${kind} \`${id}\`${path}: ${error.message ?? "invalid"}${unknownKey(error)}${suffix}`,
    };
  });
}

const unknownKey = (error: ErrorObject): string =>
  error.keyword === "additionalProperties"
    ? ` (\`${String((error.params as { additionalProperty: string }).additionalProperty)}\`)`
    : "";
