#!/usr/bin/env python3
"""specs/maf-moons.yaml as a plain PyTorch script: the reference `flowc run` is compared with
(bench/train-maf-compare.sh).

Written from docs/spec.md's `maf` section, not from flowc's code, and without nflows or zuko:
zuko's MADE assigns hidden degrees differently, and nflows' MAF layer scales by
sigmoid(s + 2) + 1e-3 with no exp/clamp option; the flow here is exactly the spec's:

* L masked autoregressive layers (--layers, default 10), orders alternating natural [0, 1]
  and reversed [1, 0]; each layer
      y_i = x_i * exp(u_i) + t_i,   u_i = c * tanh(s_i / c),   log|det| = sum_i u_i
  with (s_i, t_i) = MADE(x) columns (2i, 2i + 1) and the soft clamp c (--clamp, default 3);
* the MADE: D=2 inputs, hidden layers --hidden (default 128 128) with ReLU, 2*D outputs;
  input degrees = position in the order (from 1), hidden unit j of every layer degree
  1 + (j mod (D - 1)), outputs the degree of their dimension; a weight exists from a unit of
  degree a to a hidden unit of degree b >= a and to an output of degree b > a. Masked
  nn.Linear layers (weight * mask in forward; PyTorch's default init, then the masked weights
  set to 0, as flowc does);
* a standard normal prior; sampling inverts each layer in D passes;
* Adam (PyTorch's default betas and eps), lr --lr (default 1e-3) on a cosine schedule to 0
  over --steps (default 10000) updates, as flowc's `schedule: cosine`; batch --batch-size
  (default 256) of fresh make_moons(noise=0.05) points every step; float32 throughout.

Test NLL is the mean of -log p(x) over --test-size held-out moons drawn from a generator
seeded with --test-seed, separate from the training seed. Sampling time is the time to draw
--sample-count samples after training (D passes per layer).

    python3 bench/maf_moons_torch.py --seed 0 --threads 1 --json
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from realnvp_moons_torch import make_moons  # noqa: E402  (sklearn's construction in numpy)


def degrees_and_masks(order, hidden, k):
    """MADE masks [out, in] for each linear layer, from the degrees of docs/spec.md."""
    d = len(order)
    inputs = [0] * d
    for pos, i in enumerate(order):
        inputs[i] = pos + 1
    below = inputs
    masks = []
    for w in hidden:
        above = [j % max(1, d - 1) + min(1, d - 1) for j in range(w)]
        masks.append(torch.tensor([[1.0 if b >= a else 0.0 for a in below] for b in above]))
        below = above
    outputs = [m for m in inputs for _ in range(k)]  # dimension-major: column i*k + p
    masks.append(torch.tensor([[1.0 if b > a else 0.0 for a in below] for b in outputs]))
    return masks


class MaskedLinear(nn.Linear):
    """nn.Linear with a fixed 0/1 mask buffer (nflows' and zuko's MaskedLinear)."""

    def __init__(self, mask):
        super().__init__(mask.shape[1], mask.shape[0])
        self.register_buffer("mask", mask)
        with torch.no_grad():
            self.weight.mul_(mask)

    def forward(self, x):
        return nn.functional.linear(x, self.weight * self.mask, self.bias)


class MAFLayer(nn.Module):
    def __init__(self, order, hidden, clamp):
        super().__init__()
        self.order = order
        self.clamp = clamp
        masks = degrees_and_masks(order, hidden, 2)
        layers = []
        for l, m in enumerate(masks):
            layers.append(MaskedLinear(m))
            if l < len(masks) - 1:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)  # names net.0.weight, net.0.mask, net.2.weight, ... as flowc's

    def params(self, x):
        theta = self.net(x).view(x.shape[0], -1, 2)
        s, t = theta[..., 0], theta[..., 1]
        u = self.clamp * torch.tanh(s / self.clamp) if self.clamp else s
        return u, t

    def forward(self, x):
        u, t = self.params(x)
        return x * torch.exp(u) + t, u.sum(dim=1)

    def inverse(self, y):
        x = torch.zeros_like(y)
        for i in self.order:  # one dimension per pass, in the order
            u, t = self.params(x)
            x = x.clone()
            x[:, i] = (y[:, i] - t[:, i]) * torch.exp(-u[:, i])
        return x


class MAF(nn.Module):
    def __init__(self, layers, hidden, clamp):
        super().__init__()
        orders = [[0, 1], [1, 0]]
        self.layers = nn.ModuleList([MAFLayer(orders[l % 2], hidden, clamp) for l in range(layers)])

    def log_prob(self, x):
        z, ld = x, torch.zeros(x.shape[0], dtype=x.dtype)
        for layer in self.layers:
            z, l = layer(z)
            ld = ld + l
        return -0.5 * (z * z).sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi) + ld

    def inverse(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z

    def forward_z(self, x):
        for layer in self.layers:
            x, _ = layer(x)
        return x


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0, help="training seed: weights (torch) and batches (numpy)")
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--layers", type=int, default=10)
    p.add_argument("--hidden", type=int, nargs="+", default=[128, 128])
    p.add_argument("--clamp", type=float, default=3.0, help="soft clamp c of the log-scale (0: none)")
    p.add_argument("--test-size", type=int, default=10000)
    p.add_argument("--test-seed", type=int, default=1000003, help="seed of the held-out moons (flowc's eval.seed default)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--noise", type=float, default=0.05)
    p.add_argument("--sample-count", type=int, default=100000)
    p.add_argument("--log-every", type=int, default=1000, help="print the loss every N steps (not with --json)")
    p.add_argument("--save-test", metavar="PATH", help="also write the test points to PATH (.npy, float32) for `flowc eval`")
    p.add_argument("--json", action="store_true", help="print only one JSON line of results")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    batches = np.random.default_rng(args.seed)
    test = torch.from_numpy(make_moons(args.test_size, args.noise, np.random.default_rng(args.test_seed)))
    if args.save_test:
        np.save(args.save_test, test.numpy())

    flow = MAF(args.layers, args.hidden, args.clamp)
    n_params = sum(p.numel() for p in flow.parameters())
    optimizer = torch.optim.Adam(flow.parameters(), lr=args.lr)

    start = time.perf_counter()
    for step in range(args.steps):
        # flowc's cosine schedule (no warm-up, floor 0): lr of update s = lr * (1 + cos(pi s / N)) / 2.
        for g in optimizer.param_groups:
            g["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        x = torch.from_numpy(make_moons(args.batch_size, args.noise, batches))
        loss = -flow.log_prob(x).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if not args.json and args.log_every and ((step + 1) % args.log_every == 0 or step + 1 == args.steps):
            print(f"step {step + 1}/{args.steps}  loss {loss.item():.4f}", file=sys.stderr)
    training_seconds = time.perf_counter() - start

    with torch.no_grad():
        test_nll = -flow.log_prob(test).double().mean().item()
        back = flow.inverse(flow.forward_z(test))
        round_trip = (back - test).abs().max().item()
        t0 = time.perf_counter()
        flow.inverse(torch.randn(args.sample_count, 2))
        sampling_seconds = time.perf_counter() - t0

    result = {
        "test_nll": test_nll,
        "round_trip_max_error": round_trip,
        "ms_per_step": 1000 * training_seconds / max(1, args.steps),
        "training_seconds": training_seconds,
        "sampling_seconds": sampling_seconds,
        "sample_count": args.sample_count,
        "steps": args.steps,
        "seed": args.seed,
        "test_points": args.test_size,
        "parameters": n_params,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "blas": "mkl" if torch.backends.mkl.is_available() else "other",
        "mkldnn": torch.backends.mkldnn.is_available(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"test NLL {test_nll:.4f} nats on {args.test_size} held-out points")
        print(f"inverse round trip: max |g(f(x)) - x| = {round_trip:.3g} on the test set")
        print(f"{args.steps} steps in {training_seconds:.1f} s ({result['ms_per_step']:.3f} ms/step, "
              f"{result['threads']} threads, torch {torch.__version__}), {n_params:,} parameters; "
              f"{args.sample_count} samples in {sampling_seconds:.3f} s")


if __name__ == "__main__":
    main()
