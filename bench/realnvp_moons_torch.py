#!/usr/bin/env python3
"""The seed notebook's Real NVP on two moons, as a plain PyTorch script.

The reference that `flowc run specs/realnvp-moons.yaml` is compared with
(bench/train-moons-compare.sh, bench/step-time.sh). The flow is the notebook's:

* six affine couplings with masks [0, 1], [1, 0], [0, 1], [1, 0], [0, 1], [1, 0],
  where b = 1 marks a KEPT dimension (flowc's `keep`):
      y = b*x + (1-b) * (x * exp(s(b*x)) + t(b*x)),   log|det| = sum((1-b) * s(b*x))
* s = Linear(2,256) LeakyReLU Linear(256,256) LeakyReLU Linear(256,2) Tanh,
  t = the same without the Tanh (PyTorch's default init and LeakyReLU slope 0.01);
* a standard normal prior N(0, I);
* Adam, lr 1e-4 (PyTorch's default betas and eps), batch 100 of fresh
  make_moons(noise=0.05) points every step, 5000 steps;
* float32 throughout.

(The notebook's `f_one_layer` returns torch.log(torch.sum(...)) as the log-determinant,
a slip in the exercise skeleton; the text above it states log|det| = sum((1-b) * s),
which is what this script and flowc use.)

scikit-learn is not needed: `make_moons` below is sklearn's construction in numpy.
Test NLL is the mean of -log p(x) over --test-size held-out moons drawn from a
generator seeded with --test-seed, separate from the training seed.

    python3 bench/realnvp_moons_torch.py --seed 0 --steps 5000 --threads 2 --json
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn


def make_moons(n, noise, rng):
    """sklearn.datasets.make_moons(n, noise=noise, shuffle=True) with a numpy Generator.

    n_out = n // 2 points (cos t, sin t) and n_in = n - n_out points
    (1 - cos t, 1 - sin t - 0.5), t = linspace(0, pi, ·); rows shuffled, then
    N(0, noise^2) added to every coordinate.
    """
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.vstack([
        np.append(np.cos(t_out), 1 - np.cos(t_in)),
        np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),
    ]).T
    x = x[rng.permutation(n)]
    x = x + rng.normal(scale=noise, size=x.shape)
    return x.astype(np.float32)


def nets():
    return nn.Sequential(nn.Linear(2, 256), nn.LeakyReLU(), nn.Linear(256, 256), nn.LeakyReLU(),
                         nn.Linear(256, 2), nn.Tanh())


def nett():
    return nn.Sequential(nn.Linear(2, 256), nn.LeakyReLU(), nn.Linear(256, 256), nn.LeakyReLU(),
                         nn.Linear(256, 2))


MASKS = [[0, 1], [1, 0]] * 3  # b = 1: kept


class RealNVP(nn.Module):
    """The notebook's masked Real NVP (module names follow the notebook: s, t, mask)."""

    def __init__(self, masks):
        super().__init__()
        self.register_buffer("mask", torch.tensor(masks, dtype=torch.float32))
        self.t = nn.ModuleList([nett() for _ in range(len(masks))])
        self.s = nn.ModuleList([nets() for _ in range(len(masks))])

    def f(self, x):
        """Data -> latent: z = f(x) and log|det df/dx| per row."""
        z = x
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        for i in range(len(self.mask)):
            b = self.mask[i]
            zb = b * z
            s = self.s[i](zb) * (1 - b)
            t = self.t[i](zb) * (1 - b)
            z = zb + (1 - b) * (z * torch.exp(s) + t)
            log_det = log_det + s.sum(dim=1)
        return z, log_det

    def g(self, z):
        """Latent -> data: x = g(z) = f^-1(z)."""
        x = z
        for i in reversed(range(len(self.mask))):
            b = self.mask[i]
            xb = b * x
            s = self.s[i](xb) * (1 - b)
            t = self.t[i](xb) * (1 - b)
            x = xb + (1 - b) * ((x - t) * torch.exp(-s))
        return x

    def log_prob(self, x):
        """log p(x) = log N(f(x); 0, I) + log|det|."""
        z, log_det = self.f(x)
        d = z.shape[1]
        return -0.5 * (z * z).sum(dim=1) - 0.5 * d * math.log(2 * math.pi) + log_det


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0, help="training seed: weights (torch) and batches (numpy)")
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--test-size", type=int, default=10000)
    p.add_argument("--test-seed", type=int, default=1000003, help="seed of the held-out moons (flowc's eval.seed default)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--noise", type=float, default=0.05)
    p.add_argument("--log-every", type=int, default=500, help="print the loss every N steps (not with --json)")
    p.add_argument("--json", action="store_true", help="print only one JSON line of results")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    batches = np.random.default_rng(args.seed)
    test = torch.from_numpy(make_moons(args.test_size, args.noise, np.random.default_rng(args.test_seed)))

    flow = RealNVP(MASKS)
    n_params = sum(p.numel() for p in flow.parameters())
    optimizer = torch.optim.Adam(flow.parameters(), lr=args.lr)

    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        x = torch.from_numpy(make_moons(args.batch_size, args.noise, batches))
        loss = -flow.log_prob(x).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if not args.json and args.log_every and (step % args.log_every == 0 or step == args.steps):
            print(f"step {step}/{args.steps}  loss {loss.item():.4f}", file=sys.stderr)
    training_seconds = time.perf_counter() - start

    with torch.no_grad():
        test_nll = -flow.log_prob(test).double().mean().item()
        back = flow.g(flow.f(test)[0])
        round_trip = (back - test).abs().max().item()

    result = {
        "test_nll": test_nll,
        "round_trip_max_error": round_trip,
        "ms_per_step": 1000 * training_seconds / max(1, args.steps),
        "training_seconds": training_seconds,
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
              f"{result['threads']} threads, torch {torch.__version__}), {n_params:,} parameters")


if __name__ == "__main__":
    main()
