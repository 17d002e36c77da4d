/**
 * One generator per sequence, so that sequence i of a seed can be rebuilt alone (the one-sequence
 * views of /memory) and the same sequences can be drawn in Node, in the browser and in Python
 * (train/memory_sequences.py holds the same arithmetic; test/unit/memory-tasks.test.ts compares them).
 *
 *   seedOfSequence(seed, i) = the (i + 1)-th draw of createRandom(seed).integer(2³²)
 *
 * and sequence i draws everything from createRandom(seedOfSequence(seed, i)).
 */
import { check } from "../errors.js";
import { createRandom, type Random } from "../random.js";

const TWO_TO_32 = 4294967296;

/** The seeds of sequences 0 … count − 1 of `seed`. */
export function sequenceSeeds(seed: number, count: number): number[] {
  check(Number.isSafeInteger(seed), `the seed must be an integer, got ${seed}`);
  check(Number.isInteger(count) && count >= 1, `the number of sequences must be a positive integer, got ${count}`);
  const master = createRandom(seed);
  return Array.from({ length: count }, () => master.integer(TWO_TO_32));
}

/** The generator of sequence `index` of `seed`. */
export function sequenceRandom(seed: number, index: number): Random {
  check(Number.isInteger(index) && index >= 0, `the sequence index must be a non-negative integer, got ${index}`);
  return createRandom(sequenceSeeds(seed, index + 1)[index]);
}
