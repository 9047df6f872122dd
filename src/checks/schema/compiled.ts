import { createRequire } from "node:module";
import type { Options, ValidateFunction } from "ajv";

/**
 * A validator per schema (a TypeBox object or a parsed JSON Schema file, both plain JSON Schema to Ajv), compiled on first use (compiling costs far more than running). ajv itself is
 * required on first use too: callers check with TypeBox's interpreter first and need ajv only to explain a
 * failure, so a valid build never pays for loading it.
 */
export function cachedValidator(
  options: Options,
  keywords: readonly string[] = [],
): (schema: object) => ValidateFunction {
  const compiled = new WeakMap<object, ValidateFunction>();
  let compile: ((schema: object) => ValidateFunction) | undefined;
  return (schema) => {
    let validate = compiled.get(schema);
    if (!validate) {
      if (!compile) {
        const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
        const ajv = new Ajv(options);
        for (const keyword of keywords) ajv.addKeyword({ keyword });
        compile = (s) => ajv.compile(s);
      }
      validate = compile(schema);
      compiled.set(schema, validate);
    }
    return validate;
  };
}
