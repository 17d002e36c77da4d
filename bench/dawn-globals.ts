/**
 * Gives Node a `navigator.gpu` from Dawn (npm package `webgpu`). Imported first by bench/gpu.ts,
 * because tfjs's WebGPU backend registers itself only if navigator.gpu exists when it is imported.
 * The Dawn toggles allow timestamp queries at full resolution (benchmarking only).
 */
import { create, globals } from "webgpu";

Object.assign(globalThis, globals);
Object.defineProperty(globalThis, "navigator", {
  value: { gpu: create(["enable-dawn-features=allow_unsafe_apis", "disable-dawn-features=timestamp_quantization"]) },
  configurable: true,
});
