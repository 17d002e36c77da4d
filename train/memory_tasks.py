"""Trains and scores chapter 7's models: Induction Heads (Mamba and an attention baseline) and MQAR (Mamba at six state sizes).

    python3 train/memory_tasks.py smoke --out DIR                 checks every piece on small inputs (fails loudly)
    python3 train/memory_tasks.py train --name NAME --out DIR     trains one model of RUNS, scores it, exports it

Models (docs/training.md):
  - Mamba: transformers' MambaForCausalLM, trained through char_lm.fast_forward (the same function, computed with the
    Triton selective scan of selective_scan.py, checked against transformers at the start of `smoke`). Saved with
    save_pretrained, so src/engine/checkpoint.ts loads it.
  - Attention: AttentionLM below, a pre-norm decoder with rotary positions in the parameter layout of transformers'
    LlamaForCausalLM (docs/attention-model.md); src/engine/attention-model.ts computes the same function.

    h ← E[ids];  per layer: h ← h + Attn(RMSNorm(h));  h ← h + W_down(SiLU(W_gate x) ⊙ W_up x), x = RMSNorm(h)
    logits = RMSNorm_f(h) · Eᵀ        Attn: causal softmax(q kᵀ / √d_head) v per head, q and k rotated (RoPE)

Tasks (src/engine/tasks/induction-heads.ts, mqar.ts): training batches are drawn here with torch.randint (the same
distribution, not the same sequences); every score is on the sequences the site's generator draws for a seed
(memory_sequences.py repeats its arithmetic), so `mamba eval --seed S` rescoring the exported weights sees them too.

The loss is cross-entropy at the scored positions only: the last token of an induction sequence, the P queries of an
MQAR sequence.
"""
import argparse
import functools
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_lm import check_fast_forward, fast_forward, learning_rate, model_config  # noqa: E402
from memory_sequences import induction_heads, mqar  # noqa: E402
from selective_scan import selective_scan, selective_scan_reference  # noqa: E402

INDUCTION = {"task": "induction-heads", "dataVocab": 15, "triggerToken": 15, "trainLength": 256}
MQAR = {"task": "mqar", "keyVocab": 64, "valueVocab": 64, "firstKeyToken": 0, "firstValueToken": 64, "maxPairs": 64}
INDUCTION_VOCAB, MQAR_VOCAB = 16, 128
TEST_SEED = 20260101          # every held-out score; `mamba eval --seed 20260101` draws the same sequences
VALIDATION_SEED = 777         # the accuracies logged while training
TEST_LENGTHS = [2**k for k in range(6, 17)]
TEST_PAIRS = [1, 2, 4, 8, 16, 24, 32, 48, 64]

# The runs of chapter 7. The "-b" runs differ from their twins only in the learning rate; of each pair, the one with the
# higher validation accuracy (VALIDATION_SEED, not the test seed; Mamba at 2^12, attention at 256, its training length)
# ships (docs/training.md).
RUNS = {
    "induction-mamba": {"kind": "mamba", "task": "induction-heads", "d_state": 16, "lr": 1e-3, "batch": 64},
    "induction-mamba-b": {"kind": "mamba", "task": "induction-heads", "d_state": 16, "lr": 2e-3, "batch": 64},
    "induction-attention": {"kind": "attention", "task": "induction-heads", "lr": 5e-4, "batch": 64},
    "induction-attention-b": {"kind": "attention", "task": "induction-heads", "lr": 1e-3, "batch": 64},
    **{f"mqar-mamba-n{n}": {"kind": "mamba", "task": "mqar", "d_state": n, "lr": 2e-3, "batch": 128} for n in (1, 2, 4, 8, 16, 32)},
}
D_MODEL, LAYERS = 64, 2
HEADS, D_FF, ROPE_THETA = 4, 128, 10000.0


# --------------------------------------------------------------------------------------------- attention model
class RMSNorm(nn.Module):
    def __init__(self, size, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def linear(d_in, d_out):
    return nn.Linear(d_in, d_out, bias=False)


class AttentionLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff):
        super().__init__()
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(d_model), RMSNorm(d_model)
        self.self_attn = nn.Module()
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            setattr(self.self_attn, name, linear(d_model, d_model))
        self.mlp = nn.Module()
        self.mlp.gate_proj, self.mlp.up_proj, self.mlp.down_proj = linear(d_model, d_ff), linear(d_model, d_ff), linear(d_ff, d_model)
        self.heads = heads


