"""The rational-quadratic spline coupling of Neural Spline Flows (Durkan, Bekasov, Murray and
Papamakarios, 2019), computed as flowc computes it (Sources/FlowRuntime/Bijectors/
RationalQuadraticSpline.swift), batched over every transformed value.

A spline has K bins on [-B, B]. Its P unnormalised parameters, one block per transformed value:

  [w_1 .. w_K, h_1 .. h_K, d_1 .. d_{K-1}]   tails "linear" (P = 3K - 1)
  [w_1 .. w_K, h_1 .. h_K, d_0 .. d_K]       tails "none"   (P = 3K + 1)

  widths   w^ = m_w + (1 - K m_w) softmax(w),  x_0 = -B, x_k = -B + 2B sum_{i<k} w^_i, x_K = B
  heights  likewise (m_h) for the y knots
  slopes   delta_k = m_d + softplus(d_k + c),  c = log(e^(1 - m_d) - 1)  (a zero output is the identity)

With linear tails delta_0 = delta_K = 1 and the map is the identity outside [-B, B] (and at B);
without tails it is undefined there: NaN, as in flowc. Inside bin k (x_k <= x < x_{k+1}, the
last bin closed) with s = h/w and theta = (x - x_k)/w:

  y = y_k + h (s theta^2 + delta_k theta(1-theta)) / (s + (delta_k + delta_{k+1} - 2s) theta(1-theta))

The inverse solves the quadratic for theta with the root that never cancels (flowc's form of
Numerical Recipes' formula), its discriminant clamped at 0, theta clamped to [0, 1].

The coupling: y_K = x_K (the kept features, keep[i] == 1), y_T = spline(x_T; net(x_K)).
net_io `split`: the net reads the kept features and its output holds one block of P per
transformed feature, in order; `masked`: it reads x with the transformed entries zeroed and
holds D blocks, feature i's at columns i*P ..< (i+1)*P. Tensors: `net.*` (an MLP, nets.py).
"""

import math

import torch

from couplings import _Coupling
from core import softplus


