#!/usr/bin/env node
// Validates STAC Items, Catalogs and Collections against the official JSON Schemas, offline.
//
//   node tests/tools/validate-stac.mjs [--schemas DIR] FILE.json...
//
// DIR (default: ../shared/corpus/stac-schemas beside the repository, or $IMGSYNC_STAC_SCHEMAS)
// holds the STAC and GeoJSON schemas; every one is registered under its $id, so a $ref is never
// fetched. The schema is chosen by each document's `type` and `stac_version`. Extension schemas
// listed in stac_extensions are applied when present under DIR, and otherwise only reported:
// the core schemas still validate the document.
//
// Prints "<file>: valid" or "<file>: INVALID" plus one line per error.
// Exit: 0 all valid, 1 some invalid, 2 usage or setup problem (e.g. node_modules missing).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`validate-stac: ${message}`);
  process.exit(2);
}

let Ajv, addFormats, fullFormats;
try {
  Ajv = (await import("ajv")).default;
  const formatsModule = await import("ajv-formats");
  addFormats = formatsModule.default;
  fullFormats = (await import("ajv-formats/dist/formats.js")).fullFormats;
} catch (error) {
  fail(`cannot load ajv (${error.code ?? error.message}); run: npm ci --prefix tests/tools`);
}
Ajv = Ajv.default ?? Ajv;
addFormats = addFormats.default ?? addFormats;

const args = process.argv.slice(2);
let schemaDir =
  process.env.IMGSYNC_STAC_SCHEMAS ?? resolve(here, "../../../shared/corpus/stac-schemas");
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === "--schemas") schemaDir = args[++i];
  else if (args[i] === "--help" || args[i] === "-h") {
    console.log("usage: validate-stac.mjs [--schemas DIR] FILE.json...");
    process.exit(0);
  } else files.push(args[i]);
}
if (files.length === 0) fail("no files given; usage: validate-stac.mjs [--schemas DIR] FILE...");
if (!schemaDir) fail("--schemas needs a directory");

function jsonFilesUnder(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...jsonFilesUnder(path));
    else if (entry.endsWith(".json")) found.push(path);
  }
  return found;
}

// RFC 3987 §3.1: an IRI is valid when its URI mapping (non-ASCII percent-encoded) is a valid
// URI. ajv-formats knows URIs only, and the STAC schemas use "iri" and "iri-reference".
const toUri = (iri) => iri.replace(/[^\x00-\x7F]/gu, (c) => encodeURIComponent(c));
const iriFormat = (uriFormat) => (value) =>
  typeof uriFormat === "function" ? uriFormat(toUri(value)) : uriFormat.test(toUri(value));

// strict "log": the official schemas are draft-07 and use keywords ajv's strict mode frowns on;
// warnings must not stop validation, but an unknown format still fails (validateFormats).
const ajv = new Ajv({ allErrors: true, strict: "log", logger: false });
addFormats(ajv);
ajv.addFormat("iri", iriFormat(fullFormats.uri));
ajv.addFormat("iri-reference", iriFormat(fullFormats["uri-reference"]));

let schemaCount = 0;
try {
  for (const path of jsonFilesUnder(schemaDir)) {
    const schema = JSON.parse(readFileSync(path, "utf8"));
    if (typeof schema.$id !== "string") continue;
    ajv.addSchema(schema);
    ++schemaCount;
  }
} catch (error) {
  fail(`cannot load the schemas from ${schemaDir}: ${error.message}`);
}
if (schemaCount === 0) fail(`no schemas with an $id under ${schemaDir}`);

const schemaIds = {
  Feature: "item-spec/json-schema/item.json",
  Catalog: "catalog-spec/json-schema/catalog.json",
  Collection: "collection-spec/json-schema/collection.json",
};

function validatorFor(document) {
  const path = schemaIds[document?.type];
  if (!path) return { error: `unknown type ${JSON.stringify(document?.type)}` };
  const version = document.stac_version;
  if (typeof version !== "string") return { error: "stac_version missing" };
  const id = `https://schemas.stacspec.org/v${version}/${path}`;
  const validate = ajv.getSchema(id) ?? ajv.getSchema(`${id}#`);
  if (!validate) return { error: `no offline schema for STAC ${version} ${document.type}` };
  return { validate };
}

let invalid = 0;
for (const file of files) {
  const errors = [];
  const notes = [];
  let document;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    errors.push(`cannot read JSON: ${error.message}`);
  }
  if (document !== undefined) {
    const { validate, error } = validatorFor(document);
    if (error) errors.push(error);
    else if (!validate(document)) {
      for (const e of validate.errors) {
        errors.push(`${e.instancePath || "/"} ${e.message} (${e.schemaPath})`);
      }
    }
    for (const extension of document.stac_extensions ?? []) {
      const validateExtension = ajv.getSchema(extension);
      if (!validateExtension) {
        notes.push(`extension not validated (schema not available offline): ${extension}`);
      } else if (!validateExtension(document)) {
        for (const e of validateExtension.errors) {
          errors.push(`${extension}: ${e.instancePath || "/"} ${e.message}`);
        }
      }
    }
  }
  if (errors.length > 0) {
    ++invalid;
    console.log(`${file}: INVALID`);
    for (const line of errors) console.log(`  ${line}`);
  } else {
    console.log(`${file}: valid`);
  }
  for (const line of notes) console.log(`  note: ${line}`);
}
process.exit(invalid > 0 ? 1 : 0);
