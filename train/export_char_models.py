"""Turns what train/run-char-lm.sh brought back into the folders the site serves, on any machine with PyTorch:

    python3 train/export_char_models.py RUN_DIR      # RUN_DIR/{selective,lti}/ unpacked from char-*.tar

For each variant, into data/models/char-<variant>/:
  - model.safetensors: the best-by-validation weights, already rounded to float16 on the GPU host, stored as F16
    (lossless) under HF's key names, without the tied head;
  - config.json: as `save_pretrained` wrote it; training-log.jsonl: the run's log; curves.svg: the loss curves;
and test/fixtures/char-lm/<variant>.json: the logits of transformers' MambaForCausalLM in float64 for three fixed
prompts (the engine must match them to 1e-4 relative, test/unit/char-lm.test.ts), plus PyTorch's bits per
character on the first 20,000 test characters in float64.
"""
import json
import os
import shutil
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import MambaForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_lm import LOG2E, encode, fast_forward, load_tokenizer  # noqa: E402
from selective_scan import selective_scan_reference  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPTS = ["The quick brown fox jumps over the lazy dog.", "Mr. Speaker, members of the Congress:", "Call me Ishmael. Some years ago"]


def export_weights(final_dir, out_dir):
    weights = load_file(os.path.join(final_dir, "model.safetensors"))
    half = {k: v.half().contiguous() for k, v in weights.items() if k != "lm_head.weight"}
    assert all(torch.equal(half[k].float(), weights[k]) for k in half), "weights were not rounded to float16 on the host"
    save_file(half, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    shutil.copy(os.path.join(final_dir, "config.json"), os.path.join(out_dir, "config.json"))


def plot_curves(log_path, svg_path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    entries = [json.loads(line) for line in open(log_path, encoding="utf-8")]
    train = [(e["step"], e["train_bpc"]) for e in entries if "train_bpc" in e]
    valid = [(e["step"], e["validation_bpc_sample"]) for e in entries if "validation_bpc_sample" in e]
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    ax.plot(*zip(*train), lw=1, label="training batches (dropout on)")
    ax.plot(*zip(*valid), "o-", ms=3, lw=1.5, label="validation sample")
    ax.set_xlabel("step (128 × 256 characters)")
    ax.set_ylabel("bits per character")
    ax.set_ylim(1.3, 3.0)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(svg_path, metadata={"Date": None})
    plt.close(fig)


def fixtures(out_dir, corpus_dir):
    ids, unknown, _ = load_tokenizer(os.path.join(out_dir, "tokenizer.json"))
    model = MambaForCausalLM.from_pretrained(out_dir, dtype=torch.float64).eval()
    cases = []
    with torch.no_grad():
        for prompt in PROMPTS:
            tokens = encode(prompt, ids, unknown)
            logits = model(tokens[None]).logits[0]
            cases.append({"prompt": prompt, "ids": tokens.tolist(), "logits": {"shape": list(logits.shape), "data": logits.flatten().tolist()}})
        test = open(os.path.join(corpus_dir, "test.txt"), encoding="utf-8").read()[:20_000]
        slice_ids = torch.cat([torch.tensor([ids["\n"]]), encode(test, ids, unknown)])[None]
        bpc = {name: F.cross_entropy(logits[0], slice_ids[0, 1:], reduction="sum").item() * LOG2E / 20_000
               for name, logits in (("transformers", model(slice_ids[:, :-1]).logits),
                                    ("float64", fast_forward(model, slice_ids[:, :-1], scan=selective_scan_reference)))}
    return {"source": "transformers MambaForCausalLM.from_pretrained(dtype=float64) on the CPU; it runs the scan in float32 "
                      "(it casts A_log, D and the Δ bias with .float()), so its logits are float32-accurate",
            "transformers": __import__("transformers").__version__, "torch": torch.__version__, "prompts": cases,
            "test_first_20000": {"characters": 20_000, "bits_per_character": bpc,
                                 "note": "float64: train/char_lm.py fast_forward with the float64 loop scan, the same function in float64 throughout"}}


def main():
    run_dir = sys.argv[1]
    fixtures_dir = os.path.join(ROOT, "test/fixtures/char-lm")
    os.makedirs(fixtures_dir, exist_ok=True)
    for variant in ("selective", "lti"):
        out_dir = os.path.join(ROOT, "data/models", f"char-{variant}")
        source = os.path.join(run_dir, variant)
        export_weights(os.path.join(source, "final"), out_dir)
        shutil.copy(os.path.join(source, "log.jsonl"), os.path.join(out_dir, "training-log.jsonl"))
        plot_curves(os.path.join(source, "log.jsonl"), os.path.join(out_dir, "curves.svg"), f"char-{variant}: bits per character while training")
        with open(os.path.join(fixtures_dir, f"{variant}.json"), "w", encoding="utf-8") as f:
            json.dump(fixtures(out_dir, os.path.join(ROOT, "data/corpus/prose")), f)
        print(f"char-{variant}: exported")


if __name__ == "__main__":
    main()
