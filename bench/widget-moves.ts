/**
 * The block widget's sliders (on /kit) that long sessions move, each between values in its stable range,
 * so a session cycles through states. Shared by the soak test and the GPU-host site benchmark.
 */
export const WIDGET_SLIDER_MOVES: readonly (readonly [param: string, values: readonly number[]])[] = [
  ["block-dscale", [0.5, 1.8, 3.2]],
  ["block-cscale", [-1.5, 0.4, 2]],
  ["block-ascale", [0.3, 2.5, 4]],
  ["block-channel", [3, 9, 14]],
  ["block-from", [0, 3, 5]],
  ["block-to", [6, 2, 8]],
  // A new seed is a new block: its weights replace the old ones on the GPU (the upload cache must not grow).
  ["block-seed", [2, 7, 13, 21]],
];
