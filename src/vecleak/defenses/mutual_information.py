"""Neural mutual-information estimators for training defenses: MINE (a lower bound) and CLUB (an upper bound).

* :class:`MINE` (Belghazi et al. 2018): a statistics network ``S(x, y)`` and the
  Donsker-Varadhan bound ``I(X; Y) >= mean_i S(x_i, y_i) - log mean_i exp S(x_i, y_π(i))`` with
  ``π`` a random permutation (samples of the product of marginals). The gradient of the log
  term is biased on mini-batches; :meth:`MINE.surrogate` replaces its denominator by an
  exponential moving average of ``mean exp S`` (the paper's bias correction), so
  ``∇ surrogate = ∇ mean S_joint − ∇ mean exp S_marginal / EMA``.
* :class:`CLUB` (Cheng et al. 2020): a Gaussian variational network ``q(y | x) = N(μ(x),
  diag σ²(x))`` trained by maximum likelihood on paired samples, and the bound
  ``I(X; Y) <= mean_i log q(y_i | x_i) − mean_{i,j} log q(y_j | x_i)``; the Gaussian's
  normalizing constant cancels between the two terms.

Both take ``x (n, dx)`` and ``y (n, dy)`` float tensors, row i of each a paired sample.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, d_out))


class MINE(nn.Module):
    """Statistics network ``S(x, y) = MLP([x, y])`` with the Donsker-Varadhan bound.

    Args:
        dx, dy: dimensions of the two variables.
        hidden: width of the MLP.
        ema_rate: weight of the newest batch in the moving average of ``mean exp S``.
    """

    def __init__(self, dx: int, dy: int, *, hidden: int = 256, ema_rate: float = 0.01) -> None:
        super().__init__()
        self.net = _mlp(dx + dy, hidden, 1)
        self.ema_rate = ema_rate
        self.register_buffer("ema", torch.tensor(float("nan")))

    def scores(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``S(x_i, y_i)`` for each row, ``(n,)``."""
        return self.net(torch.cat([x, y], dim=1)).squeeze(1)

    def _pairs(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None):
        perm = torch.randperm(len(y), generator=generator)
        return self.scores(x, y), self.scores(x, y[perm])

    def lower_bound(self, x: torch.Tensor, y: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """The Donsker-Varadhan estimate of ``I(X; Y)`` in nats on this batch (a scalar tensor)."""
        joint, marginal = self._pairs(x, y, generator)
        return joint.mean() - (torch.logsumexp(marginal, 0) - math.log(len(marginal)))

    def surrogate(self, x: torch.Tensor, y: torch.Tensor, *,
                  generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(surrogate, estimate)``: ascend ``surrogate`` for the bias-corrected gradient of the bound;
        ``estimate`` is the plain DV value (detached). Updates the moving average."""
        joint, marginal = self._pairs(x, y, generator)
        exp_mean = torch.exp(marginal.clamp(max=30.0)).mean()
        with torch.no_grad():
            value = exp_mean.detach()
            self.ema = value if torch.isnan(self.ema) else (1 - self.ema_rate) * self.ema + self.ema_rate * value
            estimate = joint.mean() - (torch.logsumexp(marginal, 0) - math.log(len(marginal)))
        return joint.mean() - exp_mean / self.ema.clamp(min=1e-8), estimate


class CLUB(nn.Module):
    """Variational ``q(y | x) = N(μ(x), diag exp(logvar(x)))`` and the CLUB upper bound on ``I(X; Y)``."""

    def __init__(self, dx: int, dy: int, *, hidden: int = 256) -> None:
        super().__init__()
        self.mu = _mlp(dx, hidden, dy)
        self.logvar_net = nn.Sequential(_mlp(dx, hidden, dy), nn.Tanh())

    def logvar(self, x: torch.Tensor) -> torch.Tensor:
        """``log σ²(x)`` in (-5, 5): bounded so that q stays well-conditioned."""
        return 5.0 * self.logvar_net(x)

    def log_likelihood(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``mean_i log q(y_i | x_i)`` (nats, full Gaussian density): what ``q`` ascends."""
        mu, logvar = self.mu(x), self.logvar(x)
        return (-0.5 * ((y - mu) ** 2 / logvar.exp() + logvar + math.log(2 * math.pi))).sum(1).mean()

    def upper_bound(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``mean_i log q(y_i|x_i) − mean_{i,j} log q(y_j|x_i)`` in nats (a scalar tensor)."""
        mu, logvar = self.mu(x), self.logvar(x)
        inv_var = (-logvar).exp()
        positive = (-0.5 * (y - mu) ** 2 * inv_var).sum(1)
        # mean_j (y_j - mu_i)^2 = mean_j y_j^2 - 2 mu_i mean_j y_j + mu_i^2, per coordinate
        y_mean, y_sq_mean = y.mean(0, keepdim=True), (y ** 2).mean(0, keepdim=True)
        negative = (-0.5 * (y_sq_mean - 2 * mu * y_mean + mu ** 2) * inv_var).sum(1)
        return (positive - negative).mean()
