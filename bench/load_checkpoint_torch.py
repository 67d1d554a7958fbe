#!/usr/bin/env python3
"""Rebuild a flowc checkpoint as a plain PyTorch module and check its log-densities.

    python3 bench/load_checkpoint_torch.py CHECKPOINT POINTS.npy LOGP.npy [--tolerance 1e-4] [--dtype float64]

CHECKPOINT is a `.safetensors` file written by `flowc run` (runs/<name>-<stamp>/checkpoints/
last.safetensors or best.safetensors). POINTS.npy holds data-space points [N, D]; LOGP.npy holds
flowc's log p(x) of the same points, from

    flowc eval CHECKPOINT --data POINTS.npy -o LOGP.npy

The checkpoint is read with nothing but `struct`, `json` and numpy (no `safetensors` package):
the flow is built from the metadata's `resolved_graph` (the graph `flowc check --emit json`
prints), and its weights are loaded from the tensors by name (`layers.{i}.scale_net.{0,2,4}.weight`
[out, in] and `.bias` [out], as an nn.Sequential of Linear and activation modules). The module is
independent of flowc's code: it re-derives every formula from docs/spec.md.

Supported (anything else is refused with a message naming it, exit status 2):
  * affine_coupling and additive_coupling, `net_io` masked (the net sees b*x, D outputs per head,
    only transformed positions used) or split (the net sees the kept features, one output per
    transformed feature), separate scale/shift nets or one shared net with the heads side by
    side; mask 1 = kept;
  * scale_function exp or sigmoid (sigmoid(s + 2)), optional scale_clamp c (s <- c*tanh(s/c)),
    applied after the net's output activation;
  * activations relu, leaky_relu(a), tanh, elu(a), gelu, sigmoid, softplus, none;
  * spline_coupling (rational-quadratic splines, linear tails or none, any bins, bound and minima;
    docs/spec.md section 6.7), net_io masked or split;
  * permutation layers (y[i] = x[order[i]]);
  * maf and iaf layers with the affine transform: the MADE's masked nn.Linear layers from
    `layers.{i}.net.{k}.weight`, `.bias` and `.mask` (the masks checked against the degrees of
    docs/spec.md), the order from the graph (checked against `layers.{i}.order`); iaf's density
    solved one dimension per pass;
  * priors standard_normal and logistic;
  * no data preprocessing (no dequantization, scaling or logit).

Exit status: 0 if max |log p_torch - log p_flowc| <= tolerance, 1 if larger, 2 on a usage error or an
unsupported checkpoint. The maximum difference is always printed.

The PyTorch side runs in float64 by default, so the difference is flowc's own float32 rounding. On the
seed flow that is ~1e-6 for typical points but reaches ~1e-4 on rare low-density points (log p around
-10 to -20) of a fully trained model: numpy in float32 with the same OpenBLAS kernels shows the same
errors (MKL's sgemm, which PyTorch uses, is about three times more accurate there). Use --rtol (e.g.
1e-5) to allow for that on trained checkpoints.
"""

import argparse
import json
import math
import re
import struct
import sys

import numpy as np
import torch
from torch import nn

SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
                      "U8": np.uint8, "BOOL": np.bool_}


