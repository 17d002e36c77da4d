/**
 * The header badge on pages that run no block: which GPU API this browser offers, found without
 * loading tfjs (pages that run the block replace it with the backend actually in use, see
 * backend-badge.ts).
 */

/** The best API the browser offers, in the engine's order of preference. */
export async function detectGpuApi(): Promise<"WebGPU" | "WebGL2" | "CPU only"> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  try {
    if (gpu && (await gpu.requestAdapter())) return "WebGPU";
  } catch {
    // A browser may expose navigator.gpu yet refuse an adapter; that is "no WebGPU", not an error.
  }
  return document.createElement("canvas").getContext("webgl2") ? "WebGL2" : "CPU only";
}

/** Fills and reveals the badge with the available API; does nothing on a page without one. */
export async function showBackendAvailability(badge: HTMLElement | null = document.getElementById("backend-badge")): Promise<void> {
  if (!badge) return;
  const api = await detectGpuApi();
  badge.textContent = api === "CPU only" ? "no GPU: blocks run on the CPU" : `${api} available`;
  badge.title = "The live block on the chapter pages checks its GPU kernels against the float64 reference before using them.";
  badge.dataset.backend = "available";
  badge.hidden = false;
}
