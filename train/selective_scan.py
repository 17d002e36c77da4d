"""The selective scan for training, as a Triton kernel with a hand-written backward pass.

    h_t = exp(Δ_t A) ⊙ h_{t-1} + (Δ_t u_t) B_t        h_t: (Di, N) per sequence, h_{-1} = 0
    y_t = h_t C_t                                     y_t: (Di,)       (src/math.md#selective-scan)

Shapes, token-major (what the linear layers produce, so no transposes are needed):
    u, delta: (batch, L, Di)   A: (Di, N)   B, C: (batch, L, N)   y: (batch, L, Di)
D·u and the SiLU(z) gate are applied outside, in plain PyTorch.

Why: `transformers`' MambaForCausalLM without the `mamba_ssm` extension loops over tokens in Python
(2.6 s a step at 5.8M parameters on an H200; docs/training.md). Here every (sequence, block of channels) is
one Triton program that keeps its block of h in registers and walks the L tokens: one sequential chain per
(channel, state), exponentials and loads off the chain. The backward pass walks back from the last token,
carrying ∂loss/∂h; it reads the h_t the forward pass stored (batch·L·Di·N floats: 0.5 GB a layer at batch
128 × 256 × 512 × 16) instead of recomputing them.

`selective_scan_reference` is the same recurrence as a plain loop, used to check the kernel and, with
`transformers`' own forward, the whole model (train/check_fast_forward.py).
"""
import torch
import triton
import triton.language as tl


def selective_scan_reference(u, delta, A, B, C):
    """The recurrence token by token in PyTorch (any dtype, autograd-able); shapes as in the module docstring."""
    batch, length, channels = u.shape
    h = torch.zeros(batch, channels, A.shape[1], dtype=u.dtype, device=u.device)
    ys = []
    for t in range(length):
        decay = torch.exp(delta[:, t, :, None] * A)                      # (batch, Di, N)
        h = decay * h + (delta[:, t] * u[:, t])[:, :, None] * B[:, t, None, :]
        ys.append((h * C[:, t, None, :]).sum(-1))                        # (batch, Di)
    return torch.stack(ys, dim=1)


@triton.jit
def _scan_forward_kernel(u_ptr, delta_ptr, A_ptr, B_ptr, C_ptr, y_ptr, h_ptr, length, channels,
                         N: tl.constexpr, BLOCK_D: tl.constexpr, STORE_H: tl.constexpr):
    sequence = tl.program_id(0)
    d = tl.program_id(1) * BLOCK_D + tl.arange(0, BLOCK_D)
    n = tl.arange(0, N)
    in_range = d < channels
    A = tl.load(A_ptr + d[:, None] * N + n[None, :], mask=in_range[:, None], other=0.0)
    h = tl.zeros((BLOCK_D, N), dtype=tl.float32)
    for t in range(length):
        token = sequence * length + t
        delta = tl.load(delta_ptr + token * channels + d, mask=in_range, other=0.0)
        u = tl.load(u_ptr + token * channels + d, mask=in_range, other=0.0)
        B = tl.load(B_ptr + token * N + n)
        C = tl.load(C_ptr + token * N + n)
        h = tl.exp(delta[:, None] * A) * h + (delta * u)[:, None] * B[None, :]
        tl.store(y_ptr + token * channels + d, tl.sum(h * C[None, :], axis=1), mask=in_range)
        if STORE_H:
            tl.store(h_ptr + (token * channels + d[:, None]) * N + n[None, :], h, mask=in_range[:, None])


