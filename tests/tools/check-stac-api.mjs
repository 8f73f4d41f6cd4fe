#!/usr/bin/env node
// Walks a running `imgsync serve` as STAC clients do and validates every response, offline.
//
//   node tests/tools/check-stac-api.mjs BASE_URL COLLECTION_ID TOTAL_ITEMS
//
// Schemas: the STAC API v1.0.0 OpenAPI documents (../shared/corpus/stac-api-spec/bundled, YAML
// read through python3's yaml module; ajv understands OpenAPI's `nullable`) for the landing page,
// conformance, collections, ItemCollections and errors, and the STAC 1.0.0 JSON Schemas
// (../shared/corpus/stac-schemas) for every Item, Collection and Catalog.
//
// Checks: each endpoint; pagination with limit 7 by GET (token links) and by POST (links with
// method and body, followed as pystac-client does) returns each of TOTAL_ITEMS exactly once in
// datetime order (and in reverse with sortby desc); a CORS preflight; bad input answered 400 with
// an exception body. Prints one line per failure; exit 0 when none, 1 otherwise, 2 on setup.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const corpus = process.env.IMGSYNC_CORPUS_DIR ?? resolve(here, "../../../shared/corpus");
const [base, collectionId, totalText] = process.argv.slice(2);
if (!base || !collectionId || !totalText) {
  console.error("usage: check-stac-api.mjs BASE_URL COLLECTION_ID TOTAL_ITEMS");
  process.exit(2);
}
const total = Number(totalText);

let Ajv, addFormats;
try {
  Ajv = (await import("ajv")).default;
  addFormats = (await import("ajv-formats")).default;
} catch (error) {
  console.error(`cannot load ajv (${error.code ?? error.message}); run: npm ci --prefix tests/tools`);
  process.exit(2);
}
Ajv = Ajv.default ?? Ajv;
addFormats = addFormats.default ?? addFormats;
const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
addFormats(ajv);
ajv.addFormat("iri", () => true);
ajv.addFormat("iri-reference", () => true);

function yamlToJson(path) {
  const script = "import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)";
  return JSON.parse(execFileSync("python3", ["-c", script, path], { encoding: "utf8" }));
}
for (const name of ["core", "ogcapi-features", "item-search"]) {
  const document = yamlToJson(join(corpus, "stac-api-spec/bundled/v1.0.0", name, "openapi.yaml"));
  ajv.addSchema({ $id: `api-${name}`, components: document.components });
}
function jsonFilesUnder(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? jsonFilesUnder(path) : entry.endsWith(".json") ? [path] : [];
  });
}
for (const path of jsonFilesUnder(join(corpus, "stac-schemas"))) {
  const schema = JSON.parse(readFileSync(path, "utf8"));
  if (typeof schema.$id === "string") ajv.addSchema(schema);
}
const stacSchema = {
  Feature: "item-spec/json-schema/item.json",
  Catalog: "catalog-spec/json-schema/catalog.json",
  Collection: "collection-spec/json-schema/collection.json",
};

const failures = [];
const fail = (message) => failures.push(message);

function check(what, document, schemaRef) {
  const validate = ajv.getSchema(schemaRef);
  if (!validate) return fail(`${what}: no schema ${schemaRef}`);
  if (!validate(document)) {
    for (const e of validate.errors.slice(0, 5)) {
      fail(`${what}: ${schemaRef}: ${e.instancePath || "/"} ${e.message}`);
    }
  }
}
function checkStac(what, document) {
  const id = `https://schemas.stacspec.org/v1.0.0/${stacSchema[document?.type]}`;
  check(what, document, ajv.getSchema(id) ? id : `${id}#`);
}

async function call(path, { method = "GET", body, headers = {}, status = 200 } = {}) {
  const url = path.startsWith("http") ? path : base + path;
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== status) fail(`${method} ${url}: status ${response.status}, expected ${status}: ${text.slice(0, 200)}`);
  if (response.headers.get("access-control-allow-origin") !== "*") fail(`${method} ${url}: no CORS header`);
  return { response, json: text ? JSON.parse(text) : null };
}

