/** Coalescing work into animation frames, shared by everything that reacts to many events at once. */

/** Returns a function that, however often it is called within a frame, runs `work` once, at the next frame. */
export function oncePerFrame(work: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      work();
    });
  };
}

/**
 * Runs `onChange` once at the next frame, and again (once per frame at most) whenever an element
 * matching `selector` enters or leaves the page: pages display figures and controls as their cells
 * finish, some only after awaiting the GPU.
 */
export function watchElements(selector: string, onChange: () => void): void {
  const schedule = oncePerFrame(onChange);
  const touches = (nodes: NodeList) =>
    Array.from(nodes).some((node) => node instanceof Element && (node.matches(selector) || node.querySelector(selector)));
  new MutationObserver((records) => {
    if (records.some((record) => touches(record.addedNodes) || touches(record.removedNodes))) schedule();
  }).observe(document.body, { childList: true, subtree: true });
  schedule();
}
