/**
 * The URLs the teaching features hand out: the live page with the controls' current state (without
 * the teaching parameters), the embed URL of one figure, and the state as key/value pairs.
 */
import { flushParams } from "../url-state.js";
import { cleanState } from "./lesson-format.js";

/** The current control state as a query string without "?" (teaching parameters removed). */
export function currentState(): string {
  flushParams();
  return cleanState(location.search);
}

/** This page with its current state, optionally at `#anchor`. */
export function liveUrl(anchor?: string): string {
  const state = currentState();
  return `${location.origin}${location.pathname}${state ? `?${state}` : ""}${anchor ? `#${encodeURIComponent(anchor)}` : ""}`;
}

/** The URL that shows only figure `id` (with its controls) at the current state. */
export function embedUrl(id: string): string {
  const params = new URLSearchParams(currentState());
  params.set("embed", id);
  return `${location.origin}${location.pathname}?${params.toString()}`;
}

/** The current state as an object, for citations. */
export function stateRecord(): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(currentState()));
}
