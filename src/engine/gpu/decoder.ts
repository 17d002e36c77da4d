/**
 * Decoding one token at a time on the active tfjs backend (src/math.md#decoding): the model's state — per
 * layer the last k − 1 values of x (the conv window) and h (dInner, dState) — stays on the GPU between
 * tokens, and only the logits come back. Per layer, for the token's input v = RMSNorm(residual):
 *   [x | z] = in_proj(v);  u = SiLU(Σ_j W[·, j] · window⁺_j + b) with window⁺ = [window; x];
 *   [δ | B | C] = x_proj(u);  Δ = softplus(dt_proj(δ));  h ← e^{ΔA} ⊙ h + (B̄/B)(Δ, A) · (u ⊗ B);
 *   y = h C;  out = out_proj((y + D·u) ⊙ SiLU(z));  residual ← residual + out.
 * The decoder keeps the ids it has read, so after a lost GPU it reads them again on the new backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Decoder } from "../engine.js";
import { checkStateShape } from "../recurrent.js";
import { checkTokenIds, type LmState } from "../model.js";
import type { BRule, MambaModel } from "../types.js";
import { linear, type BlockTensors } from "./block-forward.js";
import type { UploadedModel } from "./lm-forward.js";

/** One layer's state on the GPU. */
interface LayerState {
  /** (convWidth − 1, dInner), oldest first */
  window: tf.Tensor2D;
  /** (dInner, dState) */
  h: tf.Tensor2D;
}

/** RMSNorm of one row (1, dModel). */
function rmsNormRow(x: tf.Tensor2D, weight: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon))), weight);
}


/** B̄/B per (channel, state) for ΔA = dA: Δ (Mamba's rule) or Δ·(e^{ΔA} − 1)/(ΔA) (zero-order hold). */
function inputScaleTensor(delta: tf.Tensor2D, dA: tf.Tensor2D, rule: BRule): tf.Tensor2D {
  if (rule === "mamba") return tf.broadcastTo(delta, dA.shape) as tf.Tensor2D;
  const ratio = tf.where(tf.less(tf.abs(dA), 1e-6), tf.onesLike(dA), tf.div(tf.expm1(dA), dA));
  return tf.mul(delta, ratio) as tf.Tensor2D;
}

/** One token through one block: returns the block's output row (1, dModel) and the block's next state. */
function blockStep(block: BlockTensors, state: LayerState, v: tf.Tensor2D, rule: BRule): { out: tf.Tensor2D; next: LayerState } {
  const dInner = block.inProjX.shape[0];
  const dtRank = block.dtProj.shape[1];
  const dState = block.A.shape[1];
  const width = block.convFilter.shape[1];
  const x = linear(v, block.inProjX, block.inProjXBias);
  const z = linear(v, block.inProjZ, block.inProjZBias);
  const convInputs = tf.concat([state.window, x], 0);
  const filter = tf.reshape(block.convFilter, [width, dInner]);
  let convolved = tf.sum(tf.mul(convInputs, filter), 0, true) as tf.Tensor2D;
  if (block.convBias) convolved = tf.add(convolved, block.convBias);
  const u = tf.mul(convolved, tf.sigmoid(convolved)) as tf.Tensor2D;
  const projected = linear(u, block.xProj);
  const delta = tf.softplus(linear(tf.slice(projected, [0, 0], [1, dtRank]), block.dtProj, block.dtProjBias)) as tf.Tensor2D;
  const B = tf.slice(projected, [0, dtRank], [1, dState]);
  const C = tf.slice(projected, [0, dtRank + dState], [1, dState]);
  const deltaColumn = tf.reshape(delta, [dInner, 1]) as tf.Tensor2D;
  const dA = tf.mul(deltaColumn, block.A) as tf.Tensor2D;
  const written = tf.mul(tf.mul(inputScaleTensor(deltaColumn, dA, rule), tf.reshape(u, [dInner, 1])), B);
  const h = tf.add(tf.mul(tf.exp(dA), state.h), written) as tf.Tensor2D;
  const y = tf.reshape(tf.matMul(h, C, false, true), [1, dInner]);
  const yGated = tf.mul(tf.add(y, tf.mul(block.D, u)), tf.mul(z, tf.sigmoid(z))) as tf.Tensor2D;
  const window = (width > 1 ? tf.slice(convInputs, [1, 0], [width - 1, dInner]) : tf.zeros([0, dInner])) as tf.Tensor2D;
  return { out: linear(yGated, block.outProj, block.outProjBias), next: { window, h } };
}

/** One token through the model: the logits (1, vocab) and the next state; inputs are left as they are. */
function modelStep(uploaded: UploadedModel, state: LayerState[], id: number, rule: BRule): { logits: tf.Tensor2D; next: LayerState[] } {
  const { normEpsilon } = uploaded.model.config;
  let residual = tf.gather(uploaded.embedding, tf.tensor1d([id], "int32")) as tf.Tensor2D;
  const next = uploaded.blocks.map((block, i) => {
    const step = blockStep(block, state[i], rmsNormRow(residual, uploaded.norms[i], normEpsilon), rule);
    residual = tf.add(residual, step.out);
    return step.next;
  });
  const logits = linear(rmsNormRow(residual, uploaded.normF, normEpsilon), uploaded.head);
  return { logits, next };
}

