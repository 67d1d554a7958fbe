"""What a trained flow says about data, computed as flowc computes it (FlowcBuild/
FlowEvaluator.swift): log p(x) in data space (the preprocessing's log|det| included), in
batches of eval.batch_size, in evaluation mode; scores in nats and bits/dim; samples; the
inverse round trip.

As a script it is `flowc eval` for this package:

    python3 evaluate.py CHECKPOINT [--data POINTS.npy] [-o LOGP.npy] [--float64]

prints the mean NLL over the points (default: the spec's test set, the same points flowc
draws) and writes log p(x) of each point as float64 .npy. The checkpoint may come from
flowc or from train.py.
"""

import argparse
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checkpoint  # noqa: E402
import config  # noqa: E402
import data  # noqa: E402
from flow import build_flow  # noqa: E402


def noise(seed, stream):
    """The numpy generator of dequantisation noise for `stream` of `seed`."""
    h = data.Xoshiro256(seed, stream).next()
    return np.random.Generator(np.random.PCG64(h))


def _evaluating(flow):
    class Mode:
        def __enter__(self):
            self.was = flow.training
            flow.eval()

        def __exit__(self, *exc):
            flow.train(self.was)
    return Mode()


@torch.no_grad()
def log_densities(flow, preprocessing, rows, batch_size, seed):
    """log p(x) of each data-space row (float64 numpy)."""
    rng = noise(seed, "eval-dequantize")
    device, dtype = flow.anchor.device, flow.anchor.dtype
    out = []
    with _evaluating(flow):
        for start in range(0, len(rows), batch_size):
            x, ld = preprocessing.apply(rows[start:start + batch_size], rng)
            lp = flow.log_prob(torch.from_numpy(x).to(device=device, dtype=dtype))
            out.append(lp.double().cpu().numpy() + ld)
    return np.concatenate(out) if out else np.zeros(0)


def score(flow, preprocessing, rows, batch_size, seed):
    """(mean NLL in nats, bits/dim or None) of data-space rows."""
    lp = log_densities(flow, preprocessing, rows, batch_size, seed)
    nll = float(-lp.mean()) if len(lp) else 0.0
    bpd = nll / (flow.dimension * math.log(2)) if preprocessing.reports_bits_per_dimension else None
    return nll, bpd


@torch.no_grad()
def round_trip_error(flow, preprocessing, rows, batch_size):
    """max |g(f(x)) - x| over the rows, in the flow's input space (inf if anything is NaN)."""
    rng = noise(0, "round-trip")
    device, dtype = flow.anchor.device, flow.anchor.dtype
    worst = 0.0
    with _evaluating(flow):
        for start in range(0, len(rows), batch_size):
            x, _ = preprocessing.apply(rows[start:start + batch_size], rng)
            x = torch.from_numpy(x).to(device=device, dtype=dtype)
            z, _ = flow.transform(x)
            back, _ = flow.inverse(z)
            err = (back - x).abs()
            if torch.isnan(err).any():
                return math.inf
            worst = max(worst, float(err.max()) if err.numel() else 0.0)
    return worst


@torch.no_grad()
def samples(flow, preprocessing, count, temperature, seed, batch_size):
    """`count` samples in data space (float32 numpy), drawn in batches from one generator."""
    generator = torch.Generator(device=flow.anchor.device).manual_seed(data.Xoshiro256(seed, "samples").next() >> 1)
    out = []
    with _evaluating(flow):
        done = 0
        while done < count:
            n = min(batch_size, count - done)
            x = flow.sample(n, temperature, generator)
            out.append(preprocessing.invert(x.float().cpu().numpy()))
            done += n
    return np.concatenate(out) if out else np.zeros((0, flow.dimension), dtype=np.float32)


def write_npy(path, array):
    """A version 1.0 .npy, as flowc writes it."""
    np.save(path, np.ascontiguousarray(array))


def main(argv=None):
    p = argparse.ArgumentParser(description="log p(x) of points under a checkpoint of this flow (flowc eval).")
    p.add_argument("checkpoint")
    p.add_argument("--data", help="points to score (.npy, .csv or IDX; default: the spec's test set)")
    p.add_argument("-o", "--output", help="write log p(x) of each point here (.npy, float64)")
    p.add_argument("--float64", action="store_true", help="compute in float64 even for a float32 flow")
    args = p.parse_args(argv)
    flow = build_flow()
    if args.float64:
        flow = flow.double()
    checkpoint.load(args.checkpoint, flow)
    settings = config.SETTINGS
    if args.data:
        rows, _ = data.read_dataset(args.data)
        if rows.shape[1] != flow.dimension:
            print(f"error: {args.data}: {rows.shape[1]} values a row, the flow has dimension {flow.dimension}",
                  file=sys.stderr)
            return 1
    else:
        rows = data.DataPlan(settings, config.DIMENSION, config.SHAPE).test
    plan = data.Preprocessing(settings["data"])
    lp = log_densities(flow, plan, rows, settings["eval"]["batch_size"], settings["eval"]["seed"])
    if args.output:
        write_npy(args.output, lp)
    nll = float(-lp.mean()) if len(lp) else 0.0
    line = f"mean NLL {nll:.4f} nats over {len(lp)} points"
    if plan.reports_bits_per_dimension:
        line += f" ({nll / (flow.dimension * math.log(2)):.3f} bits/dim)"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
