/**
 * An Engine (engine.ts) whose work runs in a Web Worker, so that a page stays responsive while the CPU
 * computes: the float64 reference ("reference") or tfjs's CPU backend ("cpu"). The page holds a proxy;
 * each model or block is sent to the worker once (its arrays copied) and named by a number after that;
 * results come back as transferred buffers. engine-worker.ts is the worker's side; `serveEngine` answers
 * one message and is what the worker runs, so Node tests can drive the protocol without a worker.
 */
import type { BackendName, Decoder, Engine } from "./engine.js";
import { EngineError } from "./errors.js";
import type { LmState } from "./model.js";
import { checkStateShape } from "./recurrent.js";
import type { MambaBlockWeights, MambaModel } from "./types.js";

/** The backends a worker can host. */
export type WorkerBackend = Extract<BackendName, "reference" | "cpu">;

/** A request to the worker: one Engine call, or the upload of weights under a key. */
export type EngineRequest =
  | { id: number; method: "upload"; key: number; weights: MambaModel | MambaBlockWeights }
  | { id: number; method: "release"; key: number }
  | { id: number; method: "runModel"; key: number; args: unknown[] }
  | { id: number; method: "runBlock"; key: number; args: unknown[] }
  | { id: number; method: "scan"; args: unknown[] }
  | { id: number; method: "decoder"; key: number; decoder: number; args: unknown[] }
  | { id: number; method: "step"; decoder: number; args: [number] }
  | { id: number; method: "state"; decoder: number }
  | { id: number; method: "reset"; decoder: number; args: [LmState | undefined, number | undefined] }
  | { id: number; method: "closeDecoder"; decoder: number }
  | { id: number; method: "describe" };

/** A request before it is numbered. */
type UnnumberedRequest = EngineRequest extends infer Request ? (Request extends unknown ? Omit<Request, "id"> : never) : never;

/** The worker's answer: a result, or the error's message (and whether it was the reader's input). */
export type EngineReply =
  | { id: number; result: unknown; referenceCalls: number }
  | { id: number; error: string; badInput: boolean; referenceCalls: number };

/** The worker's state: the engine it hosts and what the page sent it. */
export interface HostedEngine {
  engine: Engine;
  weights: Map<number, MambaModel | MambaBlockWeights>;
  decoders: Map<number, Decoder>;
}

/** Answers one request on the worker's side (engine-worker.ts posts what this returns). */
export async function serveEngine(hosted: HostedEngine, request: EngineRequest): Promise<unknown> {
  const weights = (key: number) => {
    const found = hosted.weights.get(key);
    if (!found) throw new Error(`engine worker: no weights under key ${key}`);
    return found;
  };
  const decoder = (key: number) => {
    const found = hosted.decoders.get(key);
    if (!found) throw new Error(`engine worker: no decoder ${key}`);
    return found;
  };
  switch (request.method) {
    case "upload":
      hosted.weights.set(request.key, request.weights);
      return undefined;
    case "release":
      hosted.engine.release(weights(request.key));
      hosted.weights.delete(request.key);
      return undefined;
    case "runModel":
      return hosted.engine.runModel(weights(request.key) as MambaModel, ...(request.args as [number[][], object]));
    case "runBlock":
      return hosted.engine.runBlock(weights(request.key) as MambaBlockWeights, ...(request.args as [Float64Array, number, number, object]));
    case "scan":
      return hosted.engine.scan(...(request.args as Parameters<Engine["scan"]>));
    case "decoder":
      hosted.decoders.set(request.decoder, hosted.engine.decoder(weights(request.key) as MambaModel, request.args[0] as object));
      return undefined;
    case "step":
      return decoder(request.decoder).step(request.args[0]);
    case "state":
      return decoder(request.decoder).state();
    case "reset":
      decoder(request.decoder).reset(...request.args);
      return undefined;
    case "closeDecoder":
      decoder(request.decoder).dispose();
      hosted.decoders.delete(request.decoder);
      return undefined;
    case "describe":
      return { backend: hosted.engine.backend, reason: hosted.engine.reason };
  }
}

