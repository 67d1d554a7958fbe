"""Autoregressive layers: the masked autoregressive flow (MAF, Papamakarios et al. 2017) and
the inverse autoregressive flow (IAF, Kingma et al. 2016), both on a MADE (Germain et al. 2015)
built exactly as flowc builds it (Sources/FlowRuntime/Networks/MADEDegrees.swift):

  * input dimension i has degree m(i) = its 1-based position in `order` (order[k] is the
    dimension generated k-th);
  * hidden unit j of every hidden layer has degree 1 + (j mod (D - 1)) (0 when D = 1), the
    sequential degrees of nflows' MADE;
  * output column i*k + p is parameter p of dimension i (k per dimension, dimension-major)
    and has degree m(i);
  * mask[out, in] = 1 where the unit's degree is >= the degree below it (hidden layers),
    > it (the output layer).

So every output of dimension i depends only on the dimensions before i in the order. Linear
layer l is entry 2l of `net` (an activation between each pair), with its fixed 0/1 mask beside
the weight: `net.<2l>.weight` [out, in], `net.<2l>.bias`, `net.<2l>.mask` [out, in], and the
order as the buffer `order` [D], the tensors flowc's checkpoints hold (its loader checks that
the masks and the order are the ones it builds). Masked weights start at 0 and, their
gradients being masked, stay 0, as in flowc.

The affine transform, theta_i = (s_i, t_i) at columns 2i and 2i + 1:

  A(u)_i = u_i * m(s_i) + t_i,   log|det dA/du| = sum_i log m(s_i),   (s, t) = MADE(u)

with m = exp(u) or sigmoid(u + 2) after the soft clamp s <- c*tanh(s/c), as the couplings.
MAF: forward (density) x -> A(x) in one pass, inverse (sampling) A^-1 in D passes. IAF: the
other way round, forward is the D-pass solve (differentiated by autograd through the passes),
inverse one pass.

In a conditional flow the MADE reads the encoded context c too: `net.context.weight` [h_1, C]
(an nn.Linear without bias) adds c W^T to the first layer's pre-activations, unmasked: the
context has degree 0, so it reaches every unit and the autoregressive property holds.
"""

import copy

import torch
from torch import nn
from torch.nn import functional as F

from core import softplus


def made_degrees(order, hidden):
    """(input degrees, [hidden layer degrees ...]) of a MADE over len(order) dimensions."""
    d = len(order)
    inputs = [0] * d
    for k, i in enumerate(order):
        inputs[i] = k + 1
    cycle, offset = max(1, d - 1), min(1, d - 1)
    return inputs, [[j % cycle + offset for j in range(w)] for w in hidden]


def made_masks(order, hidden, per_dimension):
    """The [out, in] 0/1 masks of every linear layer, input side first (lists of lists)."""
    inputs, layers = made_degrees(order, hidden)
    outputs = [m for m in inputs for _ in range(per_dimension)]
    masks, below = [], inputs
    for above in layers:
        masks.append([[1.0 if a >= b else 0.0 for b in below] for a in above])
        below = above
    masks.append([[1.0 if a > b else 0.0 for b in below] for a in outputs])
    return masks


class MaskedLinear(nn.Linear):
    """nn.Linear whose weight is multiplied by a fixed 0/1 `mask` buffer (persistent)."""

    def __init__(self, fan_in, fan_out, mask):
        super().__init__(fan_in, fan_out)
        self.register_buffer("mask", torch.tensor(mask, dtype=torch.float32))
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class MADE(nn.Sequential):
    """widths [D, h_1, ..., D*k]: masked linear layers with `activation` between them and
    `output_activation` (or nothing) after the last; `init` as the MLPs' (nets.py)."""

    def __init__(self, widths, activation, order, per_dimension, output_activation=None, init="pytorch", context=0):
        masks = made_masks(order, widths[1:-1], per_dimension)
        modules = []
        for l in range(len(widths) - 1):
            modules.append(MaskedLinear(widths[l], widths[l + 1], masks[l]))
            if l < len(widths) - 2:
                modules.append(copy.deepcopy(activation))
            elif output_activation is not None:
                modules.append(output_activation)
        super().__init__(*modules)
        if init == "zero_last":
            with torch.no_grad():
                modules[2 * (len(widths) - 2)].weight.zero_()
                modules[2 * (len(widths) - 2)].bias.zero_()
        elif init != "pytorch":
            raise ValueError(f"unknown net init {init!r}")
        self.context = nn.Linear(context, widths[1], bias=False) if context > 0 else None

    def forward(self, x, context=None):
        entries = [m for name, m in self._modules.items() if name != "context"]
        if self.context is not None:
            if context is None:
                raise ValueError("a conditional MADE needs the flow's context")
            x = entries[0](x) + self.context(context)
            entries = entries[1:]
        for m in entries:
            x = m(x)
        return x


class _Autoregressive(nn.Module):
    """The map A above in its two directions; MAF and IAF choose which is `forward`."""

    takes_context = True

    def __init__(self, order, net, scale_function="exp", clamp=None):
        super().__init__()
        if scale_function not in ("exp", "sigmoid"):
            raise ValueError(f"scale_function {scale_function!r} is not invertible")
        self.net = net
        self.register_buffer("order", torch.tensor([float(i) for i in order]))
        self.steps = list(order)
        self.scale_function = scale_function
        self.clamp = clamp

    def scale(self, theta):
        """(log m, m, t) per dimension from the MADE's output [N, 2D]."""
        s, shift = theta[:, 0::2], theta[:, 1::2]
        if self.clamp is not None:
            s = self.clamp * torch.tanh(s / self.clamp)
        if self.scale_function == "exp":
            return s, torch.exp(s), shift
        return -softplus(-(s + 2)), torch.sigmoid(s + 2), shift

    def one_pass(self, u, context=None):
        """A(u) and sum log m: one MADE pass."""
        log_m, m, shift = self.scale(self.net(u, context))
        return u * m + shift, log_m.sum(dim=1)

    def solve(self, x, context=None):
        """A^-1(x) and -sum log m at the solution: D MADE passes, dimension order[p] fixed by
        pass p from those before it (the others 0, which the masks keep out of its inputs)."""
        z = torch.zeros_like(x)
        log_m = None
        for i in self.steps:
            log_m, m, shift = self.scale(self.net(z, context))
            column = (x[:, i] - shift[:, i]) / m[:, i]
            z = z.index_copy(1, torch.tensor([i], device=x.device), column[:, None])
        # The last pass saw every dimension but the last of the order, which no output reads:
        # its theta is theta(solution), as flowc takes it.
        return z, -log_m.sum(dim=1)


class MAF(_Autoregressive):
    """Masked autoregressive flow: density in one pass, sampling in D."""

    def forward(self, x, context=None):
        return self.one_pass(x, context)

    def inverse(self, y, context=None):
        return self.solve(y, context)


class IAF(_Autoregressive):
    """Inverse autoregressive flow: sampling in one pass, density in D."""

    def forward(self, x, context=None):
        return self.solve(x, context)

    def inverse(self, y, context=None):
        return self.one_pass(y, context)
