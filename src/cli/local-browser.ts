/**
 * Debian's Chromium and a static server on 127.0.0.1: what the figure export, the browser tests and
 * the benchmarks all use to run the built site headlessly, offline, with GPUs in software.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Flags that keep Chromium off the network and give it WebGL (SwiftShader) and WebGPU (SwiftShader
 * through Vulkan) in software (measured here: both APIs come up on SwiftShader with these flags). --no-sandbox because CI runs as root.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader",
];

export const MISSING_CHROMIUM = `Chromium is missing at ${CHROMIUM_PATH}. Install it with: sudo apt-get update && sudo apt-get install -y chromium`;

/** Debian's Chromium, headless, with `args` (by default the flags above); fails with the install command when it is missing. */
export async function launchChromium(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(MISSING_CHROMIUM);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...args], headless: true });
}

export { serveFolder, type StaticServer } from "./static-server.js";
