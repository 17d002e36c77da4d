/**
 * A box that scrolls sideways says so. On a phone a wide heatmap or a long equation may still be
 * wider than the column; the reader must see that there is more: the edge where content hides fades
 * out, and a small "scroll →" line sits under the box. `scrollCue(box, frame)` keeps
 * `frame.dataset.scroll` at "right", "left", "left right" or absent (nothing hidden) as the box's
 * size, content or scroll position change; kit.css draws the fade and the hint from it.
 */

const HINTS: Record<string, string> = { right: "scroll →", left: "← scroll", "left right": "← scroll →" };

/** Which edges of `box` hide content: "right", "left", "left right", or "" when it all fits. */
export function hiddenEdges(box: HTMLElement): string {
  const hidden = box.scrollWidth - box.clientWidth;
  if (hidden <= 1) return "";
  const left = box.scrollLeft > 1;
  const right = box.scrollLeft < hidden - 1;
  return [left ? "left" : "", right ? "right" : ""].filter(Boolean).join(" ");
}

/**
 * Watches `box` (which gets overflow-x: auto) inside `frame` (its parent, or an ancestor that holds
 * nothing else that scrolls) and adds the hint line right after `box`. Returns the hint element.
 */
export function scrollCue(box: HTMLElement, frame: HTMLElement): HTMLElement {
  box.classList.add("kit-scroll-box");
  const hint = document.createElement("div");
  hint.className = "kit-scroll-hint";
  hint.setAttribute("aria-hidden", "true");
  box.after(hint);
  const update = () => {
    const edges = hiddenEdges(box);
    if (edges) {
      if (frame.dataset.scroll !== edges) frame.dataset.scroll = edges;
      hint.textContent = HINTS[edges];
    } else if (frame.dataset.scroll !== undefined) {
      delete frame.dataset.scroll;
    }
  };
  let queued = false;
  const soon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      update();
    });
  };
  box.addEventListener("scroll", soon, { passive: true });
  const resized = new ResizeObserver(soon);
  resized.observe(box);
  // Content that grows without resizing the box (an equation re-typeset, a chart redrawn wider).
  new MutationObserver(() => {
    for (const child of Array.from(box.children)) resized.observe(child);
    soon();
  }).observe(box, { childList: true, subtree: true, characterData: true });
  for (const child of Array.from(box.children)) resized.observe(child);
  soon();
  return hint;
}

/** Wraps `box` in a frame with the cue (for boxes whose parent holds other things): returns the frame. */
export function withScrollCue(box: HTMLElement): HTMLElement {
  const frame = document.createElement("div");
  frame.className = "kit-scroll-frame";
  frame.append(box);
  scrollCue(box, frame);
  return frame;
}
