/**
 * The header's backend badge (`<span id="backend-badge" hidden>` on every page): which backend runs the
 * page's live model, with the reason for the choice (and any fallback) as its tooltip. If the GPU
 * is lost later, the badge follows the engine to its new backend and a note beside it says why.
 */
import { BACKEND_LABELS, type BackendName } from "../engine/engine.js";

/** What the badge reads from an engine (GpuEngine has all of it; the last two are optional for plain records). */
export interface BadgeSource {
  readonly backend: BackendName;
  readonly reason: string;
  readonly lossNote?: string;
  onBackendChange?(listener: () => void): unknown;
}

/** Fills and reveals the badge, and keeps it current after a lost GPU; does nothing on a page without one. */
export function showBackend(engine: BadgeSource, badge: HTMLElement | null = document.getElementById("backend-badge")): void {
  if (!badge) return;
  const fill = () => {
    badge.textContent = `runs on ${BACKEND_LABELS[engine.backend]}`;
    badge.title = engine.reason;
    badge.dataset.backend = engine.backend;
    badge.hidden = false;
    if (engine.lossNote) showLossNote(badge, engine.lossNote);
  };
  fill();
  engine.onBackendChange?.(fill);
}

/** A visible line after the badge (announced to screen readers) saying that the GPU was lost and what runs now. */
function showLossNote(badge: HTMLElement, note: string): void {
  let line = badge.parentElement?.querySelector<HTMLElement>(".backend-loss-note");
  if (!line) {
    line = document.createElement("span");
    line.className = "backend-loss-note";
    line.setAttribute("role", "status");
    badge.after(line);
  }
  line.textContent = `${note}.`;
  badge.dataset.lost = "true";
}