/** modelStep inside a tidy: only the logits and the next state outlive it. */
function tidyStep(uploaded: UploadedModel, state: LayerState[], id: number, rule: BRule): { logits: tf.Tensor2D; next: LayerState[] } {
  const kept = tf.tidy(() => {
    const { logits, next } = modelStep(uploaded, state, id, rule);
    return [logits, ...next.flatMap((layer) => [layer.window, layer.h])];
  });
  const [logits, ...rest] = kept as tf.Tensor2D[];
  return { logits, next: state.map((_layer, i) => ({ window: rest[2 * i], h: rest[2 * i + 1] })) };
}

/** The state of `from` (host memory), or zeros, as tensors. */
function uploadState(uploaded: UploadedModel, from?: LmState): LayerState[] {
  const { dInner, dState, convWidth } = uploaded.model.config;
  return uploaded.model.layers.map((_layer, i) => ({
    window: from ? tf.tensor2d(Float32Array.from(from[i].convWindow), [convWidth - 1, dInner]) : tf.zeros([convWidth - 1, dInner]),
    h: from ? tf.tensor2d(Float32Array.from(from[i].h), [dInner, dState]) : tf.zeros([dInner, dState]),
  }));
}

function disposeState(state: LayerState[]): void {
  state.forEach((layer) => tf.dispose([layer.window, layer.h]));
}

/** A decoder's state on one backend; calls are made one after another. */
export interface LiveDecodeState {
  /** Reads token `id` (checked); resolves to the logits for the next one. */
  step(id: number): Promise<Float32Array>;
  read(): Promise<LmState>;
  dispose(): void;
}

/**
 * Where a decoder's state lives: `key` is the upload it steps on (a new one after a lost GPU or an
 * evicted upload), `open` makes a state there from `start` (zeros when undefined) after `position` tokens.
 */
export interface DecodeHost {
  readonly key: object;
  readonly model: MambaModel;
  open(start: LmState | undefined, position: number): LiveDecodeState;
}

/** Decoding with tfjs ops on an uploaded model (any tfjs backend): the state is a list of tensors. */
export function tensorDecodeHost(uploaded: UploadedModel, rule: BRule): DecodeHost {
  return {
    key: uploaded,
    model: uploaded.model,
    open(start) {
      let layers = uploadState(uploaded, start);
      return {
        async step(id) {
          checkTokenIds([[id]], uploaded.model.config.vocabSize);
          const { logits, next } = tidyStep(uploaded, layers, id, rule);
          disposeState(layers);
          layers = next;
          try {
            return (await logits.data()) as Float32Array;
          } finally {
            logits.dispose();
          }
        },
        read: () => Promise.all(layers.map(async (layer) => ({ convWindow: Float64Array.from(await layer.window.data()), h: Float64Array.from(await layer.h.data()) }))),
        dispose: () => disposeState(layers),
      };
    },
  };
}

/**
 * A decoder on the GPU engine: `host()` says where its state lives now; `guarded` is the engine's
 * recovery wrapper. It keeps the ids it has read since its start state, so when the host changes
 * (a lost GPU, an evicted upload) it reads them again there and carries on.
 */
export function gpuDecoder(host: () => DecodeHost, guarded: <T>(compute: () => Promise<T>) => Promise<T>): Decoder {
  let start: LmState | undefined;
  let startPosition = 0;
  let history: number[] = [];
  let live: { key: object; state: LiveDecodeState } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const close = () => {
    try {
      live?.state.dispose();
    } catch {
      // its backend went away with a lost GPU, and its memory with it
    }
    live = undefined;
  };

  /** The live state after `history` on the current host. */
  const current = async (): Promise<LiveDecodeState> => {
    const now = host();
    if (live?.key !== now.key) {
      close();
      const state = now.open(start, startPosition);
      for (const id of history) await state.step(id);
      live = { key: now.key, state };
    }
    return live.state;
  };

  const inOrder = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work, work);
    queue = result.catch(() => {});
    return result;
  };

  return {
    step: (id) =>
      inOrder(() =>
        guarded(async () => {
          const logits = await (await current()).step(id);
          history.push(id);
          return logits;
        }),
      ),
    get position() {
      return startPosition + history.length;
    },
    state: () => inOrder(() => guarded(async () => (await current()).read())),
    reset(from, position = 0) {
      if (from) checkStateShape(host().model, from);
      // After any step in flight, which still reads the old state.
      void inOrder(async () => {
        close();
        start = from;
        startPosition = position;
        history = [];
      });
    },
    dispose() {
      void inOrder(async () => {
        close();
        history = [];
      });
    },
  };
}