class AttentionLM(nn.Module):
    """Llama's layout (model.embed_tokens, model.layers.{i}.{input_layernorm, self_attn.{q,k,v,o}_proj,
    post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm; head tied to the embedding)."""

    def __init__(self, vocab, d_model=D_MODEL, layers=LAYERS, heads=HEADS, d_ff=D_FF, theta=ROPE_THETA):
        super().__init__()
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(vocab, d_model)
        self.model.layers = nn.ModuleList([AttentionLayer(d_model, heads, d_ff) for _ in range(layers)])
        self.model.norm = RMSNorm(d_model)
        self.theta, self.heads, self.d_model, self.d_ff, self.vocab = theta, heads, d_model, d_ff, vocab
        for p in self.parameters():
            if p.ndim == 2:
                nn.init.normal_(p, std=0.02)

    def config(self, train_length):
        """config.json: what transformers' LlamaConfig reads (docs/attention-model.md)."""
        return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": self.vocab, "hidden_size": self.d_model,
                "intermediate_size": self.d_ff, "num_hidden_layers": len(self.model.layers), "num_attention_heads": self.heads,
                "num_key_value_heads": self.heads, "head_dim": self.d_model // self.heads, "hidden_act": "silu", "rms_norm_eps": 1e-5,
                "rope_theta": self.theta, "rope_parameters": {"rope_type": "default", "rope_theta": self.theta},
                "max_position_embeddings": train_length, "tie_word_embeddings": True, "attention_bias": False, "mlp_bias": False,
                "bos_token_id": None, "eos_token_id": None, "pad_token_id": None}

    def rotary(self, length, device):
        """cos, sin (length, d_head): angle_{t,i} = t · θ^(−2i/d_head) for i < d_head/2, repeated for the second half."""
        d_head = self.d_model // self.heads
        inverse = self.theta ** (-torch.arange(0, d_head, 2, dtype=torch.float64) / d_head)
        angles = torch.arange(length, dtype=torch.float64)[:, None] * inverse[None, :]
        angles = torch.cat([angles, angles], dim=-1)
        return angles.cos().float().to(device), angles.sin().float().to(device)

    def forward(self, ids):
        batch, length = ids.shape
        d_head = self.d_model // self.heads
        cos, sin = self.rotary(length, ids.device)
        h = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer.input_layernorm(h)
            a = layer.self_attn
            q, k, v = (p(x).view(batch, length, self.heads, d_head).transpose(1, 2) for p in (a.q_proj, a.k_proj, a.v_proj))
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            mixed = causal_attention(q, k, v).transpose(1, 2).reshape(batch, length, self.d_model)
            h = h + a.o_proj(mixed)
            x = layer.post_attention_layernorm(h)
            h = h + layer.mlp.down_proj(F.silu(layer.mlp.gate_proj(x)) * layer.mlp.up_proj(x))
        return F.linear(self.model.norm(h), self.model.embed_tokens.weight)

    def state_for_export(self):
        return {k: v.detach().float().cpu().contiguous() for k, v in self.state_dict().items()}


def rotate(x, cos, sin):
    """RoPE as Llama applies it: x·cos + rotate_half(x)·sin, rotate_half(x) = [−x₂, x₁] for the halves x₁, x₂."""
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


def causal_attention(q, k, v):
    """softmax(q kᵀ / √d + causal mask) v, (batch, heads, L, d); PyTorch's fused kernel where it exists."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool, device=q.device).triu(1)
    return scores.masked_fill(mask, float("-inf")).softmax(-1) @ v


# ------------------------------------------------------------------------------------------------ Mamba model
def scan_for(device):
    """The selective scan: the Triton kernel on a GPU, the plain loop elsewhere. A state of size 1 is padded to 2
    (B = C = 0 in the extra state, so y is unchanged): the kernel's blocks want N ≥ 2."""
    base = selective_scan if device == "cuda" else selective_scan_reference

    def scan(u, delta, A, B, C):
        if A.shape[1] < 2:
            A, B, C = F.pad(A, (0, 1), value=-1.0), F.pad(B, (0, 1)), F.pad(C, (0, 1))
        return base(u, delta, A, B, C)
    return scan


def build_model(spec, vocab, device):
    if spec["kind"] == "attention":
        return AttentionLM(vocab).to(device)
    from transformers import MambaForCausalLM
    return MambaForCausalLM(model_config(vocab, d_model=D_MODEL, layers=LAYERS, d_state=spec["d_state"])).to(device)


