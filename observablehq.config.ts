import { existsSync } from "node:fs";
import { appendices, chapters } from "./src/components/chapters.ts";

/** Only chapters whose page exists are linked, so the navigation never points at a missing page. */
const writtenChapters = chapters.filter((chapter) => existsSync(`src${chapter.path}.md`));
const extraPages = appendices.filter((page) => existsSync(`src${page.path}.md`)).map((page) => ({ name: page.title, path: page.path }));

export default {
  title: "Mamba, live",
  root: "src",
  // SITE_DIST lets several builds (parallel checkouts, a test run beside a dev build) use separate folders.
  output: process.env.SITE_DIST ?? "dist",
  pages: [...writtenChapters.map((chapter) => ({ name: chapter.title, path: chapter.path })), ...extraPages],
  pager: true,
  toc: true,
  search: false,
  // The default theme links Google Fonts; the site must make no request to another origin.
  globalStylesheets: [],
  style: "style.css",
  // An inline icon: without one, browsers request /favicon.ico and log a 404 on every page.
  head: `<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M1 12 C4 2 8 2 15 4' stroke='%2343a047' stroke-width='2.5' fill='none'/%3E%3C/svg%3E">`,
  header: `<div class="site-header"><a href="./" class="site-title">Mamba, live</a><span class="site-subtitle">selective state space models, one slider at a time</span><span id="backend-badge" class="backend-badge" hidden></span></div>`,
  footer: `<div class="site-footer">
  <p><strong>Sources.</strong> Albert Gu and Tri Dao, “Mamba: Linear-Time Sequence Modeling with Selective State Spaces”, arXiv:2312.00752 (2023);
  the official implementation, github.com/state-spaces/mamba; HuggingFace transformers’ <code>MambaForCausalLM</code>, against which every number here is tested.</p>
  <p>Text, code and figures: MIT licence. Everything runs in your browser; no data leaves your machine.</p>
</div>`,
};
