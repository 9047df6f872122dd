import { writeFile } from "node:fs/promises";
import { publishedSchema, referencePage } from "../src/schema/reference.js";

await writeFile("schema/tracegen.schema.json", publishedSchema());
await writeFile("docs/description-format.md", referencePage());
process.stdout.write("wrote schema/tracegen.schema.json and docs/description-format.md\n");
