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

/**
 * A hidden element whose `value` follows `source.value` once the source has been still for `ms`
 * milliseconds, firing one "input" event then: for view() on a text box whose every keystroke would
 * otherwise start a run of a model.
 */
export function settledValue<T>(source: EventTarget & { value: T }, ms: number): HTMLElement & { value: T } {
  const element = document.createElement("span") as unknown as HTMLElement & { value: T };
  element.hidden = true;
  element.value = source.value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  source.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (Object.is(element.value, source.value)) return;
      element.value = source.value;
      element.dispatchEvent(new Event("input", { bubbles: true }));
    }, ms);
  });
  return element;
}
