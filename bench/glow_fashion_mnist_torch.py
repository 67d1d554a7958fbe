#!/usr/bin/env python3
"""specs/glow-fashion-mnist.yaml written by hand in PyTorch, trained for a fixed wall-clock
budget: the reference bench/train-glow-compare.sh runs beside `flowc run`.

The model is the spec's, layer for layer (docs/spec.md has the formulas):
* squeeze: [C, H, W] -> [4C, H/2, W/2], output channel c*4 + dy*2 + dx (flowc's and Glow's order);
* 2 levels; level 1: squeeze, 8 steps, split with a learned prior; level 2: squeeze, 8 steps;
* step: ActNorm per channel (data-dependent init: bias = -mean, log_scale = -log(std + 1e-6)),
  invertible 1x1 conv in LU form from a random rotation, affine coupling on the channel halves
  (first half kept) with net conv3x3 -> ActNorm -> ReLU -> conv1x1 -> ActNorm -> ReLU -> conv3x3
  (64 hidden channels, last conv zero-initialised), scale = sigmoid(s + 2), s the first half of
  the net's output channels;
* split: the first half of the channels continue; the rest b get (mu, log sigma) from a
  zero-initialised conv3x3 on the kept half (mu first), b' = (b - mu) * exp(-log sigma),
  log|det| = -sum(log sigma);
* prior N(0, I) on every latent. Conv weights start at PyTorch's default (flowc uses the same).
Data: Fashion-MNIST from Debian's dataset-fashion-mnist, 2,000 training images held out for
validation, uniform dequantization, x = (pixel + u) / 256; bits/dim = (-log p(x) + D ln 256) /
(D ln 2). Adam (lr 5e-3), batch 32, 200 warm-up steps, cosine decay to 1e-5, gradient norm
clipped at 50, as the spec's train section. The cosine runs over the steps the budget allows:
the step time is measured over the first steps and the schedule sized from it (so the run
ends at the floor of the schedule, as a flowc run whose steps were chosen for the budget).

Prints one JSON line per evaluation (elapsed wall and CPU seconds, step, train bits/dim as
the mean over the steps since the previous line, validation bits/dim) and a final line with
the test bits/dim on the 10,000 t10k images.

    python3 bench/glow_fashion_mnist_torch.py --minutes 30 --threads 1
"""

import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def load_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28).copy()


class ActNorm(nn.Module):
    """Per-channel affine with data-dependent init; `logdet` adds H*W*sum(log_scale)."""

    def __init__(self, c, logdet=True):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.register_buffer("initialized", torch.tensor(0.0))
        self.logdet = logdet

    def forward(self, x):
        if self.training and self.initialized.item() == 0:
            with torch.no_grad():
                mean = x.mean(dim=(0, 2, 3), keepdim=True)
                std = x.std(dim=(0, 2, 3), keepdim=True, unbiased=False)
                self.bias.copy_(-mean)
                self.log_scale.copy_(-torch.log(std + 1e-6))
                self.initialized.fill_(1)
        y = (x + self.bias) * torch.exp(self.log_scale)
        if not self.logdet:
            return y
        return y, x.shape[2] * x.shape[3] * self.log_scale.sum().expand(x.shape[0])


class InvConv1x1LU(nn.Module):
    def __init__(self, c, generator):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(c, c, generator=generator, dtype=torch.float64))
        p, l, u = torch.linalg.lu(q)
        s = torch.diagonal(u)
        self.register_buffer("p", p.float())
        self.register_buffer("sign", torch.sign(s).float())
        self.lower = nn.Parameter(l.float())
        self.upper = nn.Parameter(torch.triu(u, 1).float())
        self.log_scale = nn.Parameter(torch.log(torch.abs(s)).float())
        self.register_buffer("lmask", torch.tril(torch.ones(c, c), -1))
        self.register_buffer("eye", torch.eye(c))

    def forward(self, x):
        l = self.lower * self.lmask + self.eye
        u = self.upper * self.lmask.T + torch.diag(self.sign * torch.exp(self.log_scale))
        w = self.p @ l @ u
        return F.conv2d(x, w[:, :, None, None]), (x.shape[2] * x.shape[3] * self.log_scale.sum()).expand(x.shape[0])


class Coupling(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.half = c // 2
        out = 2 * (c - self.half)
        self.net = nn.Sequential(
            nn.Conv2d(self.half, hidden, 3, padding=1), ActNorm(hidden, logdet=False), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1), ActNorm(hidden, logdet=False), nn.ReLU(),
            nn.Conv2d(hidden, out, 3, padding=1))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x):
        x1, x2 = x[:, :self.half], x[:, self.half:]
        h = self.net(x1)
        t = x2.shape[1]
        log_scale = F.logsigmoid(h[:, :t] + 2)
        y2 = x2 * torch.exp(log_scale) + h[:, t:]
        return torch.cat([x1, y2], 1), log_scale.flatten(1).sum(1)


