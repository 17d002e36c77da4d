"""The test sequences of chapter 7's tasks, drawn exactly as src/engine/tasks/ draws them (numpy only).

The site evaluates with `npm run --silent mamba -- eval --task induction-heads|mqar --seed S`, which draws its
sequences from the project's seeded generator (src/engine/random.ts: xoshiro128** seeded through splitmix32).
This module repeats that arithmetic in Python, so the GPU host scores the committed models on the very sequences
the CLI and the page draw for the same seed; test/unit/memory-tasks.test.ts checks it against a fixture this
module writes (`python3 train/memory_sequences.py --fixture FILE`).

Sequence i of a seed draws from its own generator, seeded by the (i + 1)-th draw integer(2³²) of the seed's
generator (sequence-seeds.ts); the streams of a batch advance together, one numpy operation per draw for all
sequences. Training batches are drawn elsewhere (train/memory_tasks.py, torch.randint): the same distribution,
other sequences.
"""
import argparse
import json

import numpy as np

MASK = 0xFFFFFFFF
GOLDEN = 0x9E3779B9


def _imul(a, b):
    """Math.imul on uint32 values (Python ints or uint64 arrays): the low 32 bits of the product."""
    return (a * b) & MASK


def _seed_state(seed):
    """random.ts seedState: splitmix32 turns one integer seed into xoshiro's four non-zero words."""
    s = ((seed % 2**32) ^ GOLDEN) & MASK
    state = []
    for _ in range(4):
        s = (s + GOLDEN) & MASK
        z = _imul(s ^ (s >> 16), 0x85EBCA6B)
        z = _imul(z ^ (z >> 13), 0xC2B2AE35)
        state.append((z ^ (z >> 16)) & MASK)
    if not any(state):
        state[0] = 1
    return state


class Streams:
    """createRandom(seed) for every seed of `seeds` at once; `integer(n)` draws one value per stream."""

    def __init__(self, seeds):
        words = np.array([_seed_state(int(s)) for s in seeds], dtype=np.uint64)
        self.s0, self.s1, self.s2, self.s3 = (words[:, k].copy() for k in range(4))

    def _next32(self):
        rotated = _imul(self.s1, 5)
        rotated = ((rotated << np.uint64(7)) | (rotated >> np.uint64(25))) & np.uint64(MASK)
        result = _imul(rotated, 9)
        shifted = (self.s1 << np.uint64(9)) & np.uint64(MASK)
        self.s2 ^= self.s0
        self.s3 ^= self.s1
        self.s1 ^= self.s2
        self.s0 ^= self.s3
        self.s2 ^= shifted
        self.s3 = ((self.s3 << np.uint64(11)) | (self.s3 >> np.uint64(21))) & np.uint64(MASK)
        return result

    def uniform(self):
        """53 random bits in [0, 1), as random.ts: ((a >>> 5) · 2²⁶ + (b >>> 6)) / 2⁵³."""
        a = self._next32() >> np.uint64(5)
        b = self._next32() >> np.uint64(6)
        return (a * np.uint64(67108864) + b).astype(np.float64) / 9007199254740992.0

    def integer(self, n):
        """floor(uniform() · n) for every stream; n a number or one per stream."""
        return np.floor(self.uniform() * n).astype(np.int64)


def sequence_seeds(seed, count):
    """sequence-seeds.ts sequenceSeeds: the seeds of sequences 0 … count − 1 of `seed`."""
    master = Streams([seed])
    return [int(master.integer(2**32)[0]) for _ in range(count)]


def induction_heads(length, count, seed, data_vocab=15, trigger=15):
    """induction-heads.ts generateInductionHeads → (ids (count, length) int64, answers (count,), trigger positions (count,))."""
    assert length >= 4
    streams = Streams(sequence_seeds(seed, count))
    positions = streams.integer(length - 2)
    ids = np.empty((count, length), dtype=np.int64)
    for t in range(length - 1):
        ids[:, t] = streams.integer(data_vocab)
    rows = np.arange(count)
    ids[rows, positions] = trigger
    ids[:, length - 1] = trigger
    return ids, ids[rows, positions + 1].copy(), positions


def mqar(pairs, count, seed, key_vocab=64, value_vocab=64, first_key=0, first_value=64):
    """mqar.ts generateMqar → (ids (count, 3·pairs) int64, answers (count, pairs) int64); queries at 2P … 3P − 1."""
    assert 1 <= pairs <= key_vocab
    streams = Streams(sequence_seeds(seed, count))
    rows = np.arange(count)
    pool = np.tile(np.arange(key_vocab, dtype=np.int64), (count, 1))
    for j in range(pairs):
        pick = j + streams.integer(key_vocab - j)
        pool[rows, j], pool[rows, pick] = pool[rows, pick].copy(), pool[rows, j].copy()
    values = np.stack([streams.integer(value_vocab) for _ in range(pairs)], axis=1)
    order = np.tile(np.arange(pairs, dtype=np.int64), (count, 1))
    for j in range(pairs):
        pick = j + streams.integer(pairs - j)
        order[rows, j], order[rows, pick] = order[rows, pick].copy(), order[rows, j].copy()
    keys = pool[:, :pairs]
    ids = np.empty((count, 3 * pairs), dtype=np.int64)
    ids[:, 0:2 * pairs:2] = first_key + keys
    ids[:, 1:2 * pairs:2] = first_value + values
    ids[:, 2 * pairs:] = first_key + np.take_along_axis(keys, order, axis=1)
    return ids, first_value + np.take_along_axis(values, order, axis=1)


def fixture():
    """What test/unit/memory-tasks.test.ts compares with the TypeScript generators."""
    ids, answers, positions = induction_heads(40, 3, 7)
    long_ids, long_answers, long_positions = induction_heads(4096, 2, -12345)
    m_ids, m_answers = mqar(5, 3, 11)
    return {
        "sequenceSeeds": {"seed": 2024, "seeds": sequence_seeds(2024, 4)},
        "inductionHeads": {"length": 40, "count": 3, "seed": 7, "ids": ids.tolist(), "answers": answers.tolist(), "triggerPositions": positions.tolist()},
        "inductionHeadsLong": {"length": 4096, "count": 2, "seed": -12345, "answers": long_answers.tolist(), "triggerPositions": long_positions.tolist(),
                               "sums": long_ids.sum(axis=1).tolist(), "last16": long_ids[:, -16:].tolist()},
        "mqar": {"pairs": 5, "count": 3, "seed": 11, "ids": m_ids.tolist(), "answers": m_answers.tolist()},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, help="where to write the JSON fixture")
    args = parser.parse_args()
    with open(args.fixture, "w", encoding="utf-8") as f:
        json.dump(fixture(), f)
        f.write("\n")
