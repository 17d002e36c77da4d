/**
 * Scans of the linear recurrence h_t = a_t h_{t−1} + b_t (src/math.md#parallel-scan) as prefix combinations of
 * pairs under the associative, non-commutative operator
 *   (a₁, b₁) • (a₂, b₂) = (a₁a₂, a₂b₁ + b₂),   identity (1, 0),
 * where the left operand is the earlier one; h_t is the b of the inclusive prefix (a_0, b_0) • … • (a_t, b_t).
 * Each algorithm is written once and can record a trace of its rounds for the chapter that animates them:
 * the pairs after every round, which pairs were combined, the work (number of • applications, or of
 * multiply-add terms in the chunked quadratic form) and the depth (number of rounds).
 */

/** Pairs (a_t, b_t), both (length). */
export interface ScanPairs {
  a: Float64Array;
  b: Float64Array;
}

/** One combination of a round: pair `target` becomes pair `source` • pair `target` (source is earlier). */
export interface Combination {
  target: number;
  source: number;
}

export interface ScanRound {
  phase: string;
  /** The pairs after this round (length). */
  pairs: ScanPairs;
  combined: Combination[];
}

export interface ScanTrace {
  algorithm: ScanAlgorithm;
  rounds: ScanRound[];
  work: number;
  depth: number;
  /** h_t for every t (length). */
  states: Float64Array;
}

export type ScanAlgorithm = "sequential" | "hillis-steele" | "blelloch" | "chunked";

export const SCAN_ALGORITHMS: readonly ScanAlgorithm[] = ["sequential", "hillis-steele", "blelloch", "chunked"];

/** (a₁, b₁) • (a₂, b₂) as [a, b]. */
export function combinePairs(a1: number, b1: number, a2: number, b2: number): [number, number] {
  return [a1 * a2, a2 * b1 + b2];
}

/** Counts work and, when tracing, snapshots the pairs after each round. */
class Recorder {
  readonly rounds: ScanRound[] = [];
  work = 0;
  depth = 0;
  private pending: Combination[] = [];
  constructor(private readonly tracing: boolean) {}

  /** pairs[target] ← pairs[source] • pairs[target]. */
  combineInto(pairs: ScanPairs, target: number, source: number, from: ScanPairs = pairs): void {
    [pairs.a[target], pairs.b[target]] = combinePairs(from.a[source], from.b[source], from.a[target], from.b[target]);
    this.count(1, target, source);
  }

  count(work: number, target: number, source: number): void {
    this.work += work;
    if (this.tracing) this.pending.push({ target, source });
  }

  endRound(phase: string, pairs: ScanPairs, length: number): void {
    this.depth += 1;
    if (this.tracing) {
      this.rounds.push({ phase, pairs: { a: pairs.a.slice(0, length), b: pairs.b.slice(0, length) }, combined: this.pending });
    }
    this.pending = [];
  }

  finish(algorithm: ScanAlgorithm, pairs: ScanPairs, length: number): ScanTrace {
    return { algorithm, rounds: this.rounds, work: this.work, depth: this.depth, states: pairs.b.slice(0, length) };
  }
}

function copyPairs(a: ArrayLike<number>, b: ArrayLike<number>, size = a.length): ScanPairs {
  if (a.length !== b.length) throw new RangeError(`scan needs a and b of equal length, got ${a.length} and ${b.length}`);
  const pairs = { a: new Float64Array(size).fill(1), b: new Float64Array(size) };
  pairs.a.set(Array.from(a));
  pairs.b.set(Array.from(b));
  return pairs;
}

/** Left to right, one combination per round: L − 1 work, L − 1 depth. */
function sequential(a: ArrayLike<number>, b: ArrayLike<number>, recorder: Recorder): ScanTrace {
  const pairs = copyPairs(a, b);
  for (let t = 1; t < pairs.a.length; t++) {
    recorder.combineInto(pairs, t, t - 1);
    recorder.endRound(`step ${t}`, pairs, pairs.a.length);
  }
  return recorder.finish("sequential", pairs, pairs.a.length);
}

/** Round d: every i ≥ 2^d becomes pair(i − 2^d) • pair(i), all at once: ⌈log₂L⌉ depth, O(L log L) work. */
function hillisSteele(a: ArrayLike<number>, b: ArrayLike<number>, recorder: Recorder): ScanTrace {
  let pairs = copyPairs(a, b);
  const length = pairs.a.length;
  for (let offset = 1; offset < length; offset *= 2) {
    const next = { a: pairs.a.slice(), b: pairs.b.slice() };
    for (let i = offset; i < length; i++) recorder.combineInto(next, i, i - offset, pairs);
    pairs = next;
    recorder.endRound(`offset ${offset}`, pairs, length);
  }
  return recorder.finish("hillis-steele", pairs, length);
}

