"""Linear layers: NICE's diagonal scaling, Glow's LU-parametrised invertible linear map,
and Glow's invertible 1x1 convolution (the same C x C map at every pixel of an image).

LU parametrisation (Glow): W = P L (U + diag(sign * exp(log_scale))), with P a fixed
permutation matrix, L unit lower triangular (only the strict lower triangle of `lower`
is used), U strictly upper triangular (only the strict upper triangle of `upper`), and
the signs fixed at initialisation. W is invertible by construction, log|det W| =
sum(log_scale) in O(D), and the inverse is two triangular solves (never an explicit
W^-1, whose error accumulates: openai/glow #82). Tensors: `lower`, `upper` [D, D] and
`log_scale` [D] are trained; `permutation` [D, D] and `sign` [D] are buffers.

The `orthogonal` start is a random rotation (QR of a Gaussian matrix with R's diagonal
made positive, so it is Haar distributed) factored by LU with partial pivoting, drawn
from the spec's seed with PyTorch's generator (flowc draws it from its own generator: the
same distribution, other numbers); `identity` starts at W = I.
"""

import torch
from torch import nn


class DiagonalScaling(nn.Module):
    """NICE's scaling: y = x * exp(log_scale), log|det| = sum(log_scale)."""

    def __init__(self, dimension, init=0.0):
        super().__init__()
        self.log_scale = nn.Parameter(torch.full((dimension,), float(init)))

    def forward(self, x):
        return x * torch.exp(self.log_scale), self.log_scale.sum().expand(x.shape[0])

    def inverse(self, y):
        return y * torch.exp(-self.log_scale), (-self.log_scale.sum()).expand(y.shape[0])


def lu_start(d, init, seed):
    """(permutation, lower, upper, log_scale, sign) of the starting matrix, in float64."""
    if init == "identity":
        eye = torch.eye(d, dtype=torch.float64)
        zero = torch.zeros(d, d, dtype=torch.float64)
        return eye, zero, zero.clone(), torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)
    if init != "orthogonal":
        raise ValueError(f"unknown init {init!r}")
    generator = torch.Generator().manual_seed(int(seed) & ((1 << 63) - 1))
    a = torch.randn(d, d, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))[None, :]
    p, l, u = torch.linalg.lu(q)
    s = torch.diagonal(u)
    return p, torch.tril(l, -1), torch.triu(u, 1), torch.log(torch.abs(s)), torch.sign(s)


class _LU(nn.Module):
    """The LU-parametrised D x D matrix shared by the linear layer and the 1x1 convolution."""

    def __init__(self, d, init="orthogonal", seed=0):
        super().__init__()
        p, l, u, log_s, sign = lu_start(d, init, seed)
        self.lower = nn.Parameter(l.float())
        self.upper = nn.Parameter(u.float())
        self.log_scale = nn.Parameter(log_s.float())
        self.register_buffer("permutation", p.float())
        self.register_buffer("sign", sign.float())
        self.d = d

    def lu_factors(self):
        """(L, U') with U' = U + diag(sign * exp(log_scale))."""
        eye = torch.eye(self.d, dtype=self.lower.dtype, device=self.lower.device)
        lower = torch.tril(self.lower, -1) + eye
        upper = torch.triu(self.upper, 1) + torch.diag(self.sign * torch.exp(self.log_scale))
        return lower, upper

    def lu_weight(self):
        """W = P L U'."""
        lower, upper = self.lu_factors()
        return self.permutation @ lower @ upper

    def apply_inverse(self, y):
        """Rows x with W x = y, for the rows of `y`: P^T, then the two triangular solves."""
        lower, upper = self.lu_factors()
        b = y @ self.permutation  # rows of P^T y
        b = torch.linalg.solve_triangular(lower, b.T, upper=False, unitriangular=True)
        return torch.linalg.solve_triangular(upper, b, upper=True).T


class InvertibleLinear(_LU):
    """y = W x with W LU-parametrised (Glow, section 3.2, on feature vectors)."""

    def forward(self, x):
        return x @ self.lu_weight().T, self.log_scale.sum().expand(x.shape[0])

    def inverse(self, y):
        return self.apply_inverse(y), (-self.log_scale.sum()).expand(y.shape[0])


class InvertibleConv1x1(_LU):
    """Glow's invertible 1x1 convolution: y[:, h, w] = W x[:, h, w] on a [C, H, W] image.

    `lu`: W as above, log|det| = H*W*sum(log_scale). `plain`: W is the free tensor `weight`
    [C, C] (starting at the rotation itself), log|det| = H*W*log|det W| from an LU
    factorisation every step, as Glow's non-LU variant.
    """

    def __init__(self, shape, parametrization="lu", init="orthogonal", seed=0):
        channels, height, width = shape
        if parametrization == "lu":
            super().__init__(channels, init, seed)
        else:
            nn.Module.__init__(self)
            p, l, u, log_s, sign = lu_start(channels, init, seed)
            w = p @ (l + torch.eye(channels, dtype=torch.float64)) @ (u + torch.diag(sign * torch.exp(log_s)))
            self.weight = nn.Parameter(w.float())
        self.channels, self.pixels = channels, height * width
        self.parametrization = parametrization

    def _pixels(self, x):
        """x as [N * H * W, C] pixel rows."""
        n = x.shape[0]
        return x.reshape(n, self.channels, self.pixels).transpose(1, 2).reshape(n * self.pixels, self.channels)

    def _image(self, rows, n):
        return rows.reshape(n, self.pixels, self.channels).transpose(1, 2).reshape(n, self.channels * self.pixels)

    def _log_det(self):
        if self.parametrization == "lu":
            return self.log_scale.sum() * self.pixels
        return torch.linalg.slogdet(self.weight)[1] * self.pixels

    def forward(self, x):
        w = self.lu_weight() if self.parametrization == "lu" else self.weight
        y = self._image(self._pixels(x) @ w.T, x.shape[0])
        return y, self._log_det().expand(x.shape[0])

    def inverse(self, y):
        rows = self._pixels(y)
        if self.parametrization == "lu":
            x = self.apply_inverse(rows)
        else:
            x = torch.linalg.solve(self.weight, rows.T).T
        return self._image(x, y.shape[0]), (-self._log_det()).expand(y.shape[0])
