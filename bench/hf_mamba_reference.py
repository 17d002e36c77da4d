"""
transformers' MambaForCausalLM at the mamba-130m shape (24 layers, d_model 768, d_state 16, vocab 50280), without
the mamba_ssm / causal_conv1d CUDA extensions — what a user without them gets: its pure-PyTorch path, a loop over
tokens. The weights are its own initialisation from a seed (130M parameters are too large to carry), written with
save_pretrained so that bench/lm-gpu.ts runs the same checkpoint. Times, on the GPU, float32:
  - one forward of L = 2048 random ids (seeded), CUDA-synchronised wall time, median of `--runs` after a warm-up;
  - greedy decoding with its recurrent cache: generate(max_new_tokens = 8 + n) minus generate(8), per token.
Writes DIR/{config.json, model.safetensors, ids.json, reference.json} (reference: logits at a few positions) and
$OUT/hf.json.   python3 bench/hf_mamba_reference.py [DIR=/tmp/mamba-130m-seeded] [--runs=2] [--decode=64]
"""
import json
import os
import statistics
import sys
import time

import torch
import transformers
from transformers import MambaConfig, MambaForCausalLM
from transformers.models.mamba import modeling_mamba

args = [a for a in sys.argv[1:] if not a.startswith("--")]
options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
folder = args[0] if args else "/tmp/mamba-130m-seeded"
runs = int(options.get("runs", 2))
decode = int(options.get("decode", 64))
length = int(options.get("length", 2048))
os.makedirs(folder, exist_ok=True)

config = MambaConfig(vocab_size=50280, hidden_size=768, intermediate_size=1536, state_size=16, num_hidden_layers=24,
                     conv_kernel=4, time_step_rank=48, use_bias=False, use_conv_bias=True, layer_norm_epsilon=1e-5,
                     tie_word_embeddings=True, use_cache=True)
torch.manual_seed(0)
model = MambaForCausalLM(config).float().eval()
model.save_pretrained(folder, safe_serialization=True)
model = model.cuda()
ids = torch.randint(0, config.vocab_size, (1, length), generator=torch.Generator().manual_seed(1))
json.dump(ids[0].tolist(), open(os.path.join(folder, "ids.json"), "w"))
positions = [0, 15, length // 2 - 1, length - 1]


def synchronised(fn):
    torch.cuda.synchronize()
    start = time.perf_counter()
    value = fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000, value


with torch.no_grad():
    cuda_ids = ids.cuda()
    warm_ms, out = synchronised(lambda: model(cuda_ids))
    logits = out.logits[0, positions].float().cpu()
    forward_ms = [synchronised(lambda: model(cuda_ids))[0] for _ in range(runs)]
    json.dump({"positions": positions, "logits": logits.tolist()}, open(os.path.join(folder, "reference.json"), "w"))
    prompt = cuda_ids[:, :16]
    generate = lambda n: model.generate(prompt, max_new_tokens=n, min_new_tokens=n, do_sample=False, pad_token_id=0)
    generate(8)
    short_ms = statistics.median(synchronised(lambda: generate(8))[0] for _ in range(2))
    long_ms = statistics.median(synchronised(lambda: generate(8 + decode))[0] for _ in range(2))

per_token_ms = (long_ms - short_ms) / decode
report = {
    "transformers": transformers.__version__, "torch": torch.__version__, "device": torch.cuda.get_device_name(0),
    "fastPathAvailable": bool(getattr(modeling_mamba, "is_fast_path_available", False)),
    "tf32": torch.backends.cuda.matmul.allow_tf32,
    "config": {k: getattr(config, k) for k in ["vocab_size", "hidden_size", "intermediate_size", "state_size", "num_hidden_layers", "time_step_rank"]},
    "forward": {"length": length, "medianMs": statistics.median(forward_ms), "allMs": forward_ms, "firstMs": warm_ms},
    "decode": {"prompt": 16, "tokens": decode, "msPerToken": per_token_ms, "tokensPerSecond": 1000 / per_token_ms},
}
print(json.dumps(report), flush=True)
if "OUT" in os.environ:
    json.dump(report, open(os.path.join(os.environ["OUT"], "hf.json"), "w"), indent=1)
