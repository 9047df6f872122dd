import type { Ajv, ValidateFunction } from "ajv";
import type { TSchema } from "@sinclair/typebox";

/** Compiling a schema costs far more than running it: each schema is compiled once per process. */
export function cachedValidator(ajv: Ajv): (schema: TSchema) => ValidateFunction {
  const compiled = new WeakMap<TSchema, ValidateFunction>();
  return (schema) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    return validate;
  };
}
