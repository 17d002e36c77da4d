"""Trains the site's character-level Mamba language models on the Brown Corpus (docs/training.md).

The model is `transformers`' MambaForCausalLM, so `save_pretrained`'s layout is what we ship and
`MambaForCausalLM.from_pretrained` loads it unchanged. Training does not call its forward, which loops over
tokens in Python without the `mamba_ssm` extension; `fast_forward` computes the same function from the same
parameters with a Triton selective scan (selective_scan.py). `check_fast_forward` holds the two to 1e-5 at
the start of every run.

    h ← Embedding[ids];  for every layer: h ← h + Mixer(RMSNorm(h));  logits = RMSNorm_f(h) · Embeddingᵀ
    Mixer(v): [x | z] = in_proj(v);  u = SiLU(conv1d(x));  [δ | B | C] = x_proj(u);  Δ = softplus(dt_proj(δ))
              y = scan(u, Δ, A = −exp(A_log), B, C) + D·u;  out_proj(y ⊙ SiLU(z))      (src/math.md#block)

The LTI twin (`--variant lti`) is the same model with channel 0 of every layer frozen into a constant that
x_proj alone reads, so Δ, B and C are learned constants (make_lti). Usage:

    python3 train/char_lm.py --variant selective --out OUT_DIR [--steps N] [--resume]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import MambaConfig, MambaForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selective_scan import selective_scan, selective_scan_reference  # noqa: E402

SEED = 20261201
LOG2E = 1 / math.log(2)


# ---------------------------------------------------------------------------------------------- tokenizer
def load_tokenizer(path):
    """tokenizer.json (src/engine/char-tokenizer.ts) → (character → id, unknown id)."""
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    assert spec["type"] == "characters" and spec["version"] == 1, f"{path}: not a character tokenizer"
    unknown = spec["vocab"].index(spec["unknown"])
    return {c: i for i, c in enumerate(spec["vocab"]) if i != unknown}, unknown, spec


def encode(text, ids, unknown):
    """Characters → ids. The corpus is already normalised (scripts/build-corpus.ts), so no replacements here."""
    return torch.tensor([ids.get(c, unknown) for c in text], dtype=torch.long)


# ------------------------------------------------------------------------------------------------- model
def model_config(vocab_size, d_model=256, layers=4, d_state=16):
    """HF MambaConfig of the site's character models: d_inner = 2·d_model, dt_rank = d_model/16, conv 4, tied head."""
    return MambaConfig(vocab_size=vocab_size, hidden_size=d_model, state_size=d_state, num_hidden_layers=layers,
                       expand=2, conv_kernel=4, time_step_rank=math.ceil(d_model / 16), use_bias=False,
                       use_conv_bias=True, layer_norm_epsilon=1e-5, tie_word_embeddings=True,
                       pad_token_id=0, bos_token_id=1, eos_token_id=1)


def mixer_forward(mixer, v, scan=selective_scan):
    """One Mamba mixer on v (batch, L, d_model), token-major throughout; same function as HF's MambaMixer."""
    length = v.shape[1]
    x, z = mixer.in_proj(v).chunk(2, dim=-1)                                     # (batch, L, Di) each
    x = F.conv1d(x.transpose(1, 2), mixer.conv1d.weight, mixer.conv1d.bias,
                 padding=mixer.conv_kernel_size - 1, groups=x.shape[-1])[..., :length]
    u = F.silu(x).transpose(1, 2)                                                # (batch, L, Di)
    dt, B, C = torch.split(mixer.x_proj(u), [mixer.time_step_rank, mixer.ssm_state_size, mixer.ssm_state_size], dim=-1)
    delta = F.softplus(mixer.dt_proj(dt))                                        # (batch, L, Di)
    A = -torch.exp(mixer.A_log.float())                                          # (Di, N)
    y = scan(u.contiguous(), delta.contiguous(), A, B.contiguous(), C.contiguous()) + u * mixer.D
    return mixer.out_proj(y * F.silu(z))


