/**
 * Lost GPUs. A browser may take the GPU away at any time: a WebGL context is lost (driver reset, too
 * many contexts, `WEBGL_lose_context`), a WebGPU device is lost (`device.destroy()`, a driver crash).
 * tfjs does not recover from either: its backend keeps the dead context and every later op fails or
 * silently returns zeros. This module notices the loss and recovers once per lost backend instance,
 * shared by every engine on the page (tfjs has one active backend per page): the lost backend is
 * rebuilt from its own tfjs factory and probed again (a fresh context or device often works), and if
 * that fails, or the same backend was already rebuilt once, the engine falls back down the list.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendWebGL } from "@tensorflow/tfjs-backend-webgl";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { BACKEND_LABELS } from "../engine.js";
import { chooseBackend, GPU_BACKENDS, type BackendChoice, type GpuBackendName } from "./backend.js";

/** A watch on the active backend's GPU: `lost()` is true once it is gone, `loss` says how, in words. */
export interface GpuWatch {
  readonly backend: GpuBackendName;
  /** The tfjs backend instance watched; recoveries are shared per instance. */
  readonly instance: object;
  lost(): boolean;
  /** Resolves with one line ("WebGL2 context lost") when the GPU goes away; never for the CPU. */
  readonly loss: Promise<string>;
}

/** How many times a lost backend may be rebuilt on one page before the engine moves down the list. */
export const MAX_REBUILDS = 1;

const rebuilds = new Map<GpuBackendName, number>();
const recoveries = new WeakMap<object, Promise<BackendChoice>>();

/** Watches the GPU of the active tfjs backend, which must be `backend`. */
export function watchGpu(backend: GpuBackendName): GpuWatch {
  const instance = tf.backend();
  if (backend === "webgl") {
    const gl = (instance as MathBackendWebGL).gpgpu.gl;
    const loss = new Promise<string>((resolve) =>
      gl.canvas.addEventListener("webglcontextlost", () => resolve(`${BACKEND_LABELS.webgl} context lost`), { once: true }),
    );
    return { backend, instance, lost: () => gl.isContextLost(), loss };
  }
  if (backend === "webgpu") {
    let gone = false;
    const loss = (instance as WebGPUBackend).device.lost.then((info) => {
      gone = true;
      return `${BACKEND_LABELS.webgpu} device lost (${info.reason ?? "unknown"}${info.message ? `: ${info.message.split("\n")[0]}` : ""})`;
    });
    return { backend, instance, lost: () => gone, loss };
  }
  return { backend, instance, lost: () => false, loss: new Promise<string>(() => {}) };
}

/**
 * The backend to use after `watch`'s GPU was lost: the same one rebuilt (at most MAX_REBUILDS times
 * per page), else the next that passes its probe. Every engine watching the same instance gets the
 * same answer; the reason names the loss so the reader learns why the badge changed.
 */
export function recoverFromLoss(watch: GpuWatch, what: string): Promise<BackendChoice> {
  let recovery = recoveries.get(watch.instance);
  if (!recovery) {
    recovery = chooseAfterLoss(watch.backend, what);
    recoveries.set(watch.instance, recovery);
  }
  return recovery;
}

async function chooseAfterLoss(lost: GpuBackendName, what: string): Promise<BackendChoice> {
  const rebuilt = rebuilds.get(lost) ?? 0;
  rebuildBackend(lost);
  const start = rebuilt < MAX_REBUILDS ? GPU_BACKENDS.indexOf(lost) : GPU_BACKENDS.indexOf(lost) + 1;
  if (rebuilt < MAX_REBUILDS) rebuilds.set(lost, rebuilt + 1);
  const choice = await chooseBackend(undefined, GPU_BACKENDS.slice(Math.min(start, GPU_BACKENDS.length - 1)));
  const how = choice.backend === lost ? `${BACKEND_LABELS[lost]} re-initialised` : `switched to ${BACKEND_LABELS[choice.backend]}`;
  return { backend: choice.backend, reason: `${choice.reason}; ${what}, ${how}` };
}

/**
 * Replaces tfjs's instance of `name` (holding the dead context or device) by a fresh one from the
 * same factory, so the next `setBackend(name)` creates a new context or requests a new device.
 */
function rebuildBackend(name: GpuBackendName): void {
  const factory = tf.findBackendFactory(name);
  if (!factory) return;
  try {
    tf.removeBackend(name);
  } catch {
    // Disposing a backend whose context is gone may throw; it is dropped from the registry first.
  }
  tf.registerBackend(name, factory);
}
