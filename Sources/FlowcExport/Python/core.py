"""What every layer family shares: flowc's numerics, the process-group helpers, and the
`Flow` base class that chains the layers into log p(x).

Conventions, as in flowc's runtime (Sources/FlowRuntime):
  * a batch is a [N, D] tensor, one row per example; image layers see the row as a
    [C, H, W] image flattened in CHW order (index c*H*W + h*W + w);
  * every layer maps data -> latent in `forward(x) -> (y, log|det dy/dx| per row)` and
    latent -> data in `inverse(y) -> (x, log|det dx/dy| per row)`;
  * log p(x) = log p_prior(f(x)) + sum of the layers' log|det|;
  * a conditional flow (data.context, docs/spec.md 9.1) takes each row's raw context, a class
    label (LongTensor [N]) or real values ([N, C]); `ContextEncoder` encodes it once per pass
    and every conditioned network (layers with `takes_context`) and the conditional prior read
    the encoding: log p(x | c).
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


class ContextEncoder(nn.Module):
    """A conditional flow's raw context -> the values its networks and prior read (flowc's
    ContextEncoder):

      * `one_hot` (K classes): label k -> the unit vector e_k, width K (no tensor);
      * `embedding` (K classes, width E): label k -> row k of the learned table `embedding`
        [K, E] (nn.Embedding's weight and initialisation, N(0, 1); state name `context.embedding`);
      * `identity` (C columns): the values as they are;
      * `standardized` (C columns): (v - mean) / std with the buffers `mean`, `std` [C]
        (`context.mean`, `context.std`), which train.py sets from the training rows
        (`set_standardization`) and checkpoints keep.
    """

    def __init__(self, encoding, width, classes=0):
        super().__init__()
        if encoding not in ("one_hot", "embedding", "identity", "standardized"):
            raise ValueError(f"unknown context encoding {encoding!r}")
        self.encoding, self.width, self.classes = encoding, width, classes
        if encoding == "embedding":
            self.embedding = nn.Parameter(torch.randn(classes, width))
        if encoding == "standardized":
            self.register_buffer("mean", torch.zeros(width))
            self.register_buffer("std", torch.ones(width))

    @property
    def is_class_label(self):
        return self.encoding in ("one_hot", "embedding")

    def set_standardization(self, mean, std):
        """Each column's mean and population standard deviation over the training rows; a
        deviation that is zero or not finite (a constant column) becomes 1."""
        std = [s if s > 0 and math.isfinite(s) else 1.0 for s in std]
        with torch.no_grad():
            self.mean.copy_(torch.tensor(mean, dtype=torch.float64))
            self.std.copy_(torch.tensor(std, dtype=torch.float64))

    def forward(self, context, dtype=None, device=None):
        """The encoded context [N, width] of raw `context` (labels [N] or values [N, C])."""
        dtype = dtype or (self.mean.dtype if self.encoding == "standardized" else torch.get_default_dtype())
        context = torch.as_tensor(context, device=device)
        if self.is_class_label:
            labels = context.reshape(-1).long()
            if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.classes):
                raise ValueError(f"a context label outside 0 ..< {self.classes}")
            if self.encoding == "embedding":
                return self.embedding[labels]
            return torch.nn.functional.one_hot(labels, self.classes).to(dtype)
        values = context.reshape(context.shape[0], -1) if context.dim() > 0 else context.reshape(1, -1)
        if values.shape[1] != self.width:
            raise ValueError(f"a context of {values.shape[1]} values a row, the flow reads {self.width}")
        # Raw values are float32 in flowc (as read from the file), then converted to the flow's type.
        values = values.to(dtype)
        if self.encoding == "standardized":
            return (values - self.mean) / self.std
        return values


class Flow(nn.Module):
    """The layers in order (data -> latent) and the prior.

    State-dict names are flowc's checkpoint names (docs/checkpoint.md): `layers.<i>.<tensor>` for
    node %i and `prior.<tensor>`, so a flowc checkpoint loads by name and this module's
    checkpoints load in flowc.

    A layer with `factors = True` (a split) returns a third value, the part it sends to the prior;
    the latent is [the last layer's output, the last split's part, ..., the first split's part],
    flowc's order.
    """

    def __init__(self, layers, prior, dimension, shape=None, names=None, context=None):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.prior = prior
        #: The ContextEncoder of a conditional flow (state names `context.*`), else None.
        self.context = context
        self.dimension = dimension
        self.shape = shape
        self.names = names or [f"layer{i}" for i in range(len(layers))]
        # Carries the flow's dtype and device (for sampling), outside the state dict.
        self.register_buffer("anchor", torch.zeros(()), persistent=False)

    @property
    def conditional(self):
        return self.context is not None

    def encode(self, context, rows):
        """The encoded context of `rows` rows, or None for an unconditional flow (which refuses a
        context, as a conditional one refuses none)."""
        if self.context is None:
            if context is not None:
                raise ValueError("the flow is unconditional: it takes no context")
            return None
        if context is None:
            raise ValueError("the flow is conditional: give each row's context (class labels or values)")
        c = self.context(context, dtype=self.anchor.dtype, device=self.anchor.device)
        if c.shape[0] != rows:
            raise ValueError(f"{c.shape[0]} context rows for {rows} rows")
        return c

    def run_layer(self, layer, z, c):
        """One layer's forward, with the encoded context `c` if it takes one."""
        if c is not None and getattr(layer, "takes_context", False):
            return layer(z, c)
        return layer(z)

    def transform(self, x, context=None, encoded=None):
        """z = f(x) and the summed log|det| per row (`context`: each row's raw context)."""
        c = encoded if encoded is not None else self.encode(context, x.shape[0])
        z, log_det = x, zeros_like_rows(x)
        parts = []
        for layer in self.layers:
            if getattr(layer, "factors", False):
                z, ld, part = layer(z)
                parts.append(part)
            else:
                z, ld = self.run_layer(layer, z, c)
            log_det = log_det + ld
        if parts:
            z = torch.cat([z] + parts[::-1], dim=1)
        return z, log_det

    def log_prob(self, x, context=None):
        """log p(x) (log p(x | c) for a conditional flow, `context` each row's raw context) of
        each row of `x` (in the flow's input space, after preprocessing)."""
        c = self.encode(context, x.shape[0])
        z, log_det = self.transform(x, encoded=c)
        if getattr(self.prior, "conditional", False):
            return self.prior.log_prob(z, c) + log_det
        return self.prior.log_prob(z) + log_det

    def forward(self, x, context=None):
        """log p(x) per row: what the training loop (and DistributedDataParallel) calls."""
        return self.log_prob(x, context)

    def inverse(self, z, context=None, encoded=None):
        """x = f^-1(z) and the summed log|det| of the inverse per row."""
        c = encoded if encoded is not None else self.encode(context, z.shape[0])
        sizes = [getattr(layer, "factored_size", 0) for layer in self.layers]
        kept = z.shape[1] - sum(sizes)
        x, rest = z[:, :kept], z[:, kept:]
        log_det = zeros_like_rows(z)
        for layer, size in zip(reversed(self.layers), reversed(sizes)):
            if size:
                part, rest = rest[:, :size], rest[:, size:]
                x, ld = layer.inverse(x, part)
            elif c is not None and getattr(layer, "takes_context", False):
                x, ld = layer.inverse(x, c)
            else:
                x, ld = layer.inverse(x)
            log_det = log_det + ld
        return x, log_det

    @torch.no_grad()
    def sample(self, count, temperature=1.0, generator=None, context=None):
        """`count` samples (in the flow's input space): prior draws at `temperature` mapped back;
        a conditional flow takes one raw context row per sample."""
        c = self.encode(context, count)
        kwargs = {"context": c} if getattr(self.prior, "conditional", False) else {}
        z = self.prior.sample(count, temperature, generator, device=self.anchor.device, dtype=self.anchor.dtype, **kwargs)
        return self.inverse(z, encoded=c)[0]
