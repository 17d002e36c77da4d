"""The PyTorch selective-scan reference on a CUDA GPU, for the "speed-up vs PyTorch" column of
docs/performance.md: mamba-minimal's selective_scan (materialise exp(ΔA) and ΔB·u, then loop over L,
the "standard implementation" the paper compares against), float32, median of CUDA-event timings.

    python3 bench/reference_scan.py [BxLxDxN ...]     (on a GPU host with PyTorch; prints JSON rows)
"""
import json
import statistics
import sys

import torch

SHAPES = ["1x256x64x16", "1x1024x256x16", "1x2048x1536x16", "8x4096x1536x16"]


def selective_scan(u, delta, A, B, C, D):
    """y = scan of h_t = exp(Δ_t A) h_{t-1} + Δ_t B_t u_t, y_t = C_t h_t + D u_t.

    u, delta: (b, l, d); A: (d, n); B, C: (b, l, n); D: (d,). Returns y: (b, l, d).
    """
    b, l, d = u.shape
    delta_A = torch.exp(torch.einsum("bld,dn->bldn", delta, A))
    delta_B_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
    h = torch.zeros((b, d, A.shape[1]), device=u.device)
    ys = []
    for t in range(l):
        h = delta_A[:, t] * h + delta_B_u[:, t]
        ys.append(torch.einsum("bdn,bn->bd", h, C[:, t]))
    return torch.stack(ys, dim=1) + u * D


def time_shape(batch, length, channels, state, runs=5):
    generator = torch.Generator(device="cuda").manual_seed(0)
    rand = lambda *shape: torch.rand(*shape, device="cuda", generator=generator)
    u = rand(batch, length, channels) * 2 - 1
    delta = rand(batch, length, channels) * 0.1 + 0.001
    A = -rand(channels, state) * 2
    B, C = rand(batch, length, state) * 2 - 1, rand(batch, length, state) * 2 - 1
    D = rand(channels)
    selective_scan(u, delta, A, B, C, D)  # warm-up
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        selective_scan(u, delta, A, B, C, D)
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    rows = []
    for label in sys.argv[1:] or SHAPES:
        batch, length, channels, state = map(int, label.split("x"))
        ms = time_shape(batch, length, channels, state)
        rows.append({"impl": "pytorch-reference", "device": torch.cuda.get_device_name(), "torch": torch.__version__,
                     "B": batch, "L": length, "D": channels, "N": state, "ms": ms})
        print(f"{label}: {ms:.1f} ms", file=sys.stderr)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
