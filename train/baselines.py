"""Baselines for the character models' card: a unigram model and an interpolated Kneser–Ney n-gram model over
characters, trained on the train split and scored on the whole test split in bits per character, with the same
convention as the Mamba models (a newline before the text stands for the start of a document; every character,
those outside the vocabulary included as the unknown symbol, is scored). Plain Python, any machine:

    python3 train/baselines.py [--order 6] > data/models/char-selective/baselines.json

Unigram: add-one smoothing over the 97 symbols. Kneser–Ney: interpolated, one discount per order
D_k = n₁ / (n₁ + 2 n₂) from the counts of counts (Chen & Goodman 1999), continuation counts below the top order,
and the uniform distribution over the vocabulary at the bottom.
"""
import argparse
import json
import math
import os
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNKNOWN = "\x00"  # stands for the unknown symbol inside this script


def read_split(name, vocabulary):
    text = open(os.path.join(ROOT, "data/corpus/prose", f"{name}.txt"), encoding="utf-8").read()
    return "".join(c if c in vocabulary else UNKNOWN for c in text)


def unigram_bpc(train, test, symbols):
    counts = Counter(train)
    total = len(train) + symbols
    return -sum(math.log2((counts[c] + 1) / total) for c in test) / len(test)


class KneserNey:
    """Interpolated Kneser–Ney over characters up to `order` (context of order − 1 characters)."""

    def __init__(self, text, order, symbols):
        self.order, self.symbols = order, symbols
        top = Counter(text[i:i + order] for i in range(len(text) - order + 1))
        # Lower orders count contexts by how many distinct characters precede them (continuation counts).
        self.counts = {order: top}
        for k in range(order - 1, 0, -1):
            self.counts[k] = Counter(gram[1:] for gram in self.counts[k + 1])
        self.discount, self.context_total, self.context_types = {}, {}, {}
        for k, grams in self.counts.items():
            of_counts = Counter(grams.values())
            n1, n2 = of_counts[1], of_counts[2]
            self.discount[k] = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
            totals, types = defaultdict(int), defaultdict(int)
            for gram, count in grams.items():
                totals[gram[:-1]] += count
                types[gram[:-1]] += 1
            self.context_total[k], self.context_types[k] = totals, types

    def probability(self, context, character):
        """P(character | context), from the unigram level up to the longest history seen (order − 1 characters)."""
        p = 1.0 / self.symbols
        for k in range(1, min(len(context) + 1, self.order) + 1):   # k-grams: histories of k − 1 characters
            history = context[len(context) - (k - 1):] if k > 1 else ""
            total = self.context_total[k].get(history, 0)
            if total == 0:
                break                                                  # longer histories were not seen either
            d = self.discount[k]
            count = self.counts[k].get(history + character, 0)
            p = max(count - d, 0) / total + d * self.context_types[k][history] / total * p
        return p

    def bits_per_character(self, text, start):
        history = start
        bits = 0.0
        for c in text:
            bits -= math.log2(self.probability(history[-(self.order - 1):], c))
            history = (history + c)[-(self.order - 1):]
        return bits / len(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--order", type=int, default=6)
    args = parser.parse_args()
    spec = json.load(open(os.path.join(ROOT, "data/models/char-selective/tokenizer.json"), encoding="utf-8"))
    vocabulary = set(spec["vocab"]) - {spec["unknown"]}
    symbols = len(spec["vocab"])
    train, test = read_split("train", vocabulary), read_split("test", vocabulary)
    documents_train = "\n" + train  # the start character before the first document, as the models read it
    kn = KneserNey(documents_train, args.order, symbols)
    result = {
        "test_characters": len(test),
        "unigram_add_one": unigram_bpc(train, test, symbols),
        f"kneser_ney_order_{args.order}": kn.bits_per_character(test, "\n"),
        "order": args.order,
        "discounts": kn.discount,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