class Squeeze(nn.Module):
    def forward(self, x):
        b, c, h, w = x.shape
        x = x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4)
        return x.reshape(b, 4 * c, h // 2, w // 2), x.new_zeros(b)


class LearnedSplit(nn.Module):
    """Keeps the first half of the channels; scores the rest under N(mu, sigma^2) from a
    zero-initialised conv3x3 of the kept half (mu first). Returns (kept, logdet, factored')."""

    def __init__(self, c):
        super().__init__()
        self.keep = c // 2
        self.net = nn.Conv2d(self.keep, 2 * (c - self.keep), 3, padding=1)
        nn.init.zeros_(self.net.weight)
        nn.init.zeros_(self.net.bias)

    def forward(self, x):
        h, b = x[:, :self.keep], x[:, self.keep:]
        out = self.net(h)
        f = b.shape[1]
        mu, log_sigma = out[:, :f], out[:, f:]
        return h, -log_sigma.flatten(1).sum(1), (b - mu) * torch.exp(-log_sigma)


class Glow(nn.Module):
    def __init__(self, steps=8, hidden=64, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.level1 = nn.ModuleList([Squeeze()])
        for _ in range(steps):
            self.level1.extend([ActNorm(4), InvConv1x1LU(4, g), Coupling(4, hidden)])
        self.split = LearnedSplit(4)
        self.level2 = nn.ModuleList([Squeeze()])
        for _ in range(steps):
            self.level2.extend([ActNorm(8), InvConv1x1LU(8, g), Coupling(8, hidden)])

    def log_prob(self, x):
        """log p(x) per image, x in [0, 1)."""
        logdet = x.new_zeros(x.shape[0])
        for layer in self.level1:
            x, ld = layer(x)
            logdet = logdet + ld
        x, ld, factored = self.split(x)
        logdet = logdet + ld
        for layer in self.level2:
            x, ld = layer(x)
            logdet = logdet + ld
        z = torch.cat([x.flatten(1), factored.flatten(1)], 1)
        log_normal = -0.5 * (z * z).sum(1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
        return log_normal + logdet


def bits_per_dim(log_p, d=784):
    """Bits/dim of x in [0, 256): -log p(x / 256) + D ln 256, over D ln 2."""
    return (-log_p + d * math.log(256.0)) / (d * math.log(2.0))


def evaluate(model, images, generator, batch=500):
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i:i + batch]).float()
            x = (x + torch.rand(x.shape, generator=generator)) / 256.0
            total += bits_per_dim(model.log_prob(x)).sum().item()
            n += x.shape[0]
    model.train()
    return total / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="training wall-clock budget")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eval-minutes", type=float, default=3.0, help="validation every this many minutes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-3)  # specs/glow-fashion-mnist.yaml's
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--min-lr", type=float, default=1e-5)
    parser.add_argument("--clip", type=float, default=50.0)
    parser.add_argument("--validation", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=0, help="fixed step count instead of sizing from the budget")
    parser.add_argument("--skip-final-eval", action="store_true",
                        help="no validation and test passes after training (bench/run-all.sh times the steps only)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    train = load_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
    test = load_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
    order = rng.permutation(len(train))
    val, train = train[order[:args.validation]], train[order[args.validation:]]

    model = Glow(seed=args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"tool": "torch", "torch": torch.__version__, "threads": args.threads, "parameters": params,
                      "train": len(train), "validation": len(val), "test": len(test), "minutes": args.minutes}), flush=True)

    budget = args.minutes * 60.0
    total_steps = args.steps or None
    noise = torch.Generator().manual_seed(args.seed + 1)
    eval_noise_seed = args.seed + 2
    t0, c0 = time.perf_counter(), time.process_time()
    next_eval = args.eval_minutes * 60.0
    step, since, since_n, perm, pos = 0, 0.0, 0, rng.permutation(len(train)), 0
    sizing_start = None

    def rate(s):
        if s < args.warmup:
            return args.lr * (s + 1) / args.warmup
        span = max(1, (total_steps or 10**9) - args.warmup)
        progress = min(1.0, (s - args.warmup) / span)
        return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * progress))

    while True:
        elapsed = time.perf_counter() - t0
        if total_steps is not None and step >= total_steps:
            break
        if args.steps == 0 and elapsed >= budget:
            break
        if pos + args.batch > len(train):
            perm, pos = rng.permutation(len(train)), 0
        idx = perm[pos:pos + args.batch]
        pos += args.batch
        x = torch.from_numpy(train[idx]).float()
        x = (x + torch.rand(x.shape, generator=noise)) / 256.0
        for group in opt.param_groups:
            group["lr"] = rate(step)
        loss = -model.log_prob(x).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        step += 1
        since += bits_per_dim(-loss.item())
        since_n += 1
        # Size the cosine from the step time measured after the first 20 steps (warm-up of
        # the allocator and the first ActNorm initialisations excluded).
        if args.steps == 0 and total_steps is None:
            if step == 20:
                sizing_start = time.perf_counter()
            elif step == 120:
                per_step = (time.perf_counter() - sizing_start) / 100
                total_steps = step + int((budget - (time.perf_counter() - t0)) / per_step)
                print(json.dumps({"sized_steps": total_steps, "ms_per_step": per_step * 1e3}), flush=True)
        if time.perf_counter() - t0 >= next_eval:
            v = evaluate(model, val, torch.Generator().manual_seed(eval_noise_seed))
            print(json.dumps({"elapsed_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "step": step,
                              "train_bpd": since / since_n, "val_bpd": v, "lr": rate(step)}), flush=True)
            since, since_n = 0.0, 0
            next_eval += args.eval_minutes * 60.0
    train_time = time.perf_counter() - t0
    v = t = None
    if not args.skip_final_eval:
        v = evaluate(model, val, torch.Generator().manual_seed(eval_noise_seed))
        t = evaluate(model, test, torch.Generator().manual_seed(eval_noise_seed))
    print(json.dumps({"final": True, "elapsed_s": train_time, "cpu_s": time.process_time() - c0, "steps": step,
                      "train_bpd": since / since_n if since_n else None, "val_bpd": v, "test_bpd": t}), flush=True)


if __name__ == "__main__":
    main()
