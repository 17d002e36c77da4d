/**
 * The chapter's GPU engine, created once per page (tfjs has one active backend per page) with the
 * backend the URL asks for (`?backend=webgpu|webgl|cpu`) or the best available, shown in the header badge.
 */
import { createGpuEngine, type GpuEngine } from "../../engine/gpu/engine.js";
import { showBackend } from "../backend-badge.js";

let engine: Promise<GpuEngine> | undefined;

export function pageEngine(): Promise<GpuEngine> {
  engine ??= createGpuEngine({ backend: location.search }).then((created) => {
    showBackend(created);
    return created;
  });
  return engine;
}
