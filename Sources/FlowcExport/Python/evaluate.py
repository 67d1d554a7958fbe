"""What a trained flow says about data, computed as flowc computes it (FlowcBuild/
FlowEvaluator.swift): log p(x) in data space (the preprocessing's log|det| included), in
batches of eval.batch_size, in evaluation mode; scores in nats and bits/dim; samples; the
inverse round trip.

As a script it is `flowc eval` for this package:

    python3 evaluate.py CHECKPOINT [--data POINTS.npy [--labels LABELS-idx1-ubyte]] [-o LOGP.npy] [--float64]

prints the mean NLL over the points (default: the spec's test set, the same points flowc
draws) and writes log p(x) of each point as float64 .npy. The checkpoint may come from
flowc or from train.py.

A conditional flow scores log p(x | c): the test set carries each point's context (its label,
or its context columns); --data needs --labels (an IDX label file) for a class context, and
for a column context is a CSV file whose header names the context columns, as `flowc eval`.
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


def context_tensor(context, device):
    """Raw context rows (numpy: int labels [n], or float32 values [n, C]) as the tensor the flow
    takes: a LongTensor of labels, or the values (the flow converts them to its dtype)."""
    if context is None:
        return None
    a = np.asarray(context)
    if a.dtype.kind in "iu":
        return torch.from_numpy(a.astype(np.int64)).to(device)
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)


def _rows(context, start, end, device):
    return context_tensor(context[start:end], device) if context is not None else None


@torch.no_grad()
def log_densities(flow, preprocessing, rows, batch_size, seed, context=None):
    """log p(x) (log p(x | c) with each row's raw `context`) of each data-space row (float64 numpy)."""
    rng = noise(seed, "eval-dequantize")
    device, dtype = flow.anchor.device, flow.anchor.dtype
    out = []
    with _evaluating(flow):
        for start in range(0, len(rows), batch_size):
            x, ld = preprocessing.apply(rows[start:start + batch_size], rng)
            lp = flow.log_prob(torch.from_numpy(x).to(device=device, dtype=dtype),
                               _rows(context, start, start + batch_size, device))
            out.append(lp.double().cpu().numpy() + ld)
    return np.concatenate(out) if out else np.zeros(0)


def score(flow, preprocessing, rows, batch_size, seed, context=None):
    """(mean NLL in nats, bits/dim or None) of data-space rows."""
    lp = log_densities(flow, preprocessing, rows, batch_size, seed, context)
    nll = float(-lp.mean()) if len(lp) else 0.0
    bpd = nll / (flow.dimension * math.log(2)) if preprocessing.reports_bits_per_dimension else None
    return nll, bpd


@torch.no_grad()
def round_trip_error(flow, preprocessing, rows, batch_size, context=None):
    """max |g(f(x)) - x| over the rows, in the flow's input space (inf if anything is NaN)."""
    rng = noise(0, "round-trip")
    device, dtype = flow.anchor.device, flow.anchor.dtype
    worst = 0.0
    with _evaluating(flow):
        for start in range(0, len(rows), batch_size):
            x, _ = preprocessing.apply(rows[start:start + batch_size], rng)
            x = torch.from_numpy(x).to(device=device, dtype=dtype)
            c = flow.encode(_rows(context, start, start + batch_size, device), x.shape[0])
            z, _ = flow.transform(x, encoded=c)
            back, _ = flow.inverse(z, encoded=c)
            err = (back - x).abs()
            if torch.isnan(err).any():
                return math.inf
            worst = max(worst, float(err.max()) if err.numel() else 0.0)
    return worst


def sample_context(settings, count, test_context):
    """The raw context of a run's `count` samples, as flowc's (Runner.sampleContext): a class
    context's classes 0 ..< K in equal consecutive blocks (sample i has class i*K // count), a
    column context's test rows in turn (cycled); None for an unconditional flow."""
    c = settings["data"].get("context")
    if c is None:
        return None
    if c["columns"] is None:
        k = c["num_classes"]
        return np.asarray([i * k // count for i in range(count)], dtype=np.int64)
    if test_context is None or len(test_context) == 0:
        raise ValueError("a column context samples at the test set's context rows, and there are none")
    return np.asarray(test_context)[[i % len(test_context) for i in range(count)]]


@torch.no_grad()
def samples(flow, preprocessing, count, temperature, seed, batch_size, context=None):
    """`count` samples in data space (float32 numpy), drawn in batches from one generator; a
    conditional flow takes one raw context row per sample (`sample_context`)."""
    generator = torch.Generator(device=flow.anchor.device).manual_seed(data.Xoshiro256(seed, "samples").next() >> 1)
    out = []
    with _evaluating(flow):
        done = 0
        while done < count:
            n = min(batch_size, count - done)
            x = flow.sample(n, temperature, generator, context=_rows(context, done, done + n, flow.anchor.device))
            out.append(preprocessing.invert(x.float().cpu().numpy()))
            done += n
    return np.concatenate(out) if out else np.zeros((0, flow.dimension), dtype=np.float32)


def write_npy(path, array):
    """A version 1.0 .npy, as flowc writes it."""
    np.save(path, np.ascontiguousarray(array))


def main(argv=None):
    p = argparse.ArgumentParser(description="log p(x) of points under a checkpoint of this flow (flowc eval).")
    p.add_argument("checkpoint")
    p.add_argument("--data", help="points to score (.npy, .csv or IDX; default: the spec's test set); for a flow "
                                  "conditioned on CSV columns, a CSV file whose header names them")
    p.add_argument("--labels", help="the IDX label file of --data: each point's class, the context of a class-conditional flow")
    p.add_argument("-o", "--output", help="write log p(x) of each point here (.npy, float64)")
    p.add_argument("--float64", action="store_true", help="compute in float64 even for a float32 flow")
    args = p.parse_args(argv)
    flow = build_flow()
    if args.float64:
        flow = flow.double()
    checkpoint.load(args.checkpoint, flow)
    settings = config.SETTINGS
    c = settings["data"].get("context")
    columns = c["columns"] if c is not None else None
    if args.labels and (not args.data or c is None or columns is not None):
        print(f"error: --labels {args.labels}: " + ("it labels the points of --data, which is not given" if not args.data
              else "the flow is unconditional" if c is None else "the flow is conditioned on columns, which --data carries"),
              file=sys.stderr)
        return 1
    context = None
    if args.data:
        if c is not None and columns is None and not args.labels:
            print("error: the flow is conditional: give the class of each point of --data with --labels <IDX label file>",
                  file=sys.stderr)
            return 1
        try:
            if columns is not None:
                rows, _, header = data.read_csv_table(args.data)
                rows, context = data.split_context_columns(args.data, rows, header, columns)
            else:
                rows, _ = data.read_dataset(args.data)
            if args.labels:
                context = data.read_idx_labels(args.labels)
                if len(context) != len(rows):
                    raise data.DataError(f"{args.data}: {len(rows)} rows but {len(context)} labels in {args.labels}")
                if int(context.min(initial=0)) < 0 or int(context.max(initial=0)) >= c["num_classes"]:
                    raise data.DataError(f"{args.labels}: a label outside the context's 0 ..< {c['num_classes']}")
        except data.DataError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        if rows.shape[1] != flow.dimension:
            print(f"error: {args.data}: {rows.shape[1]} values a row, the flow has dimension {flow.dimension}",
                  file=sys.stderr)
            return 1
    else:
        test = data.DataPlan(settings, config.DIMENSION, config.SHAPE)
        rows, context = test.test, test.test_context
    plan = data.Preprocessing(settings["data"])
    lp = log_densities(flow, plan, rows, settings["eval"]["batch_size"], settings["eval"]["seed"], context)
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
