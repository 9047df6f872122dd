import type { Ajv, ValidateFunction } from "ajv";

/**
 * Compiling a schema costs far more than running it: each schema is compiled once per process. A
 * schema is a TypeBox object or a parsed JSON Schema file, both plain JSON Schema to Ajv.
 */
export function cachedValidator(ajv: Ajv): (schema: object) => ValidateFunction {
  const compiled = new WeakMap<object, ValidateFunction>();
  return (schema) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    return validate;
  };
}
