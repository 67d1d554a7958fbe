"""Coupling layers: Real NVP's affine coupling and NICE's additive coupling.

The mask: keep[i] == 1 marks a KEPT feature (copied, and what the networks read), 0 a
transformed one (flowc's convention, docs/spec.md section 2). With K the kept and T the
transformed indices:

  affine:    y_K = x_K,  y_T = x_T * m(x_K) + t(x_K),  log|det| = sum_T log m
  additive:  y_K = x_K,  y_T = x_T + t(x_K),           log|det| = 0

net_io `masked`: the networks read the whole vector with the transformed entries set to 0
and each head has D outputs, of which the transformed positions are used; `split`: they
read the kept entries only and each head has one output per transformed entry. A shared
`net` puts its heads side by side, scale first.

The multiplier m: `exp` gives m = exp(s), log m = s; `sigmoid` gives m = sigmoid(s + 2),
log m = -softplus(-(s + 2)) (Glow). With `clamp` c, s is first replaced by c*tanh(s/c).
The networks' own output activation applies before the clamp.

In a conditional flow every network also reads the flow's encoded context (`context`, [N, C],
nets.py); `takes_context` tells core.Flow to pass it.
"""

import torch
from torch import nn

from core import softplus


class _Coupling(nn.Module):
    """The mask bookkeeping both kinds share (no tensors in the state dict)."""

    takes_context = True

    def __init__(self, keep, io):
        super().__init__()
        if io not in ("masked", "split"):
            raise ValueError(f"unknown net_io {io!r}")
        self.io = io
        self.dimension = len(keep)
        kept = [i for i, k in enumerate(keep) if k == 1]
        transformed = [i for i, k in enumerate(keep) if k == 0]
        self.register_buffer("keep_mask", torch.tensor([k == 1 for k in keep]), persistent=False)
        self.register_buffer("kept", torch.tensor(kept, dtype=torch.long), persistent=False)
        self.register_buffer("transformed", torch.tensor(transformed, dtype=torch.long), persistent=False)
        # Outputs per head, and the columns of head 0 that hold the transformed features.
        self.head_width = self.dimension if io == "masked" else len(transformed)
        columns = transformed if io == "masked" else list(range(len(transformed)))
        self.register_buffer("columns", torch.tensor(columns, dtype=torch.long), persistent=False)

    def net_input(self, x):
        """What the networks read: x with the transformed entries zeroed, or the kept entries."""
        if self.io == "masked":
            return torch.where(self.keep_mask, x, torch.zeros((), dtype=x.dtype, device=x.device))
        return x.index_select(1, self.kept)

    def head(self, out, h):
        """Head h (0 or 1) of a network output, one column per transformed feature."""
        return out.index_select(1, self.columns + h * self.head_width)


class AffineCoupling(_Coupling):
    """Real NVP's affine coupling (Dinh, Sohl-Dickstein and Bengio, 2017)."""

    def __init__(self, keep, io="masked", scale_net=None, shift_net=None, net=None, scale_function="exp", clamp=None):
        super().__init__(keep, io)
        if net is not None:
            self.net = net
        else:
            self.scale_net = scale_net
            self.shift_net = shift_net
        if scale_function not in ("exp", "sigmoid"):
            raise ValueError(f"scale_function {scale_function!r} is not invertible")
        self.scale_function = scale_function
        self.clamp = clamp

    def scale_and_shift(self, x, context=None):
        """(log m, m, t) for the transformed features, from the kept features of x (and the context)."""
        h = self.net_input(x)
        if hasattr(self, "net"):
            out = self.net(h, context)
            u, shift = self.head(out, 0), self.head(out, 1)
        else:
            u, shift = self.head(self.scale_net(h, context), 0), self.head(self.shift_net(h, context), 0)
        if self.clamp is not None:
            u = self.clamp * torch.tanh(u / self.clamp)
        if self.scale_function == "exp":
            return u, torch.exp(u), shift
        return -softplus(-(u + 2)), torch.sigmoid(u + 2), shift

    def forward(self, x, context=None):
        log_scale, scale, shift = self.scale_and_shift(x, context)
        y = x.clone()
        y[:, self.transformed] = x[:, self.transformed] * scale + shift
        return y, log_scale.sum(dim=1)

    def inverse(self, y, context=None):
        log_scale, scale, shift = self.scale_and_shift(y, context)
        x = y.clone()
        x[:, self.transformed] = (y[:, self.transformed] - shift) / scale
        return x, -log_scale.sum(dim=1)


class AdditiveCoupling(_Coupling):
    """NICE's additive coupling (Dinh, Krueger and Bengio, 2015); volume preserving."""

    def __init__(self, keep, io="masked", shift_net=None):
        super().__init__(keep, io)
        self.shift_net = shift_net

    def shift(self, x, context=None):
        return self.head(self.shift_net(self.net_input(x), context), 0)

    def forward(self, x, context=None):
        y = x.clone()
        y[:, self.transformed] = x[:, self.transformed] + self.shift(x, context)
        return y, torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)

    def inverse(self, y, context=None):
        x = y.clone()
        x[:, self.transformed] = y[:, self.transformed] - self.shift(y, context)
        return x, torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)
