#!/usr/bin/env python3
"""Log-density or sampling time of many points under the seed notebook's Real NVP in PyTorch,
with the weights of a flowc checkpoint: the PyTorch side of bench/run-all.sh's moons-density
and moons-sample workloads (flowc's side is `flowc eval` and `flowc sample` on the same file).

The module is bench/realnvp_moons_torch.py's RealNVP (the script a researcher would write),
loaded from `layers.{i}.scale_net.{0,2,4}` and `layers.{i}.shift_net.{0,2,4}` of a checkpoint
of specs/realnvp-moons.yaml, so both tools evaluate the same function: the mean NLL printed here
must match `flowc eval`'s on the same points (run-all prints the difference).

Timing: one pass over all points in batches of --batch-size (1000, the spec's eval.batch_size,
which `flowc eval` and `flowc sample` batch by too), float32, torch.no_grad(), after a one-point warm-up pass
(flowc's time is a run on all points minus a run on one point, which removes start-up, the
checkpoint load and the first call's one-time costs the same way). Sampling includes the draws
from the prior, as `flowc sample` does; neither side writes its output in the timed part
(flowc writes a .npy after sampling: about a millisecond for 100,000 points).

    python3 bench/realnvp_moons_eval_torch.py CHECKPOINT --mode density --points points.npy --threads 1
    python3 bench/realnvp_moons_eval_torch.py CHECKPOINT --mode sample --count 100000 --threads 1
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_checkpoint_torch import read_safetensors  # noqa: E402  (safetensors without the package)
from realnvp_moons_torch import MASKS, RealNVP  # noqa: E402


def load(checkpoint):
    """RealNVP(MASKS) with the checkpoint's weights (every tensor of the module must be found)."""
    tensors, _ = read_safetensors(checkpoint)
    flow = RealNVP(MASKS)
    state = {}
    for i in range(len(MASKS)):
        for ours, theirs in (("s", "scale_net"), ("t", "shift_net")):
            for k in (0, 2, 4):
                for p in ("weight", "bias"):
                    state[f"{ours}.{i}.{k}.{p}"] = torch.from_numpy(tensors[f"layers.{i}.{theirs}.{k}.{p}"].astype(np.float32))
    state["mask"] = flow.mask
    flow.load_state_dict(state)
    return flow.eval()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--mode", choices=["density", "sample"], required=True)
    p.add_argument("--points", help="density: a .npy of [N, 2] float32 points")
    p.add_argument("--count", type=int, default=100000, help="sample: how many")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=1000, help="rows per pass (flowc: eval.batch_size)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    flow = load(args.checkpoint)
    result = {"mode": args.mode, "threads": torch.get_num_threads(), "torch": torch.__version__}
    with torch.no_grad():
        if args.mode == "density":
            x = torch.from_numpy(np.load(args.points).astype(np.float32))
            flow.log_prob(x[:1])
            start = time.perf_counter()
            log_p = torch.cat([flow.log_prob(x[i:i + args.batch_size]) for i in range(0, x.shape[0], args.batch_size)])
            result["seconds"] = time.perf_counter() - start
            result["points"] = x.shape[0]
            result["mean_nll"] = -log_p.double().mean().item()
        else:
            generator = torch.Generator().manual_seed(0)
            flow.g(torch.randn(1, 2, generator=generator))
            start = time.perf_counter()
            x = torch.cat([flow.g(torch.randn(min(args.batch_size, args.count - i), 2, generator=generator))
                           for i in range(0, args.count, args.batch_size)])
            result["seconds"] = time.perf_counter() - start
            result["points"] = x.shape[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
