/**
 * Turns a live SVG figure into files that stand alone offline: SVG with every style inlined (no
 * stylesheet, no CSS variable, no `currentColor`, so Inkscape and Illustrator see what the page
 * shows), PNG at any scale, and the Blob download that saves them.
 */

/** Presentation properties copied from the page's computed style onto every exported element. */
const INLINED_PROPERTIES = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "stroke-linecap",
  "stroke-linejoin",
  "opacity",
  "font-family",
  "font-size",
  "font-weight",
  "font-style",
  "text-anchor",
  "dominant-baseline",
  "paint-order",
  "visibility",
  "shape-rendering",
] as const;

const SVG_NS = "http://www.w3.org/2000/svg";

/** A legend entry drawn under the exported figure (the page shows it as HTML beside the figure). */
export interface ExportLegendItem {
  label: string;
  color: string;
}

export interface StandaloneSvg {
  text: string;
  width: number;
  height: number;
}

/** The figure's drawn size in CSS pixels: its viewBox when it has one, else its layout box. */
export function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const box = svg.viewBox.baseVal;
  if (box && box.width > 0 && box.height > 0) return { width: box.width, height: box.height };
  const rect = svg.getBoundingClientRect();
  return { width: Math.max(1, Math.round(rect.width)), height: Math.max(1, Math.round(rect.height)) };
}

/** Copies the computed presentation style of each live element onto its clone, as a style attribute. */
function inlineStyles(live: Element, clone: Element): void {
  const style = getComputedStyle(live);
  const declarations = INLINED_PROPERTIES.map((property) => `${property}:${style.getPropertyValue(property)}`);
  clone.setAttribute("style", declarations.join(";"));
  clone.removeAttribute("class");
  const liveChildren = live.children;
  const cloneChildren = clone.children;
  for (let i = 0; i < liveChildren.length; i++) inlineStyles(liveChildren[i], cloneChildren[i]);
}

/**
 * Removes what an offline file cannot use: interaction hooks, elements marked data-export="skip",
 * and presentation attributes that point back at the page (currentColor, var(--…)), whose resolved
 * values are already in each element's inlined style.
 */
function stripInteractive(root: Element): void {
  for (const node of Array.from(root.querySelectorAll("[data-export='skip']"))) node.remove();
  for (const node of [root, ...Array.from(root.querySelectorAll("*"))]) {
    for (const attribute of Array.from(node.attributes)) {
      const pageBound = /currentcolor|var\(/i.test(attribute.value) && attribute.name !== "style";
      if (attribute.name.startsWith("on") || attribute.name === "tabindex" || pageBound) node.removeAttribute(attribute.name);
    }
  }
}

/** A legend row per item (swatch and label) appended under the drawing; returns the height added. */
function appendLegend(svg: SVGSVGElement, items: readonly ExportLegendItem[], width: number, top: number, font: string, color: string): number {
  if (items.length === 0) return 0;
  const rowHeight = 18;
  let x = 8;
  let y = top + 14;
  const group = document.createElementNS(SVG_NS, "g");
  group.setAttribute("style", `font-family:${font};font-size:12px;fill:${color}`);
  for (const item of items) {
    const itemWidth = 24 + item.label.length * 7 + 16;
    if (x + itemWidth > width && x > 8) {
      x = 8;
      y += rowHeight;
    }
    const swatch = document.createElementNS(SVG_NS, "rect");
    for (const [key, value] of Object.entries({ x: x, y: y - 9, width: 16, height: 10, fill: item.color })) swatch.setAttribute(key, String(value));
    const label = document.createElementNS(SVG_NS, "text");
    label.setAttribute("x", String(x + 22));
    label.setAttribute("y", String(y));
    label.textContent = item.label;
    group.append(swatch, label);
    x += itemWidth;
  }
  svg.append(group);
  return y - top + 8;
}

/**
 * A standalone SVG document of `svg` as the page shows it now: styles inlined, the page background
 * painted behind it, an optional legend underneath, explicit width/height, XML declaration.
 */
export function standaloneSvg(svg: SVGSVGElement, legend: readonly ExportLegendItem[] = []): StandaloneSvg {
  const { width, height: drawnHeight } = svgSize(svg);
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone);
  stripInteractive(clone);
  const page = getComputedStyle(svg.closest(".kit-figure") ?? document.body);
  const background = getComputedStyle(document.body).backgroundColor;
  const legendHeight = appendLegend(clone, legend, width, drawnHeight, page.fontFamily, page.color);
  const height = drawnHeight + legendHeight;
  const backdrop = document.createElementNS(SVG_NS, "rect");
  for (const [key, value] of Object.entries({ x: 0, y: 0, width, height, fill: background })) backdrop.setAttribute(key, String(value));
  clone.insertBefore(backdrop, clone.firstChild);
  clone.setAttribute("xmlns", SVG_NS);
  clone.setAttribute("width", String(width));
  clone.setAttribute("height", String(height));
  clone.setAttribute("viewBox", `0 0 ${width} ${height}`);
  clone.style.removeProperty("max-width");
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
  return { text, width, height };
}

/** Rasterises a standalone SVG at `scale` (so the PNG is round(width·scale) × round(height·scale) pixels). */
export async function svgToPng(svg: StandaloneSvg, scale: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg.text], { type: "image/svg+xml" }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(svg.width * scale);
    canvas.height = Math.round(svg.height * scale);
    const context = canvas.getContext("2d");
    if (!context) throw new Error("this browser gave no 2D canvas for the PNG export");
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the PNG encoder returned nothing"))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Saves `blob` as `name` through a temporary object URL; works offline and from file://. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
