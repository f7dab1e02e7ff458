// Checks docs/openapi.json.
//
//   node check.mjs document                 the document is valid OpenAPI 3.1 (swagger-parser)
//   node check.mjs replies DIR [MIN]        every reply recorded in DIR/*.jsonl (by the
//                                           integration suites, SIGNET_OPENAPI_RECORD) matches
//                                           the document: its path and method are documented
//                                           (or the reply is a 404/405 error), its status has a
//                                           response, and its JSON body validates against that
//                                           response's schema (ajv, JSON Schema 2020-12).
//                                           MIN: the least number of replies expected.
//
// Exit status 0 when everything matches; otherwise every mismatch is printed (up to 50).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const here = path.dirname(fileURLToPath(import.meta.url));
const documentPath = path.join(here, "..", "..", "docs", "openapi.json");

async function checkDocument() {
  const api = await SwaggerParser.validate(documentPath);
  if (api.openapi !== "3.1.0") throw new Error(`openapi is ${api.openapi}, not 3.1.0`);
  const operations = Object.values(api.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  console.log(`docs/openapi.json: valid OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths, ${operations} operations`);
}

// Path templates of the document, most literal first, as regular expressions.
function compileTemplates(paths) {
  return Object.keys(paths)
    .map((template) => {
      const segments = template.split("/").filter(Boolean);
      const literals = segments.filter((s) => !s.startsWith("{")).length;
      const pattern = segments.map((s) => (s.startsWith("{") ? "[^/]+" : s.replace(/[.*+?^$()|[\]\\]/g, "\\$&")));
      return { template, literals, regex: new RegExp("^/" + pattern.join("/") + "$") };
    })
    .sort((a, b) => b.literals - a.literals);
}

async function checkReplies(dir, min) {
  const doc = await SwaggerParser.dereference(structuredClone(JSON.parse(fs.readFileSync(documentPath, "utf8"))));
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  const templates = compileTemplates(doc.paths);
  const errorSchema = ajv.compile(doc.components.schemas.Error);
  const compiled = new Map();
  const validatorFor = (key, schema) => {
    if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
    return compiled.get(key);
  };

  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".jsonl")) : [];
  const failures = [];
  const covered = new Set();
  let checked = 0;
  for (const file of files) {
    const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n").filter(Boolean);
    for (const line of lines) {
      const r = JSON.parse(line);
      checked++;
      const where = `${file}: ${r.method} ${r.path} -> ${r.status}`;
      let bodyJson;
      const isJson = (r.contentType || "").startsWith("application/json");
      if (isJson && r.body !== "") {
        try {
          bodyJson = JSON.parse(r.body);
        } catch (e) {
          failures.push(`${where}: the body is not JSON: ${e.message}`);
          continue;
        }
      }
      const match = templates.find((t) => t.regex.test(r.path));
      const operation = match && doc.paths[match.template][r.method.toLowerCase()];
      if (!operation) {
        // A route the document does not have: only an error reply may come back.
        if (r.status >= 400 && isJson && errorSchema(bodyJson)) continue;
        failures.push(`${where}: not in the document` + (match ? ` (no ${r.method} on ${match.template})` : ""));
        continue;
      }
      covered.add(`${r.method} ${match.template}`);
      const response = operation.responses[String(r.status)] || operation.responses.default;
      const content = response.content || {};
      const type = Object.keys(content)[0];
      if (!type) {
        failures.push(`${where}: the document describes no content for ${r.status}`);
        continue;
      }
      if (!(r.contentType || "").startsWith(type.split(";")[0])) {
        failures.push(`${where}: Content-Type ${r.contentType}; the document says ${type}`);
        continue;
      }
      if (!type.startsWith("application/json")) continue;
      const key = `${operation.operationId} ${r.status in operation.responses ? r.status : "default"}`;
      const validate = validatorFor(key, content[type].schema);
      if (!validate(bodyJson)) {
        failures.push(`${where}: ${ajv.errorsText(validate.errors)}\n    body: ${r.body.slice(0, 400)}`);
      }
    }
  }
  for (const f of failures.slice(0, 50)) console.log("MISMATCH " + f);
  if (failures.length > 50) console.log(`... and ${failures.length - 50} more`);
  const total = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  console.log(`${checked} replies from ${files.length} suites checked against docs/openapi.json; ` +
              `${covered.size} of ${total} operations exercised; ${failures.length} mismatches`);
  if (checked < min) {
    console.log(`expected at least ${min} recorded replies in ${dir}; did the suites run with SIGNET_OPENAPI_RECORD?`);
    return false;
  }
  return failures.length === 0;
}

const [mode, dir, min] = process.argv.slice(2);
try {
  if (mode === "document") {
    await checkDocument();
  } else if (mode === "replies") {
    if (!(await checkReplies(dir, Number(min || 1)))) process.exit(1);
  } else {
    console.error("usage: node check.mjs document | replies DIR [MIN]");
    process.exit(2);
  }
} catch (e) {
  console.error(`check.mjs ${mode}: ${e.message}`);
  process.exit(1);
}
