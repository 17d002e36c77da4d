/**
 * What the command-line export (src/cli/export.ts) calls inside the page: the figure's standalone SVG,
 * made by the same code as the figure's Export menu, and its PNG at any scale. Exposed as
 * `window.mambaLive` so a headless browser can reach it with page.evaluate.
 */
import { svgToPng, type StandaloneSvg } from "../export.js";

export interface HeadlessFigure {
  id: string;
  /** The standalone SVG document (XML declaration included). */
  svg: string;
  width: number;
  height: number;
  /** The PNG, when asked for: base64 bytes and its size in pixels (taller than the SVG when it carries the caption). */
  png?: { base64: string; width: number; height: number };
}

type Frame = HTMLElement & { standalone?: (options?: { caption?: boolean }) => StandaloneSvg | undefined };

/** Ids of the figures on the page, in document order. */
export function figureIds(): string[] {
  return Array.from(document.querySelectorAll<HTMLElement>(".kit-figure[id]"), (frame) => frame.id);
}

/** Base64 of a Blob's bytes. */
async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * The figure `id` as a standalone SVG (no caption, as the menu's SVG), plus a PNG at `png.scale` when
 * asked, with the numbered caption drawn under it unless `png.caption` is false (as the menu's
 * checkbox); throws a clear error otherwise.
 */
export async function exportFigure(id: string, png?: { scale: number; caption?: boolean }): Promise<HeadlessFigure> {
  const frame = document.getElementById(id) as Frame | null;
  if (!frame?.classList.contains("kit-figure") || !frame.standalone) throw new Error(`no figure “${id}” on this page`);
  const standalone = frame.standalone();
  if (!standalone) throw new Error(`figure “${id}” has no drawing to export`);
  const result: HeadlessFigure = { id, svg: standalone.text, width: standalone.width, height: standalone.height };
  if (png) {
    const image = frame.standalone({ caption: png.caption ?? true })!;
    const blob = await svgToPng(image, png.scale);
    result.png = { base64: await base64(blob), width: Math.round(image.width * png.scale), height: Math.round(image.height * png.scale) };
  }
  return result;
}

declare global {
  interface Window {
    mambaLive?: { exportFigure: typeof exportFigure; figureIds: typeof figureIds };
  }
}

export function exposeHeadlessExport(): void {
  window.mambaLive = { exportFigure, figureIds };
}