class RationalQuadraticSpline:
    """The spline's settings and its batched forward and inverse (no tensors of its own)."""

    def __init__(self, bins, bound, tails="linear", min_bin_width=1e-3, min_bin_height=1e-3, min_derivative=1e-3):
        if tails not in ("linear", "none"):
            raise ValueError(f"unknown spline tails {tails!r}")
        self.bins, self.bound, self.linear_tails = bins, float(bound), tails == "linear"
        self.min_width, self.min_height, self.min_derivative = min_bin_width, min_bin_height, min_derivative
        self.offset = math.log(math.expm1(1 - min_derivative))
        self.parameter_count = 3 * bins - 1 if self.linear_tails else 3 * bins + 1

    def _edges(self, u, minimum):
        """Knots [..., K + 1] from K unnormalised sizes: -B, -B + 2B * cumulative sizes, ..., B."""
        k = self.bins
        sizes = minimum + (1 - k * minimum) * torch.softmax(u, dim=-1)
        inner = -self.bound + 2 * self.bound * torch.cumsum(sizes[..., :-1], dim=-1)
        left = torch.full_like(sizes[..., :1], -self.bound)
        return torch.cat([left, inner, torch.full_like(left, self.bound)], dim=-1)

    def knots(self, u):
        """(x knots, y knots, slopes), each [..., K + 1], from parameters [..., P]."""
        k = self.bins
        xs = self._edges(u[..., :k], self.min_width)
        ys = self._edges(u[..., k:2 * k], self.min_height)
        inner = self.min_derivative + softplus(u[..., 2 * k:] + self.offset)
        if self.linear_tails:
            one = torch.ones_like(inner[..., :1])
            inner = torch.cat([one, inner, one], dim=-1)
        return xs, ys, inner

    def _bin(self, v, knots):
        """The bin index of each value among its K + 1 knots (v inside [-B, B])."""
        return (knots[..., 1:self.bins] <= v[..., None]).sum(dim=-1, keepdim=True)

    def _inside(self, v):
        inside = (v >= -self.bound) & (v <= self.bound)
        if self.linear_tails:
            inside = inside & (v != self.bound)
        return inside

    def _outside(self, v):
        """(value, log|det|) outside the bound: the identity, or NaN without tails."""
        if self.linear_tails:
            return v, torch.zeros_like(v)
        nan = torch.full_like(v, math.nan)
        return nan, nan

    def forward(self, x, u):
        """y = spline(x) and log|dy/dx|, elementwise: x [...], u [..., P]."""
        inside = self._inside(x)
        v = torch.where(inside, x, torch.zeros_like(x))
        xs, ys, d = self.knots(u)
        k = self._bin(v, xs)
        x0, x1 = xs.gather(-1, k)[..., 0], xs.gather(-1, k + 1)[..., 0]
        y0, y1 = ys.gather(-1, k)[..., 0], ys.gather(-1, k + 1)[..., 0]
        d0, d1 = d.gather(-1, k)[..., 0], d.gather(-1, k + 1)[..., 0]
        w, h = x1 - x0, y1 - y0
        s = h / w
        theta = ((v - x0) / w).clamp(0, 1)
        t = theta * (1 - theta)
        numerator = h * (s * theta * theta + d0 * t)
        denominator = s + (d0 + d1 - 2 * s) * t
        y = torch.minimum(torch.maximum(y0 + numerator / denominator, y0), y1)
        om = 1 - theta
        slope = d1 * theta * theta + 2 * s * t + d0 * om * om
        log_det = torch.log(s * s * slope) - 2 * torch.log(denominator)
        ty, tl = self._outside(x)
        return torch.where(inside, y, ty), torch.where(inside, log_det, tl)

    def inverse(self, y, u):
        """x = spline^-1(y) and log|dx/dy|, elementwise."""
        inside = self._inside(y)
        v = torch.where(inside, y, torch.zeros_like(y))
        xs, ys, d = self.knots(u)
        k = self._bin(v, ys)
        x0, x1 = xs.gather(-1, k)[..., 0], xs.gather(-1, k + 1)[..., 0]
        y0, y1 = ys.gather(-1, k)[..., 0], ys.gather(-1, k + 1)[..., 0]
        d0, d1 = d.gather(-1, k)[..., 0], d.gather(-1, k + 1)[..., 0]
        w, h = x1 - x0, y1 - y0
        s = h / w
        dy = v - y0
        total = d0 + d1 - 2 * s
        a = h * (s - d0) + dy * total
        b = h * d0 - dy * total
        c = -s * dy
        r = torch.sqrt(torch.clamp(b * b - 4 * a * c, min=0))
        # b >= 0: 2c / (-b - r), 0 when that denominator is 0 (y on the knot); b < 0: (r - b) / 2a
        # (a > 0 there), 1 otherwise. Each branch is computed where it is safe.
        low = -b - r
        safe_low = torch.where(low < 0, low, -torch.ones_like(low))
        root_pos = torch.where(low < 0, 2 * c / safe_low, torch.zeros_like(low))
        safe_a = torch.where(a > 0, a, torch.ones_like(a))
        root_neg = torch.where(a > 0, (r - b) / (2 * safe_a), torch.ones_like(a))
        theta = torch.where(b >= 0, root_pos, root_neg).clamp(0, 1)
        x = torch.minimum(torch.maximum(x0 + theta * w, x0), x1)
        t = theta * (1 - theta)
        om = 1 - theta
        slope = d1 * theta * theta + 2 * s * t + d0 * om * om
        log_det = -(torch.log(s * s * slope) - 2 * torch.log(s + total * t))
        tx, tl = self._outside(y)
        return torch.where(inside, x, tx), torch.where(inside, log_det, tl)


class SplineCoupling(_Coupling):
    """y_K = x_K, y_T = spline(x_T; net(x_K)); log|det| = sum_T log spline'(x_T)."""

    def __init__(self, keep, io="masked", net=None, bins=8, bound=3.0, tails="linear", min_bin_width=1e-3,
                 min_bin_height=1e-3, min_derivative=1e-3):
        super().__init__(keep, io)
        self.net = net
        self.spline = RationalQuadraticSpline(bins, bound, tails, min_bin_width, min_bin_height, min_derivative)

    def parameters_of(self, x, context=None):
        """The spline parameters of every transformed feature, [N, T, P], from the kept features
        (and a conditional flow's context)."""
        p = self.spline.parameter_count
        out = self.net(self.net_input(x), context)
        blocks = out.reshape(x.shape[0], -1, p)
        return blocks if self.io == "split" else blocks.index_select(1, self.transformed)

    def _transform(self, x, inverse, context=None):
        u = self.parameters_of(x, context)
        part = x.index_select(1, self.transformed)
        value, log_det = (self.spline.inverse if inverse else self.spline.forward)(part, u)
        out = x.index_copy(1, self.transformed, value)
        return out, log_det.sum(dim=1)

    def forward(self, x, context=None):
        return self._transform(x, inverse=False, context=context)

    def inverse(self, y, context=None):
        return self._transform(y, inverse=True, context=context)