def logits_of(model, spec, ids, device):
    if spec["kind"] == "attention":
        return model(ids)
    return fast_forward(model, ids, scan=scan_for(device))


# ------------------------------------------------------------------------------------------------ batches
# A training batch is (ids (batch, L), first scored position s, targets (batch, L − s)): every position from s on is scored.
def induction_batch(batch, length, generator, device):
    """Random data tokens, the trigger at p ∈ [0, L−3] and at L−1; the target at L−1 is ids[p+1]."""
    ids = torch.randint(0, INDUCTION["dataVocab"], (batch, length), generator=generator)
    p = torch.randint(0, length - 2, (batch,), generator=generator)
    rows = torch.arange(batch)
    ids[rows, p] = INDUCTION["triggerToken"]
    ids[:, -1] = INDUCTION["triggerToken"]
    return ids.to(device), length - 1, ids[rows, p + 1][:, None].to(device)


def mqar_batch(batch, pairs, generator, device):
    """P distinct keys with values, then the keys in a random order; the targets at 2P … 3P−1 are their values."""
    keys = torch.rand(batch, MQAR["keyVocab"], generator=generator).argsort(dim=1)[:, :pairs]
    values = torch.randint(0, MQAR["valueVocab"], (batch, pairs), generator=generator)
    order = torch.rand(batch, pairs, generator=generator).argsort(dim=1)
    ids = torch.empty(batch, 3 * pairs, dtype=torch.long)
    ids[:, 0:2 * pairs:2] = MQAR["firstKeyToken"] + keys
    ids[:, 1:2 * pairs:2] = MQAR["firstValueToken"] + values
    ids[:, 2 * pairs:] = MQAR["firstKeyToken"] + keys.gather(1, order)
    return ids.to(device), 2 * pairs, (MQAR["firstValueToken"] + values.gather(1, order)).to(device)


def training_batch(spec, batch, generator, device):
    if spec["task"] == "induction-heads":
        return induction_batch(batch, INDUCTION["trainLength"], generator, device)
    pairs = int(torch.randint(1, MQAR["maxPairs"] + 1, (1,), generator=generator))
    return mqar_batch(batch, pairs, generator, device)


