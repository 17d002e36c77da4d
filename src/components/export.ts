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

/** The colour the page is painted in: the theme sets it on <html> or <body>, whichever is not transparent. */
function pageBackground(): string {
  for (const element of [document.body, document.documentElement]) {
    const color = getComputedStyle(element).backgroundColor;
    if (color && color !== "transparent" && !/^rgba\(.*,\s*0\)$/.test(color)) return color;
  }
  return "#ffffff";
}

/** Splits `text` into lines no wider than `width` px in `font` (a CSS font shorthand), breaking at spaces. */
export function wrapText(text: string, width: number, font: string): string[] {
  const context = document.createElement("canvas").getContext("2d");
  const measure = (line: string) => (context ? ((context.font = font), context.measureText(line).width) : line.length * 7);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && measure(candidate) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A figure's caption as the page shows it: "Figure N." (drawn bold) and the text after it. */
export interface ExportCaption {
  number: string;
  text: string;
}

/** The caption under the drawing, wrapped to the figure's width, "Figure N." in bold; returns the height added. */
function appendCaption(svg: SVGSVGElement, caption: ExportCaption, width: number, top: number, fontFamily: string, color: string): number {
  const size = 13;
  const lineHeight = 18;
  const lines = wrapText(`${caption.number} ${caption.text}`.trim(), width - 16, `${size}px ${fontFamily}`);
  const group = document.createElementNS(SVG_NS, "g");
  group.setAttribute("style", `font-family:${fontFamily};font-size:${size}px;fill:${color}`);
  group.dataset.caption = "";
  lines.forEach((line, index) => {
    const text = document.createElementNS(SVG_NS, "text");
    text.setAttribute("x", "8");
    text.setAttribute("y", String(top + 14 + index * lineHeight));
    if (index === 0 && caption.number && line.startsWith(caption.number)) {
      const bold = document.createElementNS(SVG_NS, "tspan");
      bold.setAttribute("style", "font-weight:700");
      bold.textContent = caption.number;
      text.append(bold, line.slice(caption.number.length));
    } else {
      text.textContent = line;
    }
    group.append(text);
  });
  svg.append(group);
  return lines.length * lineHeight + 8;
}

/**
 * Replaces the cells of a heatmap (a group marked data-export="raster" of equal rectangles on a grid)
 * by one PNG <image> with a pixel per cell, drawn without smoothing: thousands of styled <rect>s cost
 * megabytes in a file, the image a few kilobytes. `live` is the drawn group (its computed fills), `clone` its export copy.
 */
function rasteriseCells(live: Element, clone: Element): void {
  const rects = Array.from(live.children).filter((child): child is SVGRectElement => child instanceof SVGRectElement);
  if (rects.length === 0 || rects.length !== live.children.length) return;
  const boxes = rects.map((rect) => ({ x: rect.x.baseVal.value, y: rect.y.baseVal.value, fill: getComputedStyle(rect).fill }));
  const xs = [...new Set(boxes.map((box) => box.x))].sort((a, b) => a - b);
  const ys = [...new Set(boxes.map((box) => box.y))].sort((a, b) => a - b);
  const step = (values: number[], fallback: number) => (values.length > 1 ? (values[values.length - 1] - values[0]) / (values.length - 1) : fallback);
  const cellWidth = step(xs, rects[0].width.baseVal.value);
  const cellHeight = step(ys, rects[0].height.baseVal.value);
  const canvas = document.createElement("canvas");
  canvas.width = xs.length;
  canvas.height = ys.length;
  const context = canvas.getContext("2d");
  if (!context) return;
  const column = new Map(xs.map((x, i) => [x, i]));
  const row = new Map(ys.map((y, i) => [y, i]));
  for (const box of boxes) {
    context.fillStyle = box.fill;
    context.fillRect(column.get(box.x)!, row.get(box.y)!, 1, 1);
  }
  const image = document.createElementNS(SVG_NS, "image");
  const attributes = { x: xs[0], y: ys[0], width: cellWidth * xs.length, height: cellHeight * ys.length, preserveAspectRatio: "none", "image-rendering": "optimizeSpeed" };
  for (const [key, value] of Object.entries(attributes)) image.setAttribute(key, String(value));
  image.setAttribute("style", "image-rendering:pixelated");
  image.setAttribute("href", canvas.toDataURL("image/png"));
  clone.replaceChildren(image);
  clone.removeAttribute("data-export");
}

export interface StandaloneOptions {
  /** A legend drawn under the figure (the page shows it as HTML beside it). */
  legend?: readonly ExportLegendItem[];
  /** The numbered caption drawn under the figure and its legend. */
  caption?: ExportCaption;
}

/**
 * A standalone SVG document of `svg` as the page shows it now: styles inlined, large heatmaps as one
 * image each, the page background painted behind it, an optional legend and caption underneath,
 * explicit width/height, XML declaration.
 */
export function standaloneSvg(svg: SVGSVGElement, options: StandaloneOptions = {}): StandaloneSvg {
  const { width, height: drawnHeight } = svgSize(svg);
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const liveCells = Array.from(svg.querySelectorAll("[data-export='raster']"));
  const cloneCells = Array.from(clone.querySelectorAll("[data-export='raster']"));
  inlineStyles(svg, clone);
  liveCells.forEach((live, i) => rasteriseCells(live, cloneCells[i]));
  stripInteractive(clone);
  const figure = svg.closest(".kit-figure");
  const page = getComputedStyle(figure ?? document.body);
  const captionFont = getComputedStyle(figure?.querySelector(".kit-caption") ?? document.body).fontFamily;
  const legendHeight = appendLegend(clone, options.legend ?? [], width, drawnHeight, page.fontFamily, page.color);
  const captionHeight = options.caption ? appendCaption(clone, options.caption, width, drawnHeight + legendHeight, captionFont, page.color) : 0;
  const height = drawnHeight + legendHeight + captionHeight;
  const backdrop = document.createElementNS(SVG_NS, "rect");
  for (const [key, value] of Object.entries({ x: 0, y: 0, width, height, fill: pageBackground() })) backdrop.setAttribute(key, String(value));
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
