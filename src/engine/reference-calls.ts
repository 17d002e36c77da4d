/**
 * A count of the float64 reference's block forwards in this JavaScript realm (a page or a worker). On a
 * page whose runs are computed on the GPU, only the verifier may compute them again in float64
 * (docs/architecture.md); the browser tests read this count to hold the pages to that.
 */
let calls = 0;

/** Counts one float64 block forward (mambaBlockForward calls it; a model forward counts once per layer). */
export function countReferenceCall(): void {
  calls++;
}

/** Block forwards computed by the float64 reference in this realm so far. */
export function referenceCalls(): number {
  return calls;
}
