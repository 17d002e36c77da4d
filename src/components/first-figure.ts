/**
 * A page's heavy work waits for its first figure: a cell that has drawn the first figure's data calls
 * `firstFigureDrawn()`, and work that is not needed for it (the GPU engine starting, a second model
 * loading) awaits `afterFirstFigure()`, which resolves once the frame that shows the figure is painted.
 * One per page: the first call counts.
 */
let markDrawn: () => void = () => {};
const firstFigure = new Promise<void>((resolve) => (markDrawn = resolve));

/** Called when the first figure holds data; the heavy work waits for the frame that shows it. */
export function firstFigureDrawn(): void {
  requestAnimationFrame(() => setTimeout(markDrawn, 0));
}

/** Resolves after the first figure has been painted. */
export function afterFirstFigure(): Promise<void> {
  return firstFigure;
}
