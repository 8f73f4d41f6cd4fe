// Opens a published imgsync gallery in Debian's headless Chromium (driven by playwright-core)
// and reports what a visitor sees, as one JSON object on stdout, for tests/integration's gallery
// test to check. Every request that would leave loopback is aborted and listed in "blocked".
// alert/confirm/prompt and window.onerror are hooked before the page runs: anything a hostile
// string managed to execute is listed in "alerts".
//   node gallery-check.mjs --url URL --screenshot FILE [--from YYYY-MM-DD --to YYYY-MM-DD]
//                          [--chromium /usr/bin/chromium]
import { chromium } from "playwright-core";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const result = { blocked: [], console_errors: [], alerts: [] };
const browser = await chromium.launch({
  executablePath: args.chromium || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.protocol === "data:") {
      return route.continue();
    }
    result.blocked.push(url.href);
    return route.abort();
  });
  page.on("console", (message) => {
    if (message.type() === "error" && !/ERR_FAILED|net::/.test(message.text())) {
      result.console_errors.push(message.text());
    }
  });
  page.on("pageerror", (error) => result.console_errors.push(String(error)));
  page.on("dialog", (dialog) => { result.alerts.push(`dialog: ${dialog.message()}`); dialog.dismiss(); });
  await page.addInitScript(() => {
    window.__alerts = [];
    for (const name of ["alert", "confirm", "prompt"]) {
      window[name] = (message) => { window.__alerts.push(`${name}: ${message}`); };
    }
    // Script errors only: images that fail to load (aborted map tiles) are no injection.
    window.addEventListener("error", (event) => {
      if (event.target === window) window.__alerts.push(`error: ${event.message}`);
    });
  });
  const response = await page.goto(args.url, { waitUntil: "load" });
  result.status = response ? response.status() : 0;
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
  result.title = await page.title();
  result.cards = await page.locator("#grid .card").count();
  result.shown = Number(await page.locator("#count").getAttribute("data-shown"));
  result.map_visible = await page.locator("#map").isVisible();
  result.map_markers = await page.locator("#map path.leaflet-interactive").count();
  // The first thumbnails are in view: they must really load from the bucket.
  await page.waitForFunction(() => {
    const first = document.querySelector("#grid .card img");
    return first && first.complete;
  }, null, { timeout: 15000 });
  result.first_thumbnail_width = await page.locator("#grid .card img").first()
    .evaluate((image) => image.naturalWidth);
  // Every thumbnail, not only the ones in view: each must load.
  await page.evaluate(() => {
    for (const image of document.querySelectorAll("#grid .card img")) image.loading = "eager";
  });
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#grid .card img")].every((image) => image.complete),
  null, { timeout: 30000 });
  result.thumbnails_loaded = await page.locator("#grid .card img").evaluateAll((images) =>
    images.filter((image) => image.naturalWidth > 0).length);
  result.captions = await page.locator("#grid .card figcaption").allTextContents();
  result.card_ids = await page.locator("#grid .card").evaluateAll((cards) =>
    cards.map((card) => card.dataset.id));
  result.camera_options = await page.locator("#camera option").allTextContents();
  result.tag_options = await page.locator("#tag option").allTextContents();
  if (result.map_markers > 0) {
    await page.locator("#map path.leaflet-interactive").first().hover({ force: true });
    await page.waitForSelector(".leaflet-tooltip", { timeout: 5000 });
    result.tooltip_text = await page.locator(".leaflet-tooltip").first().textContent();
  }
  await page.screenshot({ path: args.screenshot, fullPage: true });
  if (args.from || args.to) {
    if (args.from) await page.fill("#from", args.from);
    if (args.to) await page.fill("#to", args.to);
    result.shown_after_filter = Number(await page.locator("#count").getAttribute("data-shown"));
    result.visible_cards_after_filter = await page.locator("#grid .card:visible").count();
  }
  // The detail view of the first visible image.
  const first = page.locator("#grid .card:visible").first();
  result.detail_id = await first.getAttribute("data-id");
  await first.click();
  await page.waitForSelector("#detail:not([hidden])", { timeout: 5000 });
  result.detail_title = await page.locator("#detail-title").textContent();
  result.detail_rows = await page.locator("#detail-table tr").evaluateAll((rows) =>
    Object.fromEntries(rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent])));
  result.detail_links = await page.locator("#detail-links a").evaluateAll((links) =>
    links.map((link) => ({ text: link.textContent, href: link.href })));
  await page.screenshot({ path: args.screenshot.replace(/\.png$/, "-detail.png") });
  // What hostile strings could have added: scripts beyond the page's three, inline handlers.
  result.scripts = await page.locator("script").count();
  result.inline_handlers = await page.evaluate(() =>
    [...document.querySelectorAll("*")].filter((element) =>
      [...element.attributes].some((attribute) => attribute.name.startsWith("on"))).length);
  result.alerts.push(...await page.evaluate(() => window.__alerts));
} catch (error) {
  result.error = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