class Unsupported(Exception):
    """The checkpoint uses something this loader does not implement."""


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata dict) of a .safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise Unsupported(f"{path}: too short to be a safetensors file")
    (header_len,) = struct.unpack("<Q", data[:8])
    if 8 + header_len > len(data):
        raise Unsupported(f"{path}: header length {header_len} exceeds the file size")
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise Unsupported(f"tensor {name!r} has dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[base + begin:base + end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = arr.reshape(info["shape"]).copy()
    return tensors, metadata


def make_activation(spec):
    """An nn module for a flowc activation spelling (`leaky_relu(0.01)`, `tanh`, `none`), or None."""
    m = re.fullmatch(r"([a-z_]+)(?:\(([-+0-9.eE]+)\))?", spec)
    if not m:
        raise Unsupported(f"activation {spec!r}")
    name, arg = m.group(1), m.group(2)
    if name == "none":
        return None
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(float(arg) if arg else 0.01)
    if name == "tanh":
        return nn.Tanh()
    if name == "elu":
        return nn.ELU(float(arg) if arg else 1.0)
    if name == "gelu":
        return nn.GELU()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "softplus":
        return nn.Softplus()
    raise Unsupported(f"activation {spec!r}")


def make_mlp(net, tensors, prefix, dtype):
    """nn.Sequential(Linear, act, Linear, act, ..., Linear[, output act]) with the checkpoint's weights.

    Module indices follow flowc's names: Linear l is entry 2l, so `prefix + "0.weight"` loads into
    the first Linear. An output activation, when present, is the last entry.
    """
    widths = net["widths"]
    layers = []
    for l in range(len(widths) - 1):
        lin = nn.Linear(widths[l], widths[l + 1])
        w_name, b_name = f"{prefix}{2 * l}.weight", f"{prefix}{2 * l}.bias"
        for name, shape in ((w_name, (widths[l + 1], widths[l])), (b_name, (widths[l + 1],))):
            if name not in tensors:
                raise Unsupported(f"missing tensor {name!r}")
            if tuple(tensors[name].shape) != shape:
                raise Unsupported(f"tensor {name!r} has shape {list(tensors[name].shape)}, expected {list(shape)}")
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(tensors[w_name]))
            lin.bias.copy_(torch.from_numpy(tensors[b_name]))
        layers.append(lin)
        last = l == len(widths) - 2
        act = make_activation(net["output_activation"] if last else net["activation"])
        if act is not None:
            layers.append(act)
        elif not last:
            layers.append(nn.Identity())  # keeps Linear l at index 2l
    return nn.Sequential(*layers).to(dtype)


class Coupling(nn.Module):
    """An affine or additive coupling with a 0/1 keep mask (1 = kept)."""

    def __init__(self, node, tensors, prefix, dtype):
        super().__init__()
        self.affine = node["kind"] == "affine_coupling"
        mask = node["mask"]
        d = len(mask)
        self.io = node["net_io"]
        if self.io not in ("masked", "split"):
            raise Unsupported(f"net_io {self.io!r} in node {node['name']!r}")
        self.register_buffer("b", torch.tensor(mask, dtype=dtype))
        self.kept = [i for i in range(d) if mask[i] == 1]
        self.transformed = [i for i in range(d) if mask[i] == 0]
        head = d if self.io == "masked" else len(self.transformed)
        # Output columns of each head, per transformed feature.
        cols = (lambda base: [base + i for i in self.transformed]) if self.io == "masked" else \
               (lambda base: [base + j for j in range(len(self.transformed))])
        layout = node["nets_layout"]
        nets = {n["role"]: n for n in node["nets"]}
        if self.affine:
            self.scale_function = node["scale_function"]
            if self.scale_function not in ("exp", "sigmoid"):
                raise Unsupported(f"scale_function {self.scale_function!r} in node {node['name']!r}")
            self.clamp = node.get("scale_clamp")
            if layout == "separate":
                self.s_net = make_mlp(nets["scale"], tensors, prefix + "scale_net.", dtype)
                self.t_net = make_mlp(nets["shift"], tensors, prefix + "shift_net.", dtype)
                self.s_cols, self.t_cols = cols(0), cols(0)
            elif layout == "shared":
                self.s_net = make_mlp(nets["net"], tensors, prefix + "net.", dtype)
                self.t_net = None
                self.s_cols, self.t_cols = cols(0), cols(head)
            else:
                raise Unsupported(f"nets_layout {layout!r} in node {node['name']!r}")
        else:
            net = nets.get("shift") or nets.get("net")
            if net is None or len(node["nets"]) != 1:
                raise Unsupported(f"additive coupling {node['name']!r} with nets {[n['role'] for n in node['nets']]}")
            self.s_net = None
            self.t_net = make_mlp(net, tensors, prefix + "shift_net.", dtype)
            self.t_cols = cols(0)

    def net_input(self, x):
        return x * self.b if self.io == "masked" else x[:, self.kept]

    def heads(self, x):
        """(log-scale per transformed feature or None, scale or None, shift) from the kept features of x."""
        h = self.net_input(x)
        if not self.affine:
            return None, None, self.t_net(h)[:, self.t_cols]
        out_s = self.s_net(h)
        out_t = out_s if self.t_net is None else self.t_net(h)
        u = out_s[:, self.s_cols]
        if self.clamp is not None:
            u = self.clamp * torch.tanh(u / self.clamp)
        if self.scale_function == "exp":
            return u, torch.exp(u), out_t[:, self.t_cols]
        return -nn.functional.softplus(-(u + 2)), torch.sigmoid(u + 2), out_t[:, self.t_cols]

    def forward(self, x):
        log_scale, scale, shift = self.heads(x)
        y = x.clone()
        xt = x[:, self.transformed]
        y[:, self.transformed] = xt * scale + shift if self.affine else xt + shift
        log_det = log_scale.sum(dim=1) if self.affine else torch.zeros(x.shape[0], dtype=x.dtype)
        return y, log_det


