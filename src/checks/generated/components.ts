import type { ErrorObject } from "ajv";
import { Value } from "@sinclair/typebox/value";
import { cachedValidator } from "../schema/compiled.js";
import { COMPONENT_KINDS, type ComponentKind } from "../../collector/components.js";
import { type CollectorConfig } from "../../collector/config.js";
import { componentType, schemaOf } from "../../collector/registry.js";
import { UPSTREAM_SCHEMAS } from "../../collector/upstream/index.js";

export interface ConfigProblem {
  /** Dotted path in the generated collector config. */
  at: string;
  code: string;
  message: string;
}

const validatorFor = cachedValidator({ allErrors: true, strict: false });

/**
 * Each component's config against two schemas: the keys tracegen means to write (closed and narrow,
 * src/collector/components.ts), and the keys the component accepts at the pinned release (its
 * upstream schema, src/collector/upstream), so a key or type the collector would refuse fails the build.
 * TypeBox checks first, without compiling anything; Ajv, compiling once, words the errors of a section
 * that fails.
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
      const upstream = UPSTREAM_SCHEMAS[type];
      if (upstream && !Value.Check(upstream, componentConfig))
        problems.push(
          ...violations(upstream, componentConfig, kind, id, {
            code: "upstream-config",
            suffix: ` (the config schema of ${String(upstream["x-module"])})`,
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
  const errors = validate.errors ?? [];
  // An optional section is "an object or null": when the object is wrong deeper down, the errors that
  // say the whole section is neither are noise; the deepest errors say what to fix.
  const deepest = errors.filter((e) => !errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`)));
  return deepest.map((error) => {
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