/** Every ArrayBuffer inside a result, to transfer instead of copying. */
export function transferables(value: unknown, found: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    value.forEach((item) => transferables(item, found));
  } else if (value && typeof value === "object") {
    Object.values(value).forEach((item) => transferables(item, found));
  }
  return [...found];
}

/** The page's side of a worker: sends requests, matches replies, counts the worker's reference forwards. */
export interface EngineWorkerPort {
  postMessage(message: EngineRequest, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent<EngineReply>) => void): void;
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

/** An Engine whose work runs in a worker, with the worker's count of float64 block forwards. */
export type WorkerEngine = Engine & { referenceCalls(): number };

/**
 * An Engine backed by `port` (a Worker running engine-worker.ts), once the worker says what it hosts. Its
 * reason is the worker engine's, followed by `note`.
 */
export async function workerEngine(port: EngineWorkerPort, note = ""): Promise<WorkerEngine> {
  let nextId = 1;
  let nextKey = 1;
  let workerReferenceCalls = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const keys = new WeakMap<object, number>();
  port.addEventListener("message", (event) => {
    const reply = event.data;
    workerReferenceCalls = reply.referenceCalls;
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if ("error" in reply) waiting.reject(reply.badInput ? new EngineError(reply.error) : new Error(reply.error));
    else waiting.resolve(reply.result);
  });
  port.addEventListener("error", (event) => {
    const error = new Error(`the engine worker failed: ${event.message}`);
    pending.forEach((waiting) => waiting.reject(error));
    pending.clear();
  });
  const call = <T>(request: UnnumberedRequest, transfer: Transferable[] = []): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      port.postMessage({ ...request, id } as EngineRequest, transfer);
    });
  /** The worker's key for `weights`, sending them on first use. */
  const keyOf = (weights: MambaModel | MambaBlockWeights): number => {
    let key = keys.get(weights);
    if (key === undefined) {
      key = nextKey++;
      keys.set(weights, key);
      send({ method: "upload", key, weights });
    }
    return key;
  };
  /** A request whose answer nobody waits for: a failure shows in the next call that needs it. */
  const send = (request: UnnumberedRequest) => void call(request).catch(() => {});
  let nextDecoder = 1;
  const { backend, reason } = await call<{ backend: WorkerBackend; reason: string }>({ method: "describe" });
  return {
    backend,
    reason: `${reason}${note}`,
    lossNote: undefined,
    onBackendChange: () => () => {},
    runModel: (model, ids, options) => call({ method: "runModel", key: keyOf(model), args: [ids, options ?? {}] }),
    runBlock: (weights, input, batch, length, options) => call({ method: "runBlock", key: keyOf(weights), args: [input, batch, length, options ?? {}] }),
    scan: (inputs, overrides) => call({ method: "scan", args: [inputs, overrides] }),
    decoder(model, options = {}) {
      const decoder = nextDecoder++;
      let position = 0;
      send({ method: "decoder", key: keyOf(model), decoder, args: [options] });
      return {
        async step(id) {
          const logits = await call<Float64Array>({ method: "step", decoder, args: [id] });
          position++;
          return logits;
        },
        get position() {
          return position;
        },
        state: () => call<LmState>({ method: "state", decoder }),
        reset(state, at = 0) {
          if (state) checkStateShape(model, state);
          position = at;
          send({ method: "reset", decoder, args: [state, at] });
        },
        dispose: () => send({ method: "closeDecoder", decoder }),
      };
    },
    release(weights) {
      const key = keys.get(weights);
      if (key === undefined) return;
      keys.delete(weights);
      send({ method: "release", key });
    },
    dispose: () => {
      pending.forEach((waiting) => waiting.reject(new Error("the engine worker was stopped")));
      pending.clear();
      port.terminate();
    },
    referenceCalls: () => workerReferenceCalls,
  };
}
