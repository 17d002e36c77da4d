/**
 * Hostile URLs: every page is opened with generated URL states — random, extreme, NaN/Infinity,
 * huge numbers, wrong types, very long strings, script and HTML fragments — for the parameters it
 * really accepts and for made-up ones. A page passes when it throws nothing, every control holds a
 * value inside its spec (so nothing unclamped reaches the engine), and no markup from the URL
 * reaches the DOM.
 *
 * FUZZ_URLS sets the number of URL states per page: 40 in the default (CI) profile; the long local
 * profile is `FUZZ_URLS=500 npm test`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { appendices, chapters } from "../../src/components/chapters.ts";
import type { ParamSpec } from "../../src/components/params.ts";
import { createRandom, type Random } from "../../src/engine/random.ts";
import { DIST, describeProblems, openPage, useSite } from "./harness.ts";

const URLS_PER_PAGE = Number(process.env.FUZZ_URLS ?? 40);
const pages = ["/", ...chapters.map((chapter) => chapter.path), ...appendices.map((page) => page.path)].filter((path) =>
  existsSync(join(DIST, path === "/" ? "index.html" : `${path}.html`)),
);

/** Payloads that would run or show if a URL value were ever used as markup or code. */
const INJECTIONS = [
  `<img src=x onerror="window.__injected=1">`,
  `"><svg onload="window.__injected=1">`,
  `<script>window.__injected=1</script>`,
  `javascript:window.__injected=1`,
  `';window.__injected=1;//`,
  `<b id="injected-markup">bold</b>`,
  `{{constructor.constructor('window.__injected=1')()}}`,
  `\${window.__injected=1}`,
];

/** A raw URL value for a parameter of `spec`, drawn from the kinds of hostile input the issue names. */
function hostileValue(random: Random, spec: ParamSpec | undefined): string {
  const numbers = ["NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e-320", "0x1F", "1,5", " 3 ", "", "-0", "9".repeat(400)];
  const kinds: (() => string)[] = [
    () => INJECTIONS[random.integer(INJECTIONS.length)],
    () => numbers[random.integer(numbers.length)],
    // Long, but within the ~8 KB of URL that static hosts (and Node's server here) accept.
    () => "x".repeat(1 + random.integer(1500)),
    () => String((random.uniform() - 0.5) * 10 ** random.integer(12)),
    () => ["true", "null", "undefined", "[]", "{}", "%00", "%E0%A4%A", "\u202e\u0000"][random.integer(8)],
  ];
  if (spec?.kind === "number") kinds.push(() => String(spec.min - 1 - random.uniform() * 1e6), () => String(spec.max + random.uniform() * 1e6));
  if (spec?.kind === "choice") kinds.push(() => `${spec.options[0]}${INJECTIONS[0]}`);
  return kinds[random.integer(kinds.length)]();
}

/** The parameters a page accepts, read from its controls' data-param attributes. */
async function acceptedParams(page: Page): Promise<Record<string, ParamSpec>> {
  return page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>("[data-param]"), (element) => [element.dataset.param!, JSON.parse(element.dataset.paramSpec!)]),
    ),
  );
}

/** Controls whose value is outside their spec, as "name=value" strings. */
async function unclampedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement & { value: unknown }>("[data-param]")).flatMap((element) => {
      const spec = JSON.parse(element.dataset.paramSpec!) as
        | { kind: "number"; min: number; max: number }
        | { kind: "choice"; options: string[] }
        | { kind: "text"; maxLength: number };
      const value = element.value;
      const ok =
        spec.kind === "number"
          ? typeof value === "number" && Number.isFinite(value) && value >= spec.min && value <= spec.max
          : spec.kind === "choice"
            ? spec.options.includes(value as string)
            : typeof value === "string" && value.length <= spec.maxLength;
      return ok ? [] : [`${element.dataset.param}=${String(value).slice(0, 60)}`];
    }),
  );
}

const site = useSite();

for (const [pageIndex, path] of pages.entries()) {
  test(`${path} survives ${URLS_PER_PAGE} hostile URL states`, { timeout: 30 * 60_000 }, async () => {
    const random = createRandom(1000 + pageIndex);
    const first = await openPage(site.browser, site.server.origin, path);
    const specs = await acceptedParams(first.page);
    await first.context.close();
    const names = Object.keys(specs);
    const { context, page, problems } = await openPage(site.browser, site.server.origin, path);
    try {
      for (let i = 0; i < URLS_PER_PAGE; i++) {
        const query = new URLSearchParams();
        for (const name of names) if (random.uniform() < 0.6) query.set(name, hostileValue(random, specs[name]));
        query.set(random.uniform() < 0.5 ? "unknown" : INJECTIONS[random.integer(INJECTIONS.length)], hostileValue(random, undefined));
        const url = `${site.server.origin}${path}?${query}#${encodeURIComponent(INJECTIONS[random.integer(INJECTIONS.length)])}`;
        await page.goto(url, { waitUntil: "load" });
        await page.waitForTimeout(150);
        const injected = await page.evaluate(
          () =>
            (window as Window & { __injected?: unknown }).__injected !== undefined ||
            document.querySelector("#injected-markup, [onerror], [onload]:not(body), img[src='x']") !== null,
        );
        assert.equal(injected, false, `markup from the URL reached the DOM: ${url.slice(0, 300)}`);
        assert.deepEqual(await unclampedControls(page), [], `unclamped value from ${url.slice(0, 300)}`);
        assert.equal(describeProblems({ ...problems, failedRequests: [] }), "", `after ${url.slice(0, 300)}`);
      }
    } finally {
      await context.close();
    }
  });
}
