/**
 * The header's backend badge (`<span id="backend-badge" hidden>` on every page): which tfjs backend
 * runs the live block, with the reason for the choice (and any fallback) as its tooltip.
 */
import { BACKEND_LABELS, type BackendName } from "../engine/gpu/backend.js";

/** Fills and reveals the badge; does nothing on a page without one. */
export function showBackend(
  engine: { backend: BackendName; reason: string },
  badge: HTMLElement | null = document.getElementById("backend-badge"),
): void {
  if (!badge) return;
  badge.textContent = `runs on ${BACKEND_LABELS[engine.backend]}`;
  badge.title = engine.reason;
  badge.dataset.backend = engine.backend;
  badge.hidden = false;
}
