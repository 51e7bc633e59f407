"""MINE and CLUB against Gaussians whose mutual information is known in closed form.

For x ~ N(0, I_d) and y = ρx + sqrt(1 − ρ²)·noise, I(X; Y) = −(d/2)·ln(1 − ρ²) nats, and the
CLUB bound with the true conditional q equals d·ρ²/(1 − ρ²).
"""

from __future__ import annotations

import math

import pytest
import torch

from vecleak.defenses.mutual_information import CLUB, MINE

D = 2


def _pairs(n: int, rho: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, D, generator=g)
    return x, rho * x + math.sqrt(1 - rho ** 2) * torch.randn(n, D, generator=g)


def _fit_mine(rho: float, steps: int = 600) -> float:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    mine = MINE(D, D, hidden=64, ema_rate=0.05)
    opt = torch.optim.Adam(mine.parameters(), lr=3e-3)
    for _ in range(steps):
        surrogate, _ = mine.surrogate(*_pairs(256, rho, g), generator=g)
        opt.zero_grad()
        (-surrogate).backward()
        opt.step()
    with torch.no_grad():
        return float(mine.lower_bound(*_pairs(8192, rho, g), generator=g))


def _fit_club(rho: float, steps: int = 600) -> float:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(2)
    club = CLUB(D, D, hidden=64)
    opt = torch.optim.Adam(club.parameters(), lr=3e-3)
    for _ in range(steps):
        loss = -club.log_likelihood(*_pairs(256, rho, g))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(club.upper_bound(*_pairs(8192, rho, g)))


def true_mi(rho: float) -> float:
    return -0.5 * D * math.log(1 - rho ** 2)


@pytest.mark.slow
def test_mine_separates_correlated_from_independent_and_stays_below_the_truth():
    independent, correlated = _fit_mine(0.0), _fit_mine(0.8)
    assert abs(independent) < 0.05
    assert correlated > 0.6 * true_mi(0.8)          # true I = 1.02 nats
    assert correlated < true_mi(0.8) + 0.05         # a lower bound (up to sampling error)
    assert correlated > independent + 0.5


def test_club_upper_bounds_a_known_mutual_information():
    rho = 0.5
    bound = _fit_club(rho)
    assert bound >= true_mi(rho) - 0.02             # true I = 0.288 nats
    assert bound == pytest.approx(D * rho ** 2 / (1 - rho ** 2), rel=0.25)   # the bound with the true q: 0.667
    assert abs(_fit_club(0.0)) < 0.05               # and near zero when there is nothing to bound


def test_club_log_likelihood_is_the_gaussian_density():
    club = CLUB(1, 1, hidden=4)
    for p in club.parameters():
        torch.nn.init.zeros_(p)                     # q(y | x) = N(0, 1): logvar = 5·tanh(0) = 0
    y = torch.tensor([[0.0], [1.0]])
    expected = (-0.5 * math.log(2 * math.pi) - 0.5 * torch.tensor([0.0, 1.0])).mean()
    with torch.no_grad():
        value = float(club.log_likelihood(torch.zeros(2, 1), y))
    assert value == pytest.approx(float(expected), abs=1e-6)


def test_mine_surrogate_gradient_is_the_bias_corrected_dv_gradient():
    """On the first batch the moving average is that batch's mean of exp(S), so the surrogate's
    gradient is exactly the Donsker-Varadhan bound's; with the average at twice the batch mean,
    the marginal term's gradient is halved (the paper's bias correction)."""
    torch.manual_seed(0)
    x, y = torch.randn(64, 3), torch.randn(64, 3)
    mine = MINE(3, 3, hidden=16)

    def grads(loss):
        mine.zero_grad()
        loss.backward()
        return torch.cat([p.grad.flatten() for p in mine.parameters()])

    g_sur = grads(mine.surrogate(x, y, generator=torch.Generator().manual_seed(1))[0])
    g_dv = grads(mine.lower_bound(x, y, generator=torch.Generator().manual_seed(1)))
    torch.testing.assert_close(g_sur, g_dv, rtol=1e-4, atol=1e-6)

    joint, marginal = mine._pairs(x, y, torch.Generator().manual_seed(1))
    batch_mean = torch.exp(marginal).mean().detach()
    g_joint = grads(mine._pairs(x, y, torch.Generator().manual_seed(1))[0].mean())
    g_marg = grads(torch.exp(mine._pairs(x, y, torch.Generator().manual_seed(1))[1]).mean() / batch_mean)
    mine.ema = 2 * batch_mean / (1 - mine.ema_rate) - mine.ema_rate * batch_mean / (1 - mine.ema_rate)
    g_half = grads(mine.surrogate(x, y, generator=torch.Generator().manual_seed(1))[0])
    torch.testing.assert_close(mine.ema, 2 * batch_mean)                     # the update landed on 2x
    torch.testing.assert_close(g_half, g_joint - 0.5 * g_marg, rtol=1e-4, atol=1e-6)