@triton.jit
def _scan_backward_kernel(u_ptr, delta_ptr, A_ptr, B_ptr, C_ptr, h_ptr, dy_ptr,
                          du_ptr, ddelta_ptr, dA_ptr, dB_ptr, dC_ptr, length, channels, blocks,
                          N: tl.constexpr, BLOCK_D: tl.constexpr):
    sequence = tl.program_id(0)
    block = tl.program_id(1)
    d = block * BLOCK_D + tl.arange(0, BLOCK_D)
    n = tl.arange(0, N)
    in_range = d < channels
    A = tl.load(A_ptr + d[:, None] * N + n[None, :], mask=in_range[:, None], other=0.0)
    dh = tl.zeros((BLOCK_D, N), dtype=tl.float32)       # ∂loss/∂h_t from tokens after t
    dA = tl.zeros((BLOCK_D, N), dtype=tl.float32)
    for step in range(length):
        t = length - 1 - step
        token = sequence * length + t
        delta = tl.load(delta_ptr + token * channels + d, mask=in_range, other=0.0)
        u = tl.load(u_ptr + token * channels + d, mask=in_range, other=0.0)
        B = tl.load(B_ptr + token * N + n)
        C = tl.load(C_ptr + token * N + n)
        dy = tl.load(dy_ptr + token * channels + d, mask=in_range, other=0.0)
        h = tl.load(h_ptr + (token * channels + d[:, None]) * N + n[None, :], mask=in_range[:, None], other=0.0)
        h_before = tl.load(h_ptr + ((token - 1) * channels + d[:, None]) * N + n[None, :],
                           mask=in_range[:, None] & (t > 0), other=0.0)
        dh += dy[:, None] * C[None, :]
        decay = tl.exp(delta[:, None] * A)
        decay_grad = dh * h_before * decay                # ∂loss/∂(Δ·A) through exp
        dh_B = tl.sum(dh * B[None, :], axis=1)            # Σ_n ∂h_t[n] B_t[n]
        tl.store(ddelta_ptr + token * channels + d, tl.sum(decay_grad * A, axis=1) + dh_B * u, mask=in_range)
        tl.store(du_ptr + token * channels + d, dh_B * delta, mask=in_range)
        tl.store(dB_ptr + (token * blocks + block) * N + n, tl.sum(dh * (delta * u)[:, None], axis=0))
        tl.store(dC_ptr + (token * blocks + block) * N + n, tl.sum(dy[:, None] * h, axis=0))
        dA += decay_grad * delta[:, None]
        dh = dh * decay
    tl.store(dA_ptr + (sequence * channels + d[:, None]) * N + n[None, :], dA, mask=in_range[:, None])


BLOCK_D = 32


def _launch_shape(u, A):
    batch, length, channels = u.shape
    blocks = triton.cdiv(channels, BLOCK_D)
    return batch, length, channels, A.shape[1], blocks


def scan_forward(u, delta, A, B, C, store_h=True):
    """Runs the forward kernel; returns y (batch, L, Di) and, if store_h, every h_t (batch, L, Di, N)."""
    batch, length, channels, N, blocks = _launch_shape(u, A)
    y = torch.empty_like(u)
    h = torch.empty(batch, length, channels, N, device=u.device, dtype=torch.float32) if store_h else y
    _scan_forward_kernel[(batch, blocks)](u, delta, A, B, C, y, h, length, channels, N=N, BLOCK_D=BLOCK_D, STORE_H=store_h)
    return y, (h if store_h else None)


class SelectiveScan(torch.autograd.Function):
    """y = selective_scan(u, Δ, A, B, C) with the Triton kernels; float32, contiguous inputs."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C):
        u, delta, A, B, C = (x.contiguous().float() for x in (u, delta, A, B, C))
        y, h = scan_forward(u, delta, A, B, C, store_h=any(ctx.needs_input_grad))
        ctx.save_for_backward(u, delta, A, B, C, h)
        return y

    @staticmethod
    def backward(ctx, dy):
        u, delta, A, B, C, h = ctx.saved_tensors
        batch, length, channels, N, blocks = _launch_shape(u, A)
        du, ddelta = torch.empty_like(u), torch.empty_like(delta)
        dA = torch.empty(batch, channels, N, device=u.device, dtype=torch.float32)
        dB = torch.empty(batch, length, blocks, N, device=u.device, dtype=torch.float32)
        dC = torch.empty_like(dB)
        _scan_backward_kernel[(batch, blocks)](u, delta, A, B, C, h, dy.contiguous().float(), du, ddelta, dA, dB, dC,
                                               length, channels, blocks, N=N, BLOCK_D=BLOCK_D)
        return du, ddelta, dA.sum(0), dB.sum(2), dC.sum(2)


def selective_scan(u, delta, A, B, C):
    """The selective scan y (batch, L, Di) of the module docstring, differentiable in every input."""
    if not torch.is_grad_enabled():
        return scan_forward(*(x.contiguous().float() for x in (u, delta, A, B, C)), store_h=False)[0]
    return SelectiveScan.apply(u, delta, A, B, C)