def fast_forward(model, ids, scan=selective_scan, dropout=0.0):
    """Logits (batch, L, vocab) of MambaForCausalLM `model` for ids (batch, L).

    `dropout` (training only) drops embedding features and each mixer's output before the residual sum: a
    regulariser of training alone, the model it leaves is a plain MambaForCausalLM."""
    backbone = model.backbone
    drop = lambda v: F.dropout(v, dropout, training=model.training and dropout > 0)  # noqa: E731
    h = drop(backbone.embeddings(ids))
    for layer in backbone.layers:
        h = h + drop(mixer_forward(layer.mixer, layer.norm(h), scan))
    return model.lm_head(backbone.norm_f(h))


def check_fast_forward(device, vocab_size, log):
    """fast_forward vs transformers' own forward (its reference path) on a fresh model: max relative difference ≤ 1e-5."""
    torch.manual_seed(0)
    model = MambaForCausalLM(model_config(vocab_size, d_model=64, layers=2)).to(device).eval()
    ids = torch.randint(0, vocab_size, (2, 97), device=device)
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.no_grad():
        ours, theirs = fast_forward(model, ids), model(ids).logits
    torch.backends.cuda.matmul.allow_tf32 = tf32
    relative = ((ours - theirs).abs().max() / theirs.abs().max().clamp(min=1)).item()
    log({"check": "fast_forward vs transformers MambaForCausalLM", "max_relative_difference": relative})
    assert relative <= 1e-5, f"fast_forward differs from transformers by {relative:.2e}"
    # The kernel's backward pass against autograd through the plain loop, float64 reference.
    args = [torch.randn(2, 33, 48, device=device, dtype=torch.float64), F.softplus(torch.randn(2, 33, 48, device=device, dtype=torch.float64)),
            -torch.exp(torch.randn(48, 16, device=device, dtype=torch.float64)), torch.randn(2, 33, 16, device=device, dtype=torch.float64),
            torch.randn(2, 33, 16, device=device, dtype=torch.float64)]
    ref_in = [a.clone().requires_grad_() for a in args]
    our_in = [a.float().clone().requires_grad_() for a in args]
    weights = torch.randn(2, 33, 48, device=device, dtype=torch.float64)
    (selective_scan_reference(*ref_in) * weights).sum().backward()
    (selective_scan(*our_in) * weights.float()).sum().backward()
    worst = max(((o.grad.double() - r.grad).abs().max() / r.grad.abs().max().clamp(min=1)).item() for o, r in zip(our_in, ref_in))
    log({"check": "Triton scan gradients vs float64 autograd", "max_relative_difference": worst})
    assert worst <= 1e-4, f"scan gradients differ by {worst:.2e}"


# ----------------------------------------------------------------------------------------------- LTI twin
def make_lti(model):
    """Puts a freshly initialised model in LTI form, in place (as src/cli/training/lti.ts does for chapter 4).

    Channel 0 of every layer carries the constant SiLU(1): in_proj row 0 and conv weights 0, conv bias 1.
    x_proj reads only channel 0 (its other columns 0, column 0 scaled by √Di so B and C start at the selective
    model's scale), so [δ | B | C] and hence Δ are the same at every token; out_proj's column 0 is 0.
    Returns {parameter: (trainable mask, frozen values)}; `restore_frozen` re-imposes them after each step.
    """
    frozen = {}
    with torch.no_grad():
        for layer in model.backbone.layers:
            m = layer.mixer
            di = m.intermediate_size
            masks = {p: torch.ones_like(p) for p in (m.in_proj.weight, m.conv1d.weight, m.conv1d.bias, m.x_proj.weight, m.out_proj.weight)}
            masks[m.in_proj.weight][0] = 0
            masks[m.conv1d.weight][0] = 0
            masks[m.conv1d.bias][0] = 0
            masks[m.out_proj.weight][:, 0] = 0
            masks[m.x_proj.weight][:, 1:] = 0
            m.x_proj.weight[:, 0] *= math.sqrt(di)
            m.in_proj.weight[0] = 0
            m.conv1d.weight[0] = 0
            m.conv1d.bias[0] = 1
            m.out_proj.weight[:, 0] = 0
            m.x_proj.weight[:, 1:] = 0
            for p, mask in masks.items():
                frozen[p] = (mask, p.detach().clone())
    return frozen