class MaskedLinear(nn.Linear):
    """nn.Linear with a fixed 0/1 mask buffer: y = x (weight * mask)^T + bias (nflows', zuko's MaskedLinear)."""

    def __init__(self, weight, bias, mask):
        super().__init__(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            self.weight.copy_(torch.from_numpy(weight))
            self.bias.copy_(torch.from_numpy(bias))
        self.register_buffer("mask", torch.from_numpy(mask))

    def forward(self, x):
        return nn.functional.linear(x, self.weight * self.mask, self.bias)


def made_masks(order, hidden, k):
    """The MADE masks [out, in] of docs/spec.md (`maf`): input degree = position in the order from 1,
    hidden unit j degree 1 + (j mod (D - 1)) (0 when D = 1), outputs the degree of their dimension,
    grouped by dimension; weight to a hidden unit iff its degree >= the one below, to an output iff >."""
    d = len(order)
    inputs = [0] * d
    for pos, i in enumerate(order):
        inputs[i] = pos + 1
    below, masks = inputs, []
    for w in hidden:
        above = [j % max(1, d - 1) + min(1, d - 1) for j in range(w)]
        masks.append(np.array([[1.0 if b >= a else 0.0 for a in below] for b in above]))
        below = above
    outputs = [m for m in inputs for _ in range(k)]
    masks.append(np.array([[1.0 if b > a else 0.0 for a in below] for b in outputs]))
    return masks


class Autoregressive(nn.Module):
    """maf (density in one MADE pass) or iaf (the same map the other way: density in D passes),
    affine transform y_i = x_i * m(s_i) + t_i with (s_i, t_i) = MADE columns (2i, 2i + 1)."""

    def __init__(self, node, tensors, prefix, dtype):
        super().__init__()
        self.iaf = node["kind"] == "iaf"
        if node["transform"] != "affine":
            raise Unsupported(f"transform {node['transform']!r} in node {node['name']!r}")
        self.order = list(node["order"])
        stored = tensors.get(prefix + "order")
        if stored is None or [int(v) for v in stored] != self.order:
            raise Unsupported(f"tensor {prefix}order is {stored} but the graph's order is {self.order}")
        self.scale_function = node["scale_function"]
        if self.scale_function not in ("exp", "sigmoid"):
            raise Unsupported(f"scale_function {self.scale_function!r} in node {node['name']!r}")
        self.clamp = node.get("scale_clamp")
        net = node["net"]
        widths = net["widths"]
        masks = made_masks(self.order, widths[1:-1], node["parameters_per_dimension"])
        layers = []
        for l in range(len(widths) - 1):
            w, b, m = (tensors.get(f"{prefix}net.{2 * l}.{n}") for n in ("weight", "bias", "mask"))
            if w is None or b is None or m is None:
                raise Unsupported(f"missing {prefix}net.{2 * l}.weight, .bias or .mask")
            if not np.array_equal(m, masks[l].astype(m.dtype)):
                raise Unsupported(f"{prefix}net.{2 * l}.mask differs from the mask the degrees of docs/spec.md give")
            layers.append(MaskedLinear(w, b, m))
            act = make_activation(net["output_activation"] if l == len(widths) - 2 else net["activation"])
            if act is not None:
                layers.append(act)
            elif l < len(widths) - 2:
                layers.append(nn.Identity())
        self.net = nn.Sequential(*layers).to(dtype)

    def theta(self, u):
        """(log m, m, t) per dimension from the MADE on u."""
        out = self.net(u).view(u.shape[0], -1, 2)
        s, t = out[..., 0], out[..., 1]
        if self.clamp is not None:
            s = self.clamp * torch.tanh(s / self.clamp)
        if self.scale_function == "exp":
            return s, torch.exp(s), t
        return -nn.functional.softplus(-(s + 2)), torch.sigmoid(s + 2), t

    def forward(self, x):
        if not self.iaf:
            log_m, m, t = self.theta(x)
            return x * m + t, log_m.sum(dim=1)
        y = torch.zeros_like(x)
        for i in self.order:  # solve x = y * m(y) + t(y) one dimension per pass
            log_m, m, t = self.theta(y)
            y = y.clone()
            y[:, i] = (x[:, i] - t[:, i]) / m[:, i]
        return y, -log_m.sum(dim=1)


class SplineCoupling(nn.Module):
    """A rational-quadratic spline coupling (docs/spec.md 6.7): per transformed feature a block of
    P = 3K - 1 (linear tails) or 3K + 1 (none) network outputs [widths K, heights K, derivatives],
    dimension-major; knots by softmax with minimum sizes, slopes m + softplus(d + log(e^(1-m) - 1))."""

    def __init__(self, node, tensors, prefix, dtype):
        super().__init__()
        mask = node["mask"]
        d = len(mask)
        self.io = node["net_io"]
        if self.io not in ("masked", "split"):
            raise Unsupported(f"net_io {self.io!r} in node {node['name']!r}")
        self.register_buffer("b", torch.tensor(mask, dtype=dtype))
        self.kept = [i for i in range(d) if mask[i] == 1]
        self.transformed = [i for i in range(d) if mask[i] == 0]
        self.bins, self.bound, self.tails = node["bins"], node["bound"], node["tails"]
        self.min_w, self.min_h, self.min_d = node["min_bin_width"], node["min_bin_height"], node["min_derivative"]
        if self.tails not in ("linear", "none"):
            raise Unsupported(f"tails {self.tails!r} in node {node['name']!r}")
        self.p = 3 * self.bins - 1 if self.tails == "linear" else 3 * self.bins + 1
        if node["parameters_per_dimension"] != self.p:
            raise Unsupported(f"node {node['name']!r}: {node['parameters_per_dimension']} parameters per dimension, expected {self.p}")
        positions = self.transformed if self.io == "masked" else range(len(self.transformed))
        self.cols = [q * self.p + c for q in positions for c in range(self.p)]
        self.net = make_mlp(node["nets"][0], tensors, prefix + "net.", dtype)

    def edges(self, v, minimum):
        sizes = minimum + (1 - self.bins * minimum) * torch.softmax(v, dim=-1)
        inner = -self.bound + 2 * self.bound * torch.cumsum(sizes[..., :-1], dim=-1)
        ends = torch.full_like(inner[..., :1], self.bound)
        return torch.cat([-ends, inner, ends], dim=-1)

    def forward(self, x):
        h = x * self.b if self.io == "masked" else x[:, self.kept]
        u = self.net(h)[:, self.cols].reshape(x.shape[0], len(self.transformed), self.p)
        k_ = self.bins
        xs, ys = self.edges(u[..., :k_], self.min_w), self.edges(u[..., k_:2 * k_], self.min_h)
        slopes = self.min_d + nn.functional.softplus(u[..., 2 * k_:] + math.log(math.expm1(1 - self.min_d)))
        if self.tails == "linear":
            one = torch.ones_like(slopes[..., :1])
            slopes = torch.cat([one, slopes, one], dim=-1)
        v = x[:, self.transformed]
        B = self.bound
        inside = (v >= -B) & ((v < B) if self.tails == "linear" else (v <= B))
        w = torch.where(inside, v, torch.zeros_like(v))
        k = (torch.searchsorted(xs.contiguous(), w[..., None].contiguous(), right=True)[..., 0] - 1).clamp(0, k_ - 1)
        g = lambda t, i: t.gather(-1, i[..., None])[..., 0]
        x0, x1, y0, y1, d0, d1 = g(xs, k), g(xs, k + 1), g(ys, k), g(ys, k + 1), g(slopes, k), g(slopes, k + 1)
        s = (y1 - y0) / (x1 - x0)
        theta = ((w - x0) / (x1 - x0)).clamp(0, 1)
        t = theta * (1 - theta)
        den = s + (d0 + d1 - 2 * s) * t
        out = y0 + (y1 - y0) * (s * theta ** 2 + d0 * t) / den
        ld = torch.log(s * s * (d1 * theta ** 2 + 2 * s * t + d0 * (1 - theta) ** 2)) - 2 * torch.log(den)
        nan = torch.full_like(v, float("nan"))
        outside_y = v if self.tails == "linear" else nan
        outside_ld = torch.zeros_like(v) if self.tails == "linear" else nan
        y = x.clone()
        y[:, self.transformed] = torch.where(inside, out, outside_y)
        return y, torch.where(inside, ld, outside_ld).sum(dim=1)


class Permute(nn.Module):
    def __init__(self, order):
        super().__init__()
        self.order = list(order)

    def forward(self, x):
        return x[:, self.order], torch.zeros(x.shape[0], dtype=x.dtype)


class CheckpointFlow(nn.Module):
    """The flow of a flowc checkpoint: layers in graph order, then the prior."""

    def __init__(self, graph, tensors, dtype):
        super().__init__()
        self.dimension = graph["dimension"]
        layers = []
        for node in graph["nodes"]:
            prefix = f"layers.{node['index']}."
            kind = node["kind"]
            if kind in ("affine_coupling", "additive_coupling"):
                layers.append(Coupling(node, tensors, prefix, dtype))
            elif kind == "spline_coupling":
                layers.append(SplineCoupling(node, tensors, prefix, dtype))
            elif kind == "permutation":
                layers.append(Permute(node["order"]))
            elif kind in ("maf", "iaf"):
                layers.append(Autoregressive(node, tensors, prefix, dtype))
            else:
                raise Unsupported(f"layer kind {kind!r} (node {node.get('name')!r}, {node.get('source')})")
        self.layers = nn.ModuleList(layers)
        self.prior = graph["prior"]["kind"]
        if self.prior not in ("standard_normal", "logistic"):
            raise Unsupported(f"prior {self.prior!r}")

    def log_prob(self, x):
        z, log_det = x, torch.zeros(x.shape[0], dtype=x.dtype)
        for layer in self.layers:
            z, ld = layer(z)
            log_det = log_det + ld
        if self.prior == "standard_normal":
            log_pz = -0.5 * (z * z).sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
        else:
            log_pz = -(nn.functional.softplus(z) + nn.functional.softplus(-z)).sum(dim=1)
        return log_pz + log_det


def load(path, dtype=None):
    """(CheckpointFlow, resolved graph dict) of a flowc checkpoint; dtype defaults to the checkpoint's."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "flowc-checkpoint-1":
        raise Unsupported(f"{path}: not a flowc checkpoint (metadata format {meta.get('format')!r})")
    graph = json.loads(meta["resolved_graph"])
    pre = graph.get("settings", {}).get("data", {}).get("preprocess", {})
    source = graph.get("settings", {}).get("data", {}).get("source")
    if pre.get("dequantize") or pre.get("logit_alpha") is not None or source == "idx":
        raise Unsupported("data preprocessing (dequantize / scale / logit) is not implemented here")
    if dtype is None:
        dtype = torch.float64 if meta.get("dtype", graph.get("dtype")) == "float64" else torch.float32
    flow = CheckpointFlow(graph, tensors, dtype).eval()
    # Fixed structural buffers (the MADE's masks and orders) are not parameters.
    n_params = sum(int(np.prod(t.shape)) for name, t in tensors.items()
                   if not name.startswith("optimizer.") and not name.endswith((".mask", ".order")))
    if n_params != graph["totals"]["parameters"]:
        raise Unsupported(f"the checkpoint holds {n_params} parameter values, its graph says {graph['totals']['parameters']}")
    loaded = sum(p.numel() for p in flow.parameters())
    if loaded != n_params:
        raise Unsupported(f"the module uses {loaded} of the checkpoint's {n_params} parameter values")
    return flow, graph


def main(argv=None):
    p = argparse.ArgumentParser(description="Rebuild a flowc checkpoint in PyTorch and compare log p(x) with flowc's.")
    p.add_argument("checkpoint")
    p.add_argument("points", help=".npy of data-space points [N, D]")
    p.add_argument("logp", help=".npy of flowc's log p(x) for the points [N] (flowc eval ... -o LOGP.npy)")
    p.add_argument("--tolerance", type=float, default=1e-4, help="absolute tolerance on log p (default 1e-4)")
    p.add_argument("--rtol", type=float, default=0.0,
                   help="also allow rtol * |log p| per point (default 0: the check is absolute only)")
    p.add_argument("--dtype", choices=["float64", "float32", "checkpoint"], default="float64",
                   help="precision of the PyTorch evaluation (default float64: the difference is then flowc's own "
                        "rounding error; `checkpoint` uses the checkpoint's dtype)")
    args = p.parse_args(argv)
    dtype = {"float64": torch.float64, "float32": torch.float32, "checkpoint": None}[args.dtype]
    try:
        flow, graph = load(args.checkpoint, dtype)
    except (Unsupported, KeyError, ValueError, OSError) as e:
        print(f"error: cannot rebuild {args.checkpoint} in PyTorch: {e}", file=sys.stderr)
        return 2
    points = np.load(args.points)
    expected = np.load(args.logp).astype(np.float64).reshape(-1)
    if points.ndim != 2 or points.shape[1] != flow.dimension:
        print(f"error: {args.points} has shape {points.shape}, expected [N, {flow.dimension}]", file=sys.stderr)
        return 2
    if expected.shape[0] != points.shape[0]:
        print(f"error: {args.logp} has {expected.shape[0]} values for {points.shape[0]} points", file=sys.stderr)
        return 2
    dtype = next(flow.parameters()).dtype
    with torch.no_grad():
        # flowc reads points as float32; so does this script, then widens them to `dtype`.
        got = flow.log_prob(torch.from_numpy(points.astype(np.float32)).to(dtype)).double().numpy()
    diff = np.abs(got - expected)
    finite = bool(np.all(np.isfinite(diff)))
    worst = float(np.max(diff)) if finite else float("inf")
    allowed = args.tolerance + args.rtol * np.abs(got)
    ok = finite and bool(np.all(diff <= allowed))
    print(f"{graph['name']}: {len(graph['nodes'])} layers, {graph['totals']['parameters']:,} parameters, {dtype}; "
          f"{points.shape[0]} points, mean log p torch {got.mean():.6f} flowc {expected.mean():.6f}")
    if finite:
        i = int(np.argmax(diff))
        print(f"differences: median {np.median(diff):.3g}, 99th percentile {np.percentile(diff, 99):.3g}, "
              f"{int(np.sum(diff > allowed))} of {len(diff)} over tolerance; worst at point {i} "
              f"(log p {got[i]:.4f})")
    tol = f"{args.tolerance:g}" + (f" + {args.rtol:g}*|log p|" if args.rtol else "")
    print(f"max |log p_torch - log p_flowc| = {worst:.3g} (tolerance {tol}): " + ("OK" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
