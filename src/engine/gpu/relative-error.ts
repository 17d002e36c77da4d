/**
 * The error measure of the golden README: max |a − b| / max(1, max |b|), with `b` the reference.
 * A NaN or infinite value anywhere gives Infinity, so a broken kernel can never pass a check.
 */
export function maxRelativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) return Infinity;
  let maxDifference = 0;
  let maxReference = 1;
  for (let i = 0; i < reference.length; i++) {
    const difference = Math.abs(actual[i] - reference[i]);
    if (!Number.isFinite(difference)) return Infinity;
    maxDifference = Math.max(maxDifference, difference);
    maxReference = Math.max(maxReference, Math.abs(reference[i]));
  }
  return maxDifference / maxReference;
}