/**
 * Up-sweep builds subtree totals, down-sweep turns them into exclusive prefixes — keeping the
 * earlier prefix on the left — then one round makes them inclusive. Lengths are padded with the
 * identity (1, 0) to a power of two n: O(n) work, 2·log₂n + 1 depth.
 */
function blelloch(a: ArrayLike<number>, b: ArrayLike<number>, recorder: Recorder): ScanTrace {
  const length = a.length;
  let size = 1;
  while (size < length) size *= 2;
  const pairs = copyPairs(a, b, size);
  for (let half = 1; half < size; half *= 2) {
    for (let i = 2 * half - 1; i < size; i += 2 * half) recorder.combineInto(pairs, i, i - half);
    recorder.endRound(`up-sweep ${half}`, pairs, length);
  }
  pairs.a[size - 1] = 1;
  pairs.b[size - 1] = 0;
  for (let half = size / 2; half >= 1; half /= 2) {
    for (let i = 2 * half - 1; i < size; i += 2 * half) {
      const leftA = pairs.a[i - half];
      const leftB = pairs.b[i - half];
      pairs.a[i - half] = pairs.a[i];
      pairs.b[i - half] = pairs.b[i];
      // The prefix before the left subtree comes first, then the left subtree's total.
      [pairs.a[i], pairs.b[i]] = combinePairs(pairs.a[i], pairs.b[i], leftA, leftB);
      recorder.count(1, i, i - half);
    }
    recorder.endRound(`down-sweep ${half}`, pairs, length);
  }
  const original = copyPairs(a, b);
  for (let t = 0; t < length; t++) {
    [pairs.a[t], pairs.b[t]] = combinePairs(pairs.a[t], pairs.b[t], original.a[t], original.b[t]);
    recorder.count(1, t, t);
  }
  recorder.endRound("inclusive", pairs, length);
  return recorder.finish("blelloch", pairs, length);
}

/**
 * Mamba-2 style: within each chunk of `chunkSize` a quadratic form gives the chunk-local prefixes
 * h_l = Σ_{s≤l} (Π_{s<k≤l} a_k) b_s; a recurrence across chunk ends carries the state; a fix-up adds
 * (Π_{start≤k≤l} a_k) · (state entering the chunk) to every element.
 */
function chunked(a: ArrayLike<number>, b: ArrayLike<number>, recorder: Recorder, chunkSize: number): ScanTrace {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
  const input = copyPairs(a, b);
  const length = input.a.length;
  const pairs = copyPairs(a, b);
  for (let start = 0; start < length; start += chunkSize) {
    const end = Math.min(start + chunkSize, length);
    for (let l = start; l < end; l++) {
      let decay = 1;
      let state = 0;
      for (let s = l; s >= start; s--) {
        state += decay * input.b[s];
        decay *= input.a[s];
        recorder.count(1, l, s);
      }
      pairs.a[l] = decay;
      pairs.b[l] = state;
    }
  }
  recorder.endRound("within chunks", pairs, length);
  for (let end = 2 * chunkSize - 1; end - chunkSize < length - 1; end += chunkSize) {
    const last = Math.min(end, length - 1);
    recorder.combineInto(pairs, last, last - (last % chunkSize) - 1);
    recorder.endRound(`across chunks → ${last}`, pairs, length);
  }
  const combined = { a: pairs.a.slice(), b: pairs.b.slice() };
  for (let l = chunkSize; l < length; l++) {
    if (l % chunkSize === chunkSize - 1 || l === length - 1) continue;
    recorder.combineInto(combined, l, l - (l % chunkSize) - 1, pairs);
  }
  recorder.endRound("fix-up", combined, length);
  return recorder.finish("chunked", combined, length);
}

/** The trace of `algorithm` on pairs (a, b); `chunkSize` is used by "chunked" only (default 4). */
export function traceScan(algorithm: ScanAlgorithm, a: ArrayLike<number>, b: ArrayLike<number>, chunkSize = 4): ScanTrace {
  return runAlgorithm(algorithm, a, b, new Recorder(true), chunkSize);
}

/** h_t for every t by `algorithm`, without keeping the rounds. */
export function scan(algorithm: ScanAlgorithm, a: ArrayLike<number>, b: ArrayLike<number>, chunkSize = 4): Float64Array {
  return runAlgorithm(algorithm, a, b, new Recorder(false), chunkSize).states;
}

function runAlgorithm(algorithm: ScanAlgorithm, a: ArrayLike<number>, b: ArrayLike<number>, recorder: Recorder, chunkSize: number): ScanTrace {
  switch (algorithm) {
    case "sequential":
      return sequential(a, b, recorder);
    case "hillis-steele":
      return hillisSteele(a, b, recorder);
    case "blelloch":
      return blelloch(a, b, recorder);
    case "chunked":
      return chunked(a, b, recorder, chunkSize);
  }
}
