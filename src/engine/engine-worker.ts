/**
 * The worker side of worker-engine.ts: hosts the float64 reference or tfjs's CPU backend (the worker's
 * URL says which: `?backend=reference|cpu`) and answers the page's requests in order of arrival.
 */
import { createReferenceEngine } from "./reference-engine.js";
import { referenceCalls } from "./reference-calls.js";
import { EngineError } from "./errors.js";
import { serveEngine, transferables, type EngineReply, type EngineRequest, type HostedEngine } from "./worker-engine.js";

const scope = self as unknown as { postMessage(reply: EngineReply, transfer: Transferable[]): void; addEventListener(type: "message", listener: (event: MessageEvent<EngineRequest>) => void): void };
const backend = new URL(location.href).searchParams.get("backend");

const hosted: Promise<HostedEngine> = (async () => {
  const engine =
    backend === "cpu"
      ? await (await import("./gpu/engine.js")).createGpuEngine("cpu")
      : createReferenceEngine(new URL(location.href).searchParams.get("reason") ?? "float64 reference");
  return { engine, weights: new Map(), decoders: new Map() };
})();

let queue: Promise<void> = Promise.resolve();
scope.addEventListener("message", (event) => {
  const request = event.data;
  queue = queue.then(async () => {
    try {
      const result = await serveEngine(await hosted, request);
      scope.postMessage({ id: request.id, result, referenceCalls: referenceCalls() }, transferables(result));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      scope.postMessage({ id: request.id, error: message, badInput: error instanceof EngineError, referenceCalls: referenceCalls() }, []);
    }
  });
});
