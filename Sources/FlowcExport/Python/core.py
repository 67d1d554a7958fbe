"""What every layer family shares: flowc's numerics, the process-group helpers, and the
`Flow` base class that chains the layers into log p(x).

Conventions, as in flowc's runtime (Sources/FlowRuntime):
  * a batch is a [N, D] tensor, one row per example; image layers see the row as a
    [C, H, W] image flattened in CHW order (index c*H*W + h*W + w);
  * every layer maps data -> latent in `forward(x) -> (y, log|det dy/dx| per row)` and
    latent -> data in `inverse(y) -> (x, log|det dx/dy| per row)`;
  * log p(x) = log p_prior(f(x)) + sum of the layers' log|det|.
"""

import math

import torch
import torch.distributed as dist
from torch import nn

#: log(2*pi)/2, the constant flowc's priors use.
HALF_LOG_TWO_PI = 0.9189385332046727


def softplus(x):
    """log(1 + e^x) exactly as flowc computes it: max(x, 0) + log1p(e^-|x|).

    (PyTorch's F.softplus switches to x above 20; the two differ by < 3e-9, but the exported
    code uses flowc's formula everywhere so that the parity tests compare like with like.)
    """
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))


def sigmoid(x):
    """1 / (1 + e^-x)."""
    return torch.sigmoid(x)


def distributed():
    """Whether this process is one of several (torchrun with --nproc_per_node > 1)."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def global_sum(t, differentiable=False):
    """The sum of `t` over every process (the identity in a single process).

    Data-dependent steps that flowc computes over the whole batch (ActNorm's initialisation,
    BatchNorm's statistics) sum their per-process parts with this, so N processes see the
    statistics of the global batch, exactly as one process would. `differentiable` routes the
    sum through autograd (BatchNorm's training statistics are differentiated).
    """
    if not distributed():
        return t
    if differentiable:
        from torch.distributed.nn.functional import all_reduce
        return all_reduce(t)
    t = t.clone()
    dist.all_reduce(t)
    return t


def zeros_like_rows(x):
    """A zero log|det| per row of `x`."""
    return torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)


class Flow(nn.Module):
    """The layers in order (data -> latent) and the prior.

    State-dict names are flowc's checkpoint names (docs/checkpoint.md): `layers.<i>.<tensor>` for
    node %i and `prior.<tensor>`, so a flowc checkpoint loads by name and this module's
    checkpoints load in flowc.

    A layer with `factors = True` (a split) returns a third value, the part it sends to the prior;
    the latent is [the last layer's output, the last split's part, ..., the first split's part],
    flowc's order.
    """

    def __init__(self, layers, prior, dimension, shape=None, names=None):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.prior = prior
        self.dimension = dimension
        self.shape = shape
        self.names = names or [f"layer{i}" for i in range(len(layers))]
        # Carries the flow's dtype and device (for sampling), outside the state dict.
        self.register_buffer("anchor", torch.zeros(()), persistent=False)

    def transform(self, x):
        """z = f(x) and the summed log|det| per row."""
        z, log_det = x, zeros_like_rows(x)
        parts = []
        for layer in self.layers:
            if getattr(layer, "factors", False):
                z, ld, part = layer(z)
                parts.append(part)
            else:
                z, ld = layer(z)
            log_det = log_det + ld
        if parts:
            z = torch.cat([z] + parts[::-1], dim=1)
        return z, log_det

    def log_prob(self, x):
        """log p(x) of each row of `x` (in the flow's input space, after preprocessing)."""
        z, log_det = self.transform(x)
        return self.prior.log_prob(z) + log_det

    def forward(self, x):
        """log p(x) per row: what the training loop (and DistributedDataParallel) calls."""
        return self.log_prob(x)

    def inverse(self, z):
        """x = f^-1(z) and the summed log|det| of the inverse per row."""
        sizes = [getattr(layer, "factored_size", 0) for layer in self.layers]
        kept = z.shape[1] - sum(sizes)
        x, rest = z[:, :kept], z[:, kept:]
        log_det = zeros_like_rows(z)
        for layer, size in zip(reversed(self.layers), reversed(sizes)):
            if size:
                part, rest = rest[:, :size], rest[:, size:]
                x, ld = layer.inverse(x, part)
            else:
                x, ld = layer.inverse(x)
            log_det = log_det + ld
        return x, log_det

    @torch.no_grad()
    def sample(self, count, temperature=1.0, generator=None):
        """`count` samples (in the flow's input space): prior draws at `temperature` mapped back."""
        z = self.prior.sample(count, temperature, generator, device=self.anchor.device, dtype=self.anchor.dtype)
        return self.inverse(z)[0]