// The endpoints, each validated.
const landing = (await call("/")).json;
check("/", landing, "api-core#/components/schemas/landingPage");
checkStac("/", landing);
for (const rel of ["conformance", "service-desc", "data", "search"]) {
  if (!landing.links.some((l) => l.rel === rel)) fail(`/: no ${rel} link`);
}
for (const uri of ["https://api.stacspec.org/v1.0.0/item-search", "https://api.stacspec.org/v1.0.0/core",
                   "https://api.stacspec.org/v1.0.0/collections", "https://api.stacspec.org/v1.0.0/ogcapi-features",
                   "https://api.stacspec.org/v1.0.0/item-search#sort"]) {
  if (!landing.conformsTo.includes(uri)) fail(`/: conformsTo lacks ${uri}`);
}
check("/conformance", (await call("/conformance")).json, "api-ogcapi-features#/components/schemas/conformanceClasses");
const api = await call("/api");
if (!String(api.json?.openapi).startsWith("3.0")) fail("/api: not an OpenAPI 3.0 document");
if (!api.response.headers.get("content-type").startsWith("application/vnd.oai.openapi+json")) fail("/api: content type");
const collections = (await call("/collections")).json;
check("/collections", collections, "api-ogcapi-features#/components/schemas/collections");
for (const c of collections.collections) checkStac("/collections[]", c);
const collection = (await call(`/collections/${collectionId}`)).json;
checkStac("/collections/{id}", collection);
check("/collections/{id}", collection, "api-ogcapi-features#/components/schemas/collection");
const page = (await call(`/collections/${collectionId}/items?limit=3`)).json;
check("/collections/{id}/items", page, "api-item-search#/components/schemas/itemCollection");
if (page.features.length !== 3) fail(`/collections/{id}/items?limit=3: ${page.features.length} Items`);
for (const item of page.features) checkStac("/collections/{id}/items", item);
const one = (await call(`/collections/${collectionId}/items/${encodeURIComponent(page.features[0].id)}`)).json;
checkStac("/collections/{id}/items/{itemId}", one);
check("/collections/{id}/items/{itemId}", one, "api-item-search#/components/schemas/item");
for (const asset of Object.values(one.assets ?? {})) {
  if (!/^https?:\/\//.test(asset.href)) fail(`Item ${one.id}: asset href ${asset.href} is not absolute`);
}
check("404", (await call(`/collections/${collectionId}/items/no-such-item`, { status: 404 })).json,
      "api-core#/components/schemas/exception");

// Pagination: every Item exactly once, in order.
function checkWalk(what, ids, datetimes, descending) {
  if (ids.length !== total) fail(`${what}: ${ids.length} Items, expected ${total}`);
  if (new Set(ids).size !== ids.length) fail(`${what}: an Item came twice`);
  for (let i = 1; i < datetimes.length; ++i) {
    const ordered = descending ? datetimes[i - 1] >= datetimes[i] : datetimes[i - 1] <= datetimes[i];
    if (!ordered) return fail(`${what}: out of order at ${i}: ${datetimes[i - 1]} then ${datetimes[i]}`);
  }
}
const time = (item) => Date.parse(item.properties.datetime ?? item.properties.start_datetime);
async function walkGet(path, descending) {
  const ids = [], times = [];
  let next = path;
  for (let pages = 0; next && pages < total; ++pages) {
    const { json } = await call(next);
    if (pages === 0) check(`GET ${path}`, json, "api-item-search#/components/schemas/itemCollection");
    if (json.features.length > 7) fail(`GET ${path}: page of ${json.features.length} with limit 7`);
    for (const item of json.features) { ids.push(item.id); times.push(time(item)); }
    next = json.links.find((l) => l.rel === "next")?.href;
  }
  checkWalk(`GET ${path}`, ids, times, descending);
}
// As pystac-client: POST the search, then follow each next link with its method and body.
async function walkPost(body, descending) {
  const ids = [], times = [];
  let request = { href: `${base}/search`, method: "POST", body };
  for (let pages = 0; request && pages < total; ++pages) {
    const { json } = await call(request.href, { method: request.method ?? "GET", body: request.body });
    if (pages === 0) check("POST /search", json, "api-item-search#/components/schemas/itemCollection");
    for (const item of json.features) { ids.push(item.id); times.push(time(item)); checkStac("POST /search", item); }
    request = json.links.find((l) => l.rel === "next");
  }
  checkWalk(`POST ${JSON.stringify(body)}`, ids, times, descending);
}
await walkGet("/search?limit=7", false);
await walkGet(`/collections/${collectionId}/items?limit=7&sortby=-properties.datetime`, true);
await walkPost({ limit: 7, collections: [collectionId] }, false);
await walkPost({ limit: 7, sortby: [{ field: "properties.datetime", direction: "desc" }] }, true);

// CORS preflight.
const preflight = await fetch(`${base}/search`, {
  method: "OPTIONS",
  headers: { Origin: "https://browser.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type" },
});
if (preflight.status !== 204) fail(`OPTIONS /search: status ${preflight.status}`);
if (preflight.headers.get("access-control-allow-origin") !== "*") fail("OPTIONS: no Allow-Origin");
if (!/POST/.test(preflight.headers.get("access-control-allow-methods") ?? "")) fail("OPTIONS: POST not allowed");
if (!/content-type/i.test(preflight.headers.get("access-control-allow-headers") ?? "")) fail("OPTIONS: Content-Type not allowed");

// Bad input: 400 with an exception body.
for (const path of ["/search?bbox=1,2,3", "/search?bbox=0,60,10,50", "/search?bbox=a,b,c,d",
                    "/search?datetime=yesterday", "/search?datetime=2026-02-01T00:00:00Z/2026-01-01T00:00:00Z",
                    "/search?datetime=../..", "/search?limit=0", "/search?limit=ten", "/search?sortby=eo:cloud_cover",
                    "/search?token=nonsense", `/collections/${collectionId}/items?limit=-1`]) {
  const { json } = await call(path, { status: 400 });
  check(path, json, "api-core#/components/schemas/exception");
}
for (const body of ["{not json", { limit: "7" }, { bbox: [0, 0, 1] }, { intersects: { type: "LineString", coordinates: [[0, 0], [1, 1]] } }]) {
  const { json } = await call("/search", { method: "POST", body, status: 400 });
  check(`POST ${JSON.stringify(body)}`, json, "api-core#/components/schemas/exception");
}
const clamped = (await call("/search?limit=20000")).json;
if (clamped.features.length !== Math.min(total, 10000)) fail(`limit=20000: ${clamped.features.length} Items`);

for (const line of failures) console.log(`FAIL ${line}`);
console.log(`${failures.length} failures`);
process.exit(failures.length > 0 ? 1 : 0);