# ------------------------------------------------------------------------------------------------ scoring
def predictions(model, spec, ids, positions, device, tokens_per_chunk=2**21):
    """argmax of the logits at `positions` (a list of columns) for every row of ids (count, L) (numpy), in chunks."""
    count, length = ids.shape
    chunk = max(1, tokens_per_chunk // length)
    out = []
    with torch.no_grad():
        for start in range(0, count, chunk):
            rows = torch.as_tensor(ids[start:start + chunk], device=device)
            out.append(logits_of(model, spec, rows, device)[:, positions].argmax(-1).cpu())
    return torch.cat(out)


@functools.lru_cache(maxsize=16)
def induction_set(length, count, seed):
    return induction_heads(length, count, seed)


@functools.lru_cache(maxsize=16)
def mqar_set(pairs, count, seed):
    return mqar(pairs, count, seed)


def score_induction(model, spec, length, count, seed, device):
    ids, answers, _ = induction_set(length, count, seed)
    # Attention's memory grows with L² where PyTorch has no fused kernel: small chunks.
    tokens = 2**21 if spec["kind"] == "mamba" else 2**17
    predicted = predictions(model, spec, ids, [length - 1], device, tokens)[:, 0]
    return (predicted == torch.as_tensor(answers)).float().mean().item(), predicted


def score_mqar(model, spec, pairs, count, seed, device):
    ids, answers = mqar_set(pairs, count, seed)
    predicted = predictions(model, spec, ids, list(range(2 * pairs, 3 * pairs)), device)
    return (predicted == torch.as_tensor(answers)).float().mean().item(), predicted


def induction_count(spec, length):
    """Test sequences per length: 256, fewer for attention at the longest lengths, where one forward costs L²."""
    if spec["kind"] == "mamba" or length <= 2**12:
        return 256
    return 128 if length <= 2**14 else 64


def held_out(model, spec, device, deadline, log, points=None, on_result=lambda results: None):
    """Accuracy on the test seed at every TEST_LENGTHS (induction) or TEST_PAIRS (MQAR) point that starts before `deadline`;
    `on_result` gets the list after every point (the card is rewritten each time, so a run cut short keeps what it has)."""
    model.eval()
    torch.backends.cuda.matmul.allow_tf32 = False
    results = []
    induction = spec["task"] == "induction-heads"
    for point in points or (TEST_LENGTHS if induction else TEST_PAIRS):
        key = "length" if induction else "pairs"
        if time.time() > deadline:
            results.append({key: point, "skipped": "out of time on the GPU host"})
            on_result(results)
            continue
        started = time.time()
        count = induction_count(spec, point) if induction else 500
        try:
            score = score_induction if induction else score_mqar
            accuracy, _ = score(model, spec, point, count, TEST_SEED, device)
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            results.append({key: point, "skipped": "out of GPU memory"})
            on_result(results)
            continue
        entry = {key: point, "sequences": count, "accuracy": accuracy, "seconds": round(time.time() - started, 2)}
        log({"event": "held_out", **entry})
        results.append(entry)
        on_result(results)
    return results


def validation(model, spec, device, quick=False):
    """The accuracies logged while training (VALIDATION_SEED): induction at 256 and 2^12, MQAR at 8, 32 and 64 pairs."""
    model.eval()
    count = 16 if quick else 128
    with torch.no_grad():
        if spec["task"] == "induction-heads":
            scores = {f"length_{n}": score_induction(model, spec, n, count, VALIDATION_SEED, device)[0] for n in ((256,) if quick else (256, 4096))}
        else:
            scores = {f"pairs_{p}": score_mqar(model, spec, p, count, VALIDATION_SEED, device)[0] for p in (8, 32, 64)}
    model.train()
    return scores


# ------------------------------------------------------------------------------------------------ export
def export(model, spec, out, train_length):
    """out/config.json + out/model.safetensors in the layout the site's engine reads."""
    from safetensors.torch import save_file
    os.makedirs(out, exist_ok=True)
    if spec["kind"] == "mamba":
        model.save_pretrained(out, safe_serialization=True)
        return
    state = {k: v for k, v in model.state_for_export().items() if k != "lm_head.weight"}
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(model.config(train_length), f, indent=2)


def load_exported(spec, out, device):
    from safetensors.torch import load_file
    if spec["kind"] == "mamba":
        from transformers import MambaForCausalLM
        return MambaForCausalLM.from_pretrained(out).to(device).eval()
    with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    model = AttentionLM(config["vocab_size"], config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
                        config["intermediate_size"], config["rope_theta"])
    model.load_state_dict(load_file(os.path.join(out, "model.safetensors")), strict=True)
    return model.to(device).eval()


def engine_fixture(model, spec, device):
    """Logits the TypeScript engine must reproduce (test/unit/memory-models.test.ts): two short test sequences."""
    if spec["task"] == "induction-heads":
        ids, _, _ = induction_heads(48, 2, TEST_SEED)
    else:
        ids, _ = mqar(6, 2, TEST_SEED)
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.no_grad():
        logits = logits_of(model, spec, torch.as_tensor(ids, device=device), device).float().cpu()
    predicted = {}
    if spec["task"] == "induction-heads":
        for length in (64, 256):
            predicted[str(length)] = score_induction(model, spec, length, 100, TEST_SEED, device)[1].tolist()
    else:
        for pairs in (4, 16):
            predicted[str(pairs)] = score_mqar(model, spec, pairs, 20, TEST_SEED, device)[1].tolist()
    return {"ids": ids.tolist(), "logits": logits.tolist(), "seed": TEST_SEED, "predictions": predicted}


# ------------------------------------------------------------------------------------------------ training
def train(name, spec, out, device, train_until, eval_until, log, steps=0, seed=1, quick=False):
    """Trains `spec` until `train_until` (unix time) or for `steps`; then held-out scores and the export into out/.
    `quick` (the smoke stage): small validation sets and only the first two held-out points."""
    started = time.time()
    vocab = INDUCTION_VOCAB if spec["task"] == "induction-heads" else MQAR_VOCAB
    torch.manual_seed(seed)
    model = build_model(spec, vocab, device)
    parameters = sum(p.numel() for p in model.parameters())
    log({"event": "model", "name": name, "spec": spec, "parameters": parameters})
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec["lr"], betas=(0.9, 0.98), eps=1e-8, weight_decay=0.0)
    generator = torch.Generator().manual_seed(seed)
    warmup = 100
    planned = steps or 10**9
    step, curve, stopped_early, rate_from = 0, [], False, None
    model.train()
    torch.backends.cuda.matmul.allow_tf32 = True
    while step < planned:
        if not steps and time.time() > train_until:
            stopped_early = True
            break
        if step == 20:
            rate_from = time.time()
        if not steps and step == 120:
            # The number of steps is fixed once, from the rate of steps 20–120 (the first steps compile kernels), so that the
            # cosine schedule ends when the time does; `--steps N` repeats a run without the clock.
            rate = 100 / (time.time() - rate_from)
            planned = step + int(rate * (train_until - time.time()) * 0.92)
            log({"event": "steps", "steps": planned, "steps_per_s": rate})
        lr = learning_rate(step, planned if planned < 10**9 else 10**6, spec["lr"], warmup)
        for group in optimizer.param_groups:
            group["lr"] = lr
        ids, first, targets = training_batch(spec, spec["batch"], generator, device)
        scored = logits_of(model, spec, ids, device)[:, first:].reshape(-1, vocab).float()
        targets = targets.reshape(-1)
        loss = F.cross_entropy(scored, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step % 100 == 0 or step == 1:
            accuracy = (scored.argmax(-1) == targets).float().mean().item()
            entry = {"step": step, "loss": loss.item(), "accuracy": accuracy, "lr": lr, "grad_norm": norm.item(), "elapsed_s": round(time.time() - started, 1)}
            if step % 1000 == 0:
                entry["validation"] = validation(model, spec, device)
            curve.append(entry)
            log(entry)
    wall = time.time() - started
    final_validation = validation(model, spec, device, quick)
    log({"event": "trained", "steps": step, "stopped_early": stopped_early, "wall_s": wall, "validation": final_validation})
    export(model, spec, os.path.join(out, "final"), INDUCTION["trainLength"])
    model = load_exported(spec, os.path.join(out, "final"), device)
    with open(os.path.join(out, "engine-fixture.json"), "w", encoding="utf-8") as f:
        json.dump(engine_fixture(model, spec, device), f)
    card = {
        "name": name, "kind": spec["kind"], "task": INDUCTION if spec["task"] == "induction-heads" else MQAR,
        "parameters": parameters,
        "training": {"seed": seed, "steps": step, "plannedSteps": planned if planned < 10**9 else step, "stoppedEarly": stopped_early,
                     "batch": spec["batch"], "learningRate": spec["lr"], "warmupSteps": warmup, "schedule": "linear warm-up, cosine to a tenth",
                     "optimizer": "AdamW (β 0.9, 0.98, ε 1e-8), no weight decay, global gradient norm clipped to 1",
                     "loss": "cross-entropy at the scored positions only", "dModel": D_MODEL, "numLayers": LAYERS,
                     **({"dState": spec["d_state"]} if spec["kind"] == "mamba" else {"heads": HEADS, "dFF": D_FF, "ropeTheta": ROPE_THETA}),
                     "trainingSequences": "drawn with torch.randint on the host (train/memory_tasks.py), not the site's generator",
                     "wallTimeSeconds": round(wall, 1), "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                     "torch": torch.__version__, "curve": curve, "finalValidation": final_validation, "validationSeed": VALIDATION_SEED},
        "heldOut": {"seed": TEST_SEED, "engine": "PyTorch float32 on the GPU host (train/memory_tasks.py), the exported weights", "results": []},
    }

    def write_card(results):
        card["heldOut"]["results"] = results
        with open(os.path.join(out, "model-card.json"), "w", encoding="utf-8") as f:
            json.dump(card, f, indent=1)
    write_card([])
    points = (TEST_LENGTHS if spec["task"] == "induction-heads" else TEST_PAIRS)[:2] if quick else None
    held_out(model, spec, device, eval_until, log, points, on_result=write_card)
    log({"event": "done", "name": name})
    return card


# ------------------------------------------------------------------------------------------------ smoke
def smoke(out, device, log):
    """Every piece on small inputs: the engines, the scan at every state size, tiny runs of every kind, export, reload."""
    check_fast_forward(device, INDUCTION_VOCAB, log)
    scan = scan_for(device)
    for n in (1, 2, 4, 8, 16, 32):
        torch.manual_seed(n)
        args = [torch.randn(2, 19, 40, device=device, dtype=torch.float64), F.softplus(torch.randn(2, 19, 40, device=device, dtype=torch.float64)),
                -torch.exp(torch.randn(40, n, device=device, dtype=torch.float64)), torch.randn(2, 19, n, device=device, dtype=torch.float64),
                torch.randn(2, 19, n, device=device, dtype=torch.float64)]
        ref_in = [a.clone().requires_grad_() for a in args]
        our_in = [a.float().clone().requires_grad_() for a in args]
        weights = torch.randn(2, 19, 40, device=device, dtype=torch.float64)
        (selective_scan_reference(*ref_in) * weights).sum().backward()
        ours = scan(*our_in)
        (ours * weights.float()).sum().backward()
        forward = ((ours.double() - selective_scan_reference(*args)).abs().max() / selective_scan_reference(*args).abs().max()).item()
        grads = max(((o.grad.double() - r.grad).abs().max() / r.grad.abs().max().clamp(min=1)).item() for o, r in zip(our_in, ref_in))
        log({"check": f"scan at d_state {n} vs float64 loop", "forward": forward, "gradients": grads})
        assert forward <= 1e-5 and grads <= 1e-4, f"scan at d_state {n}: forward {forward:.1e}, gradients {grads:.1e}"
    check_attention_against_llama(out, device, log)
    now = time.time()
    for name in ("induction-mamba", "induction-attention", "mqar-mamba-n1"):
        spec = RUNS[name]
        card = train(name, spec, os.path.join(out, name), device, now + 3600, now + 3600, log, steps=30, quick=True)
        assert card["training"]["steps"] == 30 and len(card["heldOut"]["results"]) == 2
        # The export reloaded gives the trained model's logits.
        assert os.path.exists(os.path.join(out, name, "final", "model.safetensors"))
    log({"event": "smoke passed"})


def check_attention_against_llama(out, device, log):
    """AttentionLM vs transformers' LlamaForCausalLM loaded from AttentionLM's export (logged; the site's engine follows AttentionLM)."""
    torch.manual_seed(3)
    model = AttentionLM(INDUCTION_VOCAB).to(device).eval()
    for p in model.parameters():
        p.data.normal_(0, 0.3)
    folder = os.path.join(out, "llama-check")
    export(model, {"kind": "attention"}, folder, 256)
    ids = torch.randint(0, INDUCTION_VOCAB, (2, 97), device=device)
    try:
        from transformers import LlamaForCausalLM
        theirs_model = LlamaForCausalLM.from_pretrained(folder).float().to(device).eval()
        tf32 = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        with torch.no_grad():
            ours, theirs = model(ids), theirs_model(ids).logits
        torch.backends.cuda.matmul.allow_tf32 = tf32
        relative = ((ours - theirs).abs().max() / theirs.abs().max().clamp(min=1)).item()
        log({"check": "AttentionLM vs transformers LlamaForCausalLM", "max_relative_difference": relative})
    except Exception as error:  # noqa: BLE001 — reported, not fatal: the site's engine is checked against AttentionLM itself
        log({"check": "AttentionLM vs transformers LlamaForCausalLM", "error": f"{type(error).__name__}: {error}"})
    reloaded = load_exported({"kind": "attention"}, folder, device)
    with torch.no_grad():
        assert torch.equal(model(ids), reloaded(ids)), "the attention export does not reload to the same model"


# ------------------------------------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["smoke", "train"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--name", choices=sorted(RUNS))
    parser.add_argument("--train-until", type=float, default=0, help="unix time at which training stops (default: now + --minutes)")
    parser.add_argument("--eval-until", type=float, default=0, help="unix time after which no further held-out point starts")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--steps", type=int, default=0, help="a fixed number of steps instead of the clock")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_num_threads(1 if device == "cuda" else torch.get_num_threads())
    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, "log.jsonl"), "a", encoding="utf-8")
    started = time.time()

    def log(entry):
        line = json.dumps({"t": round(time.time() - started, 2), **entry})
        log_file.write(line + "\n")
        log_file.flush()
        print(line, flush=True)

    log({"event": "start", "stage": args.stage, "name": args.name, "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
         "torch": torch.__version__})
    if args.stage == "smoke":
        smoke(args.out, device, log)
        return
    assert args.name, "train needs --name"
    train_until = args.train_until or time.time() + 60 * args.minutes
    eval_until = args.eval_until or train_until + 90
    train(args.name, RUNS[args.name], args.out, device, train_until, eval_until, log, steps=args.steps, seed=args.seed)


if __name__ == "__main__":
    main()