def restore_frozen(frozen):
    with torch.no_grad():
        for p, (mask, values) in frozen.items():
            p.copy_(torch.where(mask.bool(), p, values))


# ------------------------------------------------------------------------------------------------ training
def bits_per_character(model, tokens, start_id, device):
    """Bits per character of `tokens` (T,) read as one text from its start, a newline before it standing for the start
    of a document: −Σ_t log₂ p(c_t | newline, c_<t) / T. One sequence: the state runs through everything.
    A batch (pieces, T) is read as independent texts and averaged over all their characters."""
    pieces = tokens.view(1, -1) if tokens.ndim == 1 else tokens
    ids = torch.cat([torch.full((pieces.shape[0], 1), start_id), pieces], dim=1).to(device)
    with torch.no_grad():
        logits = fast_forward(model, ids[:, :-1])
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), ids[:, 1:].reshape(-1), reduction="sum").item()
    return nll * LOG2E / pieces.numel()


def parameter_groups(model, weight_decay):
    """AdamW groups: decay on the linear and conv weights, none on embeddings, norms, biases, A_log, D."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim >= 2 and "embeddings" not in name else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def learning_rate(step, steps, peak, warmup):
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def validate(model, validation, newline, device, step, best, out, log):
    """Bits per character on the validation pieces; keeps the best weights in out/best."""
    model.eval()
    bpc = bits_per_character(model, validation, newline, device)
    model.train()
    if bpc < best["validation_bpc"]:
        best = {"validation_bpc": bpc, "step": step}
        model.save_pretrained(os.path.join(out, "best"), safe_serialization=True)
    log({"step": step, "validation_bpc_sample": bpc, "best": best})
    return best


def save_state(out, model, optimizer, step, best, generator):
    state = {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    save_file(state, os.path.join(out, "last-f32.safetensors"))
    torch.save({"optimizer": optimizer.state_dict(), "step": step, "best": best, "generator": generator.get_state()},
               os.path.join(out, "optimizer.pt"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=["selective", "lti"], required=True)
    parser.add_argument("--corpus", default="data/corpus/prose")
    parser.add_argument("--tokenizer", default="data/models/char-selective/tokenizer.json")
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=0, help="0: as many as --max-minutes allows at the rate of the first 50 steps (logged)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--max-minutes", type=float, default=6.0, help="training time; with --steps N, stop early (logged) if it runs out")
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "log.jsonl")
    log_file = open(log_path, "a", encoding="utf-8")
    started = time.time()

    def log(entry):
        entry = {"elapsed_s": round(time.time() - started, 2), **entry}
        log_file.write(json.dumps(entry) + "\n")
        log_file.flush()
        print(json.dumps(entry), flush=True)

    ids, unknown, _ = load_tokenizer(args.tokenizer)
    vocab_size = len(ids) + 1
    newline = ids["\n"]
    splits = {name: encode(open(os.path.join(args.corpus, f"{name}.txt"), encoding="utf-8").read(), ids, unknown)
              for name in ("train", "validation", "test")}
    log({"event": "start", "args": vars(args), "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
         "torch": torch.__version__, "transformers": __import__("transformers").__version__, "triton": __import__("triton").__version__,
         "characters": {k: v.numel() for k, v in splits.items()}})
    check_fast_forward(device, vocab_size, log)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    torch.manual_seed(args.seed)
    config = model_config(vocab_size, d_model=args.d_model, layers=args.layers)
    model = MambaForCausalLM(config).to(device)
    frozen = make_lti(model) if args.variant == "lti" else {}
    log({"event": "model", "parameters": sum(p.numel() for p in model.parameters()),
         "trainable": sum(p.numel() for p in model.parameters()) - sum(int((m == 0).sum()) for m, _ in frozen.values())})
    optimizer = torch.optim.AdamW(parameter_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    generator = torch.Generator().manual_seed(args.seed)
    train = splits["train"].to(device)
    # Early stopping reads 4 pieces of 75,000 characters spread over the validation split (all three sources).
    piece = min(75_000, len(splits["validation"]) // 4)
    validation = torch.stack([splits["validation"][i * len(splits["validation"]) // 4:][:piece] for i in range(4)])
    step, best = 0, {"validation_bpc": float("inf"), "step": -1}
    if args.resume and os.path.exists(os.path.join(args.out, "optimizer.pt")):
        model.load_state_dict(load_file(os.path.join(args.out, "last-f32.safetensors")), strict=False)
        saved = torch.load(os.path.join(args.out, "optimizer.pt"), weights_only=False)
        optimizer.load_state_dict(saved["optimizer"])
        step, best = saved["step"], saved["best"]
        generator.set_state(saved["generator"])
        log({"event": "resumed", "step": step})

    last_save = time.time()
    stopped_early = False
    # With --steps 0 the number of steps is fixed once, from the rate of steps 1–51 (the first step compiles the
    # kernels); the warm-up is longer than that, so the schedule until then does not depend on it.
    steps = args.steps or 10**9
    while step < steps:
        if (time.time() - started) / 60 > args.max_minutes:
            stopped_early = True
            break
        if step == 1:
            rate_from = time.time()
        if not args.steps and step == 51:
            rate = 50 / (time.time() - rate_from)
            steps = int(rate * (args.max_minutes * 60 - (time.time() - started)) * 0.95) + step
            log({"event": "steps", "steps": steps, "steps_per_s": rate})
        lr = learning_rate(step, steps, args.lr, args.warmup)
        for group in optimizer.param_groups:
            group["lr"] = lr
        starts = torch.randint(0, train.numel() - args.length - 1, (args.batch,), generator=generator).to(device)
        window = train[starts[:, None] + torch.arange(args.length + 1, device=device)]
        logits = fast_forward(model, window[:, :-1], dropout=args.dropout)
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), window[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        restore_frozen(frozen)
        step += 1
        if step % 50 == 0 or step == 1:
            log({"step": step, "train_bpc": loss.item() * LOG2E, "lr": lr, "grad_norm": norm.item()})
        if step % args.eval_every == 0:
            best = validate(model, validation, newline, device, step, best, args.out, log)
        if time.time() - last_save > 60:
            save_state(args.out, model, optimizer, step, best, generator)
            last_save = time.time()
    if best["step"] != step and (step % args.eval_every or step == 0):
        best = validate(model, validation, newline, device, step, best, args.out, log)
    save_state(args.out, model, optimizer, step, best, generator)
    log({"event": "trained", "step": step, "stopped_early": stopped_early, "best": best, "wall_s": time.time() - started})

    # The shipped weights: the best checkpoint by validation, rounded to float16, evaluated in float32.
    model = MambaForCausalLM.from_pretrained(os.path.join(args.out, "best")).to(device).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    model.save_pretrained(os.path.join(args.out, "final"), safe_serialization=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    results = {name: bits_per_character(model, splits[name], newline, device) for name in ("validation", "test")}
    # transformers' own forward on the first 20,000 test characters, against ours.
    test_slice = splits["test"][:20_000]
    slice_ids = torch.cat([torch.tensor([newline]), test_slice]).to(device)[None]
    with torch.no_grad():
        theirs = model(slice_ids[:, :-1]).logits[0]
        theirs_bpc = F.cross_entropy(theirs, slice_ids[0, 1:], reduction="sum").item() * LOG2E / test_slice.numel()
    ours_bpc = bits_per_character(model, test_slice, newline, device)
    log({"event": "evaluated", "weights": "float16", "bpc": results, "test_20k": {"fast_forward": ours_bpc, "transformers": theirs_bpc}})


if __name__ == "__main__":
    main()
