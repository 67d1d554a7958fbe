#!/usr/bin/env python3
"""The Neural Spline Flow of specs/nsf-moons.yaml on two moons, as a plain PyTorch script.

The reference that `flowc run specs/nsf-moons.yaml` is compared with (bench/train-nsf-compare.sh).
The flow is the spec's, formula for formula (docs/spec.md, `spline_coupling`):

* eight rational-quadratic spline couplings (Durkan et al. 2019) with masks
  keep = [0, 1], [1, 0], ... (1 = KEPT, flowc's convention): the first transforms x0;
* each spline: K = 8 bins on [-3, 3], linear (identity) tails, minimum bin width and
  height 1e-3 (of 2B) and minimum derivative 1e-3; widths and heights by softmax, the
  K - 1 inner derivatives by 1e-3 + softplus(d + c) with c = log(e^(1 - 1e-3) - 1), so a
  zero output is the identity; boundary derivatives 1;
* the conditioner of each coupling: the kept coordinate -> Linear(1,128) ReLU
  Linear(128,128) ReLU Linear(128, 23), PyTorch's default init, the last layer zeroed;
  its 23 outputs are [widths 8, heights 8, derivatives 7];
* a standard normal prior; Adam (lr 1e-3, PyTorch's betas and eps) with a cosine schedule
  to 0 over the run (flowc's: lr_s = lr * (1 + cos(pi * s / N)) / 2 for update s = 0..N-1),
  fresh batches of 512 make_moons(noise=0.05) points, 10,000 steps; float32.

The inverse uses the same stable root as flowc (2c / (-b - sqrt(D)) for b >= 0,
(-b + sqrt(D)) / 2a for b < 0, D clamped at 0). Test NLL is the mean of -log p(x) over
--test-size held-out moons from a generator seeded with --test-seed, separate from training.

    python3 bench/nsf_moons_torch.py --seed 0 --threads 1 --json
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from realnvp_moons_torch import make_moons  # noqa: E402  (sklearn's construction in numpy)

BINS, BOUND, MIN_W, MIN_H, MIN_D = 8, 3.0, 1e-3, 1e-3, 1e-3
OFFSET = math.log(math.expm1(1 - MIN_D))


def knots(u, bins=BINS, bound=BOUND, min_w=MIN_W, min_h=MIN_H, min_d=MIN_D):
    """u [N, 3K - 1] -> x knots, y knots [N, K + 1] and derivatives [N, K + 1]."""
    def edges(v, minimum):
        p = torch.softmax(v, dim=-1)
        sizes = minimum + (1 - bins * minimum) * p
        inner = -bound + 2 * bound * torch.cumsum(sizes[..., :-1], dim=-1)
        lo = torch.full_like(inner[..., :1], -bound)
        hi = torch.full_like(inner[..., :1], bound)
        return torch.cat([lo, inner, hi], dim=-1)
    xs = edges(u[..., :bins], min_w)
    ys = edges(u[..., bins:2 * bins], min_h)
    inner = min_d + F.softplus(u[..., 2 * bins:] + OFFSET)
    one = torch.ones_like(inner[..., :1])
    return xs, ys, torch.cat([one, inner, one], dim=-1)


def gather(t, k):
    return t.gather(-1, k[..., None])[..., 0]


def spline(x, u, inverse=False):
    """The rational-quadratic spline with linear tails; x [N], u [N, 3K - 1] -> (y, log|det|)."""
    inside = (x >= -BOUND) & (x < BOUND)
    xs, ys, d = knots(u)
    v = torch.where(inside, x, torch.zeros_like(x))
    grid = ys if inverse else xs
    # The k with knot_k <= v < knot_{k+1} (searchsorted right, minus one), clamped to 0..K-1.
    k = (torch.searchsorted(grid.contiguous(), v[..., None].contiguous(), right=True)[..., 0] - 1).clamp(0, BINS - 1)
    x0, x1, y0, y1 = gather(xs, k), gather(xs, k + 1), gather(ys, k), gather(ys, k + 1)
    d0, d1 = gather(d, k), gather(d, k + 1)
    w, h = x1 - x0, y1 - y0
    s = h / w
    total = d0 + d1 - 2 * s
    if inverse:
        dy = v - y0
        a = h * (s - d0) + dy * total
        b = h * d0 - dy * total
        c = -s * dy
        r = torch.sqrt(torch.clamp(b * b - 4 * a * c, min=0))
        den = -b - r
        pos = torch.where(den < 0, 2 * c / torch.where(den < 0, den, -torch.ones_like(den)), torch.zeros_like(den))
        neg = torch.where(a > 0, (r - b) / torch.where(a > 0, 2 * a, torch.ones_like(a)), torch.ones_like(a))
        theta = torch.where(b >= 0, pos, neg).clamp(0, 1)
        out = (x0 + theta * w).clamp(min=x0, max=x1)
    else:
        theta = ((v - x0) / w).clamp(0, 1)
        t = theta * (1 - theta)
        out = (y0 + h * (s * theta ** 2 + d0 * t) / (s + total * t)).clamp(min=y0, max=y1)
    t = theta * (1 - theta)
    slope = d1 * theta ** 2 + 2 * s * t + d0 * (1 - theta) ** 2
    log_det = torch.log(s * s * slope) - 2 * torch.log(s + total * t)
    if inverse:
        log_det = -log_det
    return torch.where(inside, out, x), torch.where(inside, log_det, torch.zeros_like(x))


def conditioner(hidden=(128, 128)):
    layers, width = [], 1
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    last = nn.Linear(width, 3 * BINS - 1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


class NSF(nn.Module):
    """Spline couplings with alternating masks; keep[i] = 1 marks the kept coordinate."""

    def __init__(self, couplings=8):
        super().__init__()
        self.kept = [1 - (i % 2) for i in range(couplings)]  # keep [0, 1]: x1 kept, x0 transformed
        self.nets = nn.ModuleList([conditioner() for _ in range(couplings)])

    def f(self, x):
        """Data -> latent: z and log|det df/dx| per row."""
        z, log_det = x, torch.zeros(x.shape[0], dtype=x.dtype)
        for kept, net in zip(self.kept, self.nets):
            t = 1 - kept
            y, ld = spline(z[:, t], net(z[:, kept:kept + 1]))
            z = torch.stack([y, z[:, 1]] if t == 0 else [z[:, 0], y], dim=1)
            log_det = log_det + ld
        return z, log_det

    def g(self, z):
        """Latent -> data."""
        x = z
        for kept, net in zip(reversed(self.kept), reversed(self.nets)):
            t = 1 - kept
            v, _ = spline(x[:, t], net(x[:, kept:kept + 1]), inverse=True)
            x = torch.stack([v, x[:, 1]] if t == 0 else [x[:, 0], v], dim=1)
        return x

    def log_prob(self, x):
        z, log_det = self.f(x)
        return -0.5 * (z * z).sum(dim=1) - z.shape[1] * 0.5 * math.log(2 * math.pi) + log_det


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--test-size", type=int, default=10000)
    p.add_argument("--test-seed", type=int, default=1000003)
    p.add_argument("--noise", type=float, default=0.05)
    p.add_argument("--json", action="store_true", help="print only one JSON line of results")
    args = p.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    batches = np.random.default_rng(args.seed)
    test = torch.from_numpy(make_moons(args.test_size, args.noise, np.random.default_rng(args.test_seed)))

    flow = NSF()
    n_params = sum(q.numel() for q in flow.parameters())
    optimizer = torch.optim.Adam(flow.parameters(), lr=args.lr)
    # flowc's cosine schedule: update s (0-based) uses lr * (1 + cos(pi * s / N)) / 2.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
    start, cpu_start = time.perf_counter(), time.process_time()
    for step in range(1, args.steps + 1):
        x = torch.from_numpy(make_moons(args.batch_size, args.noise, batches))
        loss = -flow.log_prob(x).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if not args.json and step % 1000 == 0:
            print(f"step {step}/{args.steps}  loss {loss.item():.4f}", file=sys.stderr)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    with torch.no_grad():
        nll = -flow.log_prob(test).double().mean().item()
        round_trip = (flow.g(flow.f(test)[0]) - test).abs().max().item()
    result = {"test_nll": nll, "round_trip_max_error": round_trip, "ms_per_step": 1000 * seconds / args.steps,
              "training_seconds": seconds, "cpu_ms_per_step": 1000 * cpu_seconds / args.steps, "steps": args.steps, "seed": args.seed, "test_points": args.test_size,
              "parameters": n_params, "threads": torch.get_num_threads(), "torch": torch.__version__}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"test NLL {nll:.4f} nats; max |g(f(x)) - x| = {round_trip:.3g}; {args.steps} steps in {seconds:.1f} s "
              f"({result['ms_per_step']:.2f} ms/step), {n_params:,} parameters")


if __name__ == "__main__":
    main()
