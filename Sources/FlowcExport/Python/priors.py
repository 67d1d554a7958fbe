"""The base distributions of z = f(x) (docs/spec.md section 8), with flowc's formulas.

| prior           | log p(z)                                              | tensors              |
| standard_normal | -sum z^2/2 - D log(2 pi)/2                            | none                 |
| diagonal_normal | N(loc, diag(exp(log_scale))^2), loc and log_scale learned | `prior.loc`, `prior.log_scale` |
| logistic        | sum -softplus(z) - softplus(-z)  (NICE)                | none                 |
| conditional_normal | N(mu(c), diag(sigma(c))^2), mu(c) = c W_loc^T + b_loc, log sigma(c) = c W_s^T + b_s, linear in the encoded context c | `prior.loc.weight` [D, C], `prior.loc.bias`, `prior.log_scale.weight`, `prior.log_scale.bias` |

The conditional prior (flowc's ConditionalDiagonalNormal) takes the flow's encoded context,
one row per row of z, in `log_prob(z, context)` and `sample(n, ..., context=c)`; its tensors
start at 0, so it starts as N(0, I).

`sample(n, temperature)` scales the standard deviation (the logistic's scale) by the
temperature, as `flowc sample --temperature` does.
"""

import torch
from torch import nn

from core import HALF_LOG_TWO_PI, softplus


class StandardNormal(nn.Module):
    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension

    def log_prob(self, z):
        return -(z * z).sum(dim=1) / 2 - self.dimension * HALF_LOG_TWO_PI

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32):
        return temperature * torch.randn(n, self.dimension, generator=generator, dtype=dtype, device=device)


class DiagonalNormal(nn.Module):
    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension
        self.loc = nn.Parameter(torch.zeros(dimension))
        self.log_scale = nn.Parameter(torch.zeros(dimension))

    def log_prob(self, z):
        u = (z - self.loc) * torch.exp(-self.log_scale)
        return -(u * u).sum(dim=1) / 2 - (self.dimension * HALF_LOG_TWO_PI + self.log_scale.sum())

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32):
        e = torch.randn(n, self.dimension, generator=generator, dtype=torch.float64, device=device)
        return (self.loc.double() + temperature * torch.exp(self.log_scale.double()) * e).to(dtype)


class StandardLogistic(nn.Module):
    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension

    def log_prob(self, z):
        return -(softplus(z) + softplus(-z)).sum(dim=1)

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32):
        u = torch.rand(n, self.dimension, generator=generator, dtype=torch.float64, device=device)
        u = u.clamp(min=2 ** -53)
        return (temperature * (torch.log(u) - torch.log1p(-u))).to(dtype)


class ConditionalNormal(nn.Module):
    conditional = True

    def __init__(self, dimension, context):
        super().__init__()
        self.dimension = dimension
        self.loc = nn.Linear(context, dimension)
        self.log_scale = nn.Linear(context, dimension)
        with torch.no_grad():
            for t in (self.loc.weight, self.loc.bias, self.log_scale.weight, self.log_scale.bias):
                t.zero_()

    def log_prob(self, z, context):
        mean, log_scale = self.loc(context), self.log_scale(context)
        u = (z - mean) * torch.exp(-log_scale)
        return -(u * u).sum(dim=1) / 2 - log_scale.sum(dim=1) - self.dimension * HALF_LOG_TWO_PI

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32, context=None):
        if context is None or context.shape[0] != n:
            raise ValueError("a conditional prior samples with one context row per sample")
        e = torch.randn(n, self.dimension, generator=generator, dtype=torch.float64, device=device)
        mean, log_scale = self.loc(context).double(), self.log_scale(context).double()
        return (mean + temperature * torch.exp(log_scale) * e).to(dtype)
