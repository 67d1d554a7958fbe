#!/usr/bin/env python3
"""A stack of Glow steps in PyTorch, forward + backward, timed: the reference for
bench/conv-step.sh (the same model as bench/conv-step/Sources/ConvStep/main.swift).

Each step, on a [C, H, W] image batch (float32, NCHW):
* ActNorm per channel: y = (x + bias) * exp(log_scale), log|det| = H*W*sum(log_scale);
* invertible 1x1 conv, LU form: W = P @ L @ (U + diag(sign * exp(log_scale))),
  y = conv2d(x, W[:, :, None, None]), log|det| = H*W*sum(log_scale);
* affine coupling on the channel split (first C/2 channels kept):
  h = conv3x3(C/2 -> hidden) -> ActNorm -> ReLU -> conv1x1(hidden -> hidden) -> ActNorm
      -> ReLU -> conv3x3(hidden -> 2*(C - C/2)), last conv zero-initialised;
  s, t = h[:, :C-C/2], h[:, C-C/2:]; scale = sigmoid(s + 2); y2 = x2 * scale + t,
  log|det| = sum(log scale).
The loss is sum(y * dY) + sum(logdet * dL) with fixed random dY, dL, as the Swift driver's
backward receives them. Prints one JSON line: best and median milliseconds per
forward + backward over --reps repetitions after --warmup.

    python3 bench/conv_step_torch.py --shape 4,14,14 --steps 8 --hidden 64 --batch 64 --threads 1
"""

import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F


class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        return (x + self.bias) * torch.exp(self.log_scale), x.shape[2] * x.shape[3] * self.log_scale.sum()


class InvConv1x1LU(nn.Module):
    def __init__(self, c):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(c, c))
        p, l, u = torch.linalg.lu(q)
        s = torch.diagonal(u)
        self.register_buffer("p", p)
        self.register_buffer("sign", torch.sign(s))
        self.lower = nn.Parameter(l)
        self.upper = nn.Parameter(torch.triu(u, 1))
        self.log_scale = nn.Parameter(torch.log(torch.abs(s)))
        self.register_buffer("lmask", torch.tril(torch.ones(c, c), -1))
        self.register_buffer("eye", torch.eye(c))

    def forward(self, x):
        l = self.lower * self.lmask + self.eye
        u = self.upper * self.lmask.T + torch.diag(self.sign * torch.exp(self.log_scale))
        w = self.p @ l @ u
        return F.conv2d(x, w[:, :, None, None]), x.shape[2] * x.shape[3] * self.log_scale.sum()


class Coupling(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.half = c // 2
        out = 2 * (c - self.half)
        self.net = nn.Sequential(
            nn.Conv2d(self.half, hidden, 3, padding=1), ActNormNet(hidden), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1), ActNormNet(hidden), nn.ReLU(),
            nn.Conv2d(hidden, out, 3, padding=1))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x):
        x1, x2 = x[:, :self.half], x[:, self.half:]
        h = self.net(x1)
        t = x2.shape[1]
        scale = torch.sigmoid(h[:, :t] + 2)
        y2 = x2 * scale + h[:, t:]
        return torch.cat([x1, y2], 1), torch.log(scale).flatten(1).sum(1)


class ActNormNet(nn.Module):
    """ActNorm inside the coupling network (no log-det)."""

    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        return (x + self.bias) * torch.exp(self.log_scale)


class Glow(nn.Module):
    def __init__(self, c, steps, hidden):
        super().__init__()
        self.layers = nn.ModuleList()
        for _ in range(steps):
            self.layers.extend([ActNorm(c), InvConv1x1LU(c), Coupling(c, hidden)])

    def forward(self, x):
        logdet = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", default="4,14,14")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    c, h, w = (int(v) for v in args.shape.split(","))
    model = Glow(c, args.steps, args.hidden)
    x = torch.randn(args.batch, c, h, w)
    dy = torch.randn(args.batch, c, h, w) / args.batch
    dl = torch.full((args.batch,), -1.0 / args.batch)

    def step():
        model.zero_grad(set_to_none=False)
        y, ld = model(x)
        loss = (y * dy).sum() + (ld * dl).sum()
        loss.backward()

    for _ in range(args.warmup):
        step()
    times, cpu = [], []
    for _ in range(args.reps):
        c0, t0 = time.process_time(), time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    conv = lambda k, cin, cout: 2 * k * k * cin * cout * h * w
    half = c // 2
    flops = 3 * args.batch * args.steps * (conv(3, half, args.hidden) + conv(1, args.hidden, args.hidden)
                                           + conv(3, args.hidden, 2 * (c - half)))
    print(json.dumps({
        "tool": "torch", "torch": torch.__version__, "shape": [c, h, w], "steps": args.steps, "hidden": args.hidden,
        "batch": args.batch, "threads": args.threads, "ms_best": times[0] * 1e3, "ms_median": times[len(times) // 2] * 1e3,
        "cpu_ms_best": cpu[0] * 1e3,
        "gflop_per_step": flops / 1e9, "gflops_best": flops / times[0] / 1e9,
        "mkldnn": torch.backends.mkldnn.is_available()}))


if __name__ == "__main__":
    main()
