// Validate JSON Lines records with ajv (JSON Schema 2020-12, strict mode, formats asserted).
// Usage: node check.mjs SCHEMA_DIR RECORD_TYPE RECORDS.jsonl
// SCHEMA_DIR holds meta.schema.json (the standard's dialect) and RECORD_TYPE.schema.json.
// Prints one JSON line per record: {"line": n, "valid": bool, "errors": [...]}.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaDir, recordType, recordsFile] = process.argv.slice(2);
const read = (name) => JSON.parse(readFileSync(join(schemaDir, name), "utf8"));
const meta = read("meta.schema.json");
const schema = read(`${recordType}.schema.json`);

const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: true });
addFormats(ajv);
// The x- keywords are the vocabulary the meta-schema declares: ajv is told them from it.
ajv.addVocabulary(Object.keys(meta.properties));
ajv.addMetaSchema(meta);
const validate = ajv.compile(schema);

const lines = readFileSync(recordsFile, "utf8").split("\n");
const out = [];
lines.forEach((text, index) => {
  if (text.trim() === "") return;
  const valid = validate(JSON.parse(text));
  const errors = valid ? [] : validate.errors.map((e) => `${e.instancePath} ${e.message}`);
  out.push(JSON.stringify({ line: index + 1, valid, errors }));
});
process.stdout.write(out.join("\n") + "\n");
