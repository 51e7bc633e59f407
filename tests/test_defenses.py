"""Defenses: distributions of the LDP mechanisms, exact maps, reproducibility, registry errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from vecleak.defenses import (
    PCA,
    DefensePipeline,
    DPGaussian,
    Gaussian,
    Identity,
    LapMech,
    PurMech,
    Quantize,
    Rotation,
    Shuffle,
    Truncate,
    Uniform,
    dp_gaussian_sigma,
    lapmech,
    load_defense,
    purmech,
    register_defense,
)
from vecleak.defenses import registry
from vecleak.errors import CheckpointError, DimensionMismatchError, InputError, NonFiniteError

KS_SAMPLES = 4000


def gaussian_rows(n: int, d: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def purkayastha_cdf_at(points: np.ndarray, d: int, eps: float) -> np.ndarray:
    """CDF of ``p(θ) ∝ exp(−εθ) sin^{d−2}θ`` at sorted ``points``, by quad, independent of the table.

    The density is taken relative to its value at the mode ``arctan((d−2)/ε)``, in log space,
    so ``sin^510`` neither under- nor overflows; each gap between consecutive points is one quad.
    """
    mode = math.atan2(d - 2, eps)
    log_peak = -eps * mode + (d - 2) * math.log(math.sin(mode))

    def dens(t: float) -> float:
        s = math.sin(t)
        return 0.0 if s <= 0 else math.exp(-eps * t + (d - 2) * math.log(s) - log_peak)

    edges = np.concatenate([[0.0], points, [math.pi]])
    pieces = np.array([integrate.quad(dens, a, b, epsabs=0, epsrel=1e-10)[0] if b > a else 0.0
                       for a, b in zip(edges[:-1], edges[1:])])
    cum = np.cumsum(pieces)
    return cum[:-1] / cum[-1]


def ks_pvalue(theta: np.ndarray, d: int, eps: float) -> float:
    s = np.sort(theta)
    F = purkayastha_cdf_at(s, d, eps)
    return stats.kstest(theta, lambda x: np.interp(x, s, F)).pvalue


@pytest.fixture(scope="module")
def purmech_draws() -> dict[tuple[int, float], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(x, out, θ) for d in {8, 512} and ε in {1, 12}, KS_SAMPLES vectors each, fixed seeds."""
    draws = {}
    for i, (d, eps) in enumerate([(8, 1.0), (8, 12.0), (512, 1.0), (512, 12.0)]):
        x = unit(gaussian_rows(KS_SAMPLES, d, seed=100 + i))
        out, theta = purmech(x, epsilon=eps, generator=np.random.default_rng(i))
        draws[d, eps] = x, out, theta
    return draws


# ---- PurMech -------------------------------------------------------------------------------


@pytest.mark.parametrize("d,eps", [(8, 1.0), (8, 12.0), (512, 1.0), (512, 12.0)])
def test_purmech_angle_matches_density_ks(purmech_draws, d, eps):
    x, out, theta = purmech_draws[d, eps]
    assert ks_pvalue(theta, d, eps) > 0.01
    # the angle actually realized between output and input, not just the drawn θ
    realized = np.arccos(np.clip(np.einsum("ij,ij->i", out.astype(np.float64), x), -1, 1))
    assert ks_pvalue(realized, d, eps) > 0.01


@pytest.mark.parametrize("d", [8, 512])
def test_purmech_ks_rejects_wrong_epsilon(purmech_draws, d):
    _, _, theta = purmech_draws[d, 1.0]
    assert ks_pvalue(theta, d, 12.0) < 1e-6


def test_purmech_output_unit_norm_and_angle(purmech_draws):
    x, out, theta = purmech_draws[512, 12.0]
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.einsum("ij,ij->i", out, x), np.cos(theta), atol=1e-5)


def test_purmech_normalizes_input_and_concentrates_for_large_epsilon():
    E = 7.0 * gaussian_rows(50, 16, seed=1)
    out = PurMech(epsilon=1e4, seed=0).transform(E)
    # mode arctan(14/1e4) ≈ 1.4e-3 rad: output ≈ the normalized input
    np.testing.assert_allclose(out, unit(E), atol=1e-2)


def test_purmech_refuses_one_dimension_and_zero_rows():
    with pytest.raises(InputError, match="dimension >= 2"):
        PurMech(epsilon=1.0).transform(np.ones((3, 1), np.float32))
    E = gaussian_rows(4, 8, seed=0)
    E[2] = 0
    with pytest.raises(InputError, match="zero vector"):
        PurMech(epsilon=1.0).transform(E)


# ---- LapMech, Gaussian ---------------------------------------------------------------------


def test_lapmech_radius_is_gamma_d_over_eps():
    d, eps, n = 64, 4.0, 3000
    x = unit(gaussian_rows(n, d, seed=2))
    out, r = lapmech(x, epsilon=eps, generator=np.random.default_rng(3))
    radius = np.linalg.norm(out.astype(np.float64) - x, axis=1)
    np.testing.assert_allclose(radius, r, rtol=1e-5)
    # mean d/ε with standard error sqrt(d)/(ε sqrt(n)); 5 standard errors
    assert abs(radius.mean() - d / eps) < 5 * math.sqrt(d) / (eps * math.sqrt(n))
    assert stats.kstest(radius, stats.gamma(a=d, scale=1 / eps).cdf).pvalue > 0.01
    # rate, not scale: Gamma(d, scale=ε) would have mean d·ε = 256
    assert stats.kstest(radius, stats.gamma(a=d, scale=eps).cdf).pvalue < 1e-6
    # the direction is uniform: noise directions average to ~0 (each coordinate's mean has sd 1/sqrt(n d))
    u = (out - x) / radius[:, None]
    assert np.abs(u.mean(axis=0)).max() < 5 / math.sqrt(n * d)


def test_lapmech_class_normalizes_and_refuses_bad_epsilon():
    out = LapMech(epsilon=1e6, seed=0).transform(3 * gaussian_rows(5, 32, seed=0))
    np.testing.assert_allclose(out, unit(3 * gaussian_rows(5, 32, seed=0)), atol=1e-3)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(InputError, match="epsilon must be"):
            LapMech(epsilon=bad)


def test_dp_gaussian_sigma_formula_and_empirical_std():
    eps, delta = 4.0, 1e-5
    sigma = math.sqrt(2 * math.log(1.25 / delta)) * 2.0 / eps
    assert dp_gaussian_sigma(eps, delta, 2.0) == pytest.approx(sigma, rel=1e-12)
    mech = DPGaussian(epsilon=eps, delta=delta, seed=0)
    assert mech.sigma == pytest.approx(sigma, rel=1e-12)
    E = gaussian_rows(200, 512, seed=4)
    noise = mech.transform(E).astype(np.float64) - unit(E)
    # 102,400 draws: the sample std has relative sd 1/sqrt(2N) ≈ 0.2 %
    assert noise.std() == pytest.approx(sigma, rel=0.02)
    assert abs(noise.mean()) < 5 * sigma / math.sqrt(noise.size)
    assert abs(noise.std() - sigma**2) > 1.0  # not the σ·N(0, σ) mistake (sd σ² ≈ 5.87)


def test_gaussian_normalizes_then_adds_sigma():
    E = 5 * gaussian_rows(100, 256, seed=5)
    noise = Gaussian(sigma=0.3, seed=0).transform(E).astype(np.float64) - unit(E)
    assert noise.std() == pytest.approx(0.3, rel=0.02)
    np.testing.assert_allclose(Gaussian(sigma=0.0).transform(E), unit(E), atol=1e-6)


def test_uniform_noise_has_sigma_and_bounded_support():
    E = 5 * gaussian_rows(100, 256, seed=5)
    noise = Uniform(sigma=0.3, seed=0).transform(E).astype(np.float64) - unit(E)
    assert noise.std() == pytest.approx(0.3, rel=0.02)
    assert np.abs(noise).max() <= math.sqrt(3) * 0.3 + 1e-6
    assert np.abs(noise).max() > 0.95 * math.sqrt(3) * 0.3          # fills its support, not a Gaussian
    assert stats.kstest(noise.ravel()[:KS_SAMPLES], "uniform", args=(-math.sqrt(3) * 0.3, 2 * math.sqrt(3) * 0.3)).pvalue > 0.01


# ---- deterministic maps --------------------------------------------------------------------


def test_rotation_is_orthogonal_and_least_squares_recovers_it():
    d = 64
    rot = Rotation(seed=7)
    X = gaussian_rows(600, d, seed=6)
    Y = rot.fit_transform(X)
    Q = rot.Q_.astype(np.float64)
    np.testing.assert_allclose(Q.T @ Q, np.eye(d), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(Y, axis=1), np.linalg.norm(X, axis=1), rtol=1e-5)
    np.testing.assert_allclose(Y[:20] @ Y[:20].T, X[:20] @ X[:20].T, rtol=1e-4, atol=1e-3)
    # the "a linear aligner undoes it" claim: least squares on 600 pairs finds Q⁻¹ = Qᵀ exactly
    W, *_ = np.linalg.lstsq(Y.astype(np.float64), X.astype(np.float64), rcond=None)
    np.testing.assert_allclose(W, Q.T, atol=1e-5)


def test_rotation_same_map_for_every_batch_and_haar_sign_fix():
    X = gaussian_rows(30, 16, seed=8)
    rot = Rotation(seed=1)
    first = rot.transform(X[:10])  # lazy fit on the first batch's dimension
    Q = rot.Q_.copy()
    # (BLAS may round a 10-row and a 30-row product differently in the last bit)
    np.testing.assert_allclose(rot.transform(X)[:10], first, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(rot.Q_, Q)
    np.testing.assert_array_equal(Rotation(seed=1).fit(X).Q_, Q)
    unseeded = Rotation()
    np.testing.assert_allclose(unseeded.transform(X[:5]), unseeded.transform(X)[:5], rtol=1e-6, atol=1e-6)
    assert not np.allclose(Rotation().fit(X).Q_, unseeded.Q_)
    # Haar: E[Q] = 0; without the sign fix QR of a Gaussian has E[diag Q] > 0
    diag_mean = np.mean([np.diag(Rotation(seed=s).fit(X).Q_).mean() for s in range(200)])
    assert abs(diag_mean) < 5 / math.sqrt(200 * 16 * 16)


def test_shuffle_is_a_permutation():
    X = gaussian_rows(20, 32, seed=9)
    sh = Shuffle(seed=3)
    Y = sh.fit_transform(X)
    assert sorted(sh.perm_.tolist()) == list(range(32))
    assert not np.array_equal(sh.perm_, np.arange(32))
    np.testing.assert_array_equal(Y, X[:, sh.perm_])
    np.testing.assert_array_equal(np.sort(Y, axis=1), np.sort(X, axis=1))


def test_pca_dims_and_refuses_transform_before_fit():
    X = gaussian_rows(100, 32, seed=10)
    pca = PCA(n_components=5)
    with pytest.raises(InputError, match="fit before transform"):
        pca.transform(X)
    Z = pca.fit_transform(X)
    assert Z.shape == (100, 5) and Z.dtype == np.float32
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(5), atol=1e-5)
    variances = Z.var(axis=0)
    assert np.all(np.diff(variances) <= 1e-6)  # largest variance first
    with pytest.raises(InputError, match="n_components=50"):
        PCA(n_components=50).fit(X[:10])
    with pytest.raises(InputError, match="positive integer"):
        PCA(n_components=0)


def test_truncate_keeps_leading_coordinates():
    X = gaussian_rows(10, 32, seed=10)
    out = Truncate(n_dims=8).transform(X)
    np.testing.assert_array_equal(out, X[:, :8])
    assert out.flags["C_CONTIGUOUS"] and load_defense("truncate").spec() == {"name": "truncate", "n_dims": 128, "seed": None}
    with pytest.raises(InputError, match="exceeds the vectors' dimension 32"):
        Truncate(n_dims=64).transform(X)
    with pytest.raises(InputError, match="positive integer"):
        Truncate(n_dims=0)


def test_pipeline_applies_steps_in_order_and_fits_on_what_comes_before():
    X = gaussian_rows(200, 32, seed=11)
    pipe = DefensePipeline([Gaussian(sigma=0.05, seed=3), PCA(n_components=4)])
    assert pipe.learns_from_data and not DefensePipeline([Identity()]).learns_from_data
    out = pipe.fit_transform(X)
    noisy = Gaussian(sigma=0.05, seed=3)
    pca = PCA(n_components=4).fit(noisy.transform(X))          # the PCA saw noisy vectors, not X
    np.testing.assert_allclose(pipe.steps[1].components_, pca.components_, atol=1e-5)
    np.testing.assert_allclose(out, pca.transform(noisy.transform(X)), atol=1e-5)
    assert pipe.spec() == {"name": "pipeline", "steps": [{"name": "gaussian", "sigma": 0.05, "seed": 3},
                                                          {"name": "pca", "n_components": 4, "seed": None}]}
    with pytest.raises(InputError, match="at least one step"):
        DefensePipeline([])


def test_pca_keeps_what_lies_in_the_kept_directions():
    rng = np.random.default_rng(11)
    basis = np.linalg.qr(rng.normal(size=(32, 4)))[0]  # data in a 4-d subspace
    X = (rng.normal(size=(200, 4)) @ basis.T).astype(np.float32)
    pca = PCA(n_components=4).fit(X)
    back = pca.transform(X) @ pca.components_ + pca.mean_
    np.testing.assert_allclose(back, X, atol=1e-4)
    assert pca.explained_variance_ratio_.sum() == pytest.approx(1.0, abs=1e-6)


def test_quantize_int8_error_bound_and_binary():
    X = gaussian_rows(50, 128, seed=12)
    out = Quantize(mode="int8").transform(X)
    scale = np.abs(X).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(out - X) <= scale / 2 + 1e-6 * np.abs(X).max())
    levels = out / scale
    np.testing.assert_allclose(levels, np.rint(levels), atol=1e-3)  # on the int8 grid
    assert np.abs(np.rint(levels)).max() == 127
    zero = Quantize().transform(np.zeros((2, 8), np.float32))
    np.testing.assert_array_equal(zero, 0)
    b = Quantize(mode="binary").transform(X)
    np.testing.assert_allclose(np.abs(b), 1 / math.sqrt(128), rtol=1e-6)
    np.testing.assert_array_equal(np.sign(b), np.where(X >= 0, 1, -1))
    with pytest.raises(InputError, match="int8, binary"):
        Quantize(mode="int4")


def test_identity_returns_a_copy():
    X = gaussian_rows(3, 4, seed=0)
    out = Identity().transform(X)
    np.testing.assert_array_equal(out, X)
    assert out is not X and Identity().spec() == {"name": "none", "seed": None}


# ---- reproducibility -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["purmech", "lapmech", "dp-gaussian", "gaussian", "uniform", "rotation", "shuffle"])
def test_seeded_defenses_reproduce_and_seeds_differ(name):
    X = gaussian_rows(20, 24, seed=13)
    eps = 4.0 if registry.needs_epsilon(name) else None
    a = load_defense(name, epsilon=eps, seed=5).fit_transform(X)
    b = load_defense(name, epsilon=eps, seed=5).fit_transform(X)
    c = load_defense(name, epsilon=eps, seed=6).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert load_defense(name, epsilon=eps, seed=5).spec()["seed"] == 5


def test_noise_is_fresh_per_call_and_generator_overrides_seed():
    X = gaussian_rows(10, 16, seed=14)
    mech = PurMech(epsilon=2.0, seed=0)
    first, second = mech.transform(X), mech.transform(X)
    assert not np.array_equal(first, second)  # a continuing stream, never reused noise
    g1 = PurMech(epsilon=2.0, seed=0).transform(X, generator=np.random.default_rng(9))
    g2 = PurMech(epsilon=2.0, seed=1).transform(X, generator=np.random.default_rng(9))
    np.testing.assert_array_equal(g1, g2)
    assert not np.array_equal(g1, first)
    with pytest.raises(InputError, match="numpy.random.Generator"):
        mech.transform(X, generator=0)


# ---- validation and registry ---------------------------------------------------------------


def test_nan_and_shape_inputs_are_one_line_errors():
    X = gaussian_rows(4, 8, seed=0)
    X[1, 3] = np.nan
    for defense in (PurMech(epsilon=1.0), LapMech(epsilon=1.0), Rotation(seed=0), Quantize(), Identity()):
        with pytest.raises(NonFiniteError, match="row 1"):
            defense.transform(X)
    with pytest.raises(InputError, match="2-D"):
        PurMech(epsilon=1.0).transform(np.ones(8, np.float32))
    rot = Rotation(seed=0).fit(gaussian_rows(2, 8, seed=0))
    with pytest.raises(DimensionMismatchError, match="X has 6 features, but Rotation is expecting 8"):
        rot.transform(gaussian_rows(2, 6, seed=0))


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "abc", True])
def test_epsilon_must_be_finite_positive(bad):
    with pytest.raises(InputError, match="epsilon must be a finite number > 0"):
        load_defense("purmech", epsilon=bad)
    with pytest.raises(InputError, match="epsilon must be a finite number > 0"):
        DPGaussian(epsilon=bad)


def test_registry_errors():
    with pytest.raises(InputError) as err:
        load_defense("purmek", epsilon=1.0)
    msg = str(err.value)
    assert "did you mean purmech" in msg and "\n" not in msg
    assert all(n in msg for n in ["none", "lapmech", "dp-gaussian", "rotation", "shuffle", "pca", "quantize"])
    with pytest.raises(InputError, match="^epsilon is required for purmech"):     # the library's name, not a flag
        load_defense("purmech")
    with pytest.raises(InputError, match="rotation takes no epsilon"):
        load_defense("rotation", epsilon=4.0)
    with pytest.raises(InputError, match="takes no parameter 'sigma'"):
        load_defense("pca", sigma=0.1)
    with pytest.raises(InputError, match="delta must be"):
        load_defense("dp-gaussian", epsilon=1.0, delta=2.0)
    with pytest.raises(InputError, match="seed must be"):
        load_defense("purmech", epsilon=1.0, seed=-1)


def test_registry_defaults_and_params():
    assert load_defense("gaussian").spec() == {"name": "gaussian", "sigma": 0.1, "seed": None}
    assert load_defense("pca").n_components == 64
    assert load_defense("pca", n_components=8, seed=3).spec() == {"name": "pca", "n_components": 8, "seed": None}
    assert load_defense("quantize", mode="binary").mode == "binary"
    assert load_defense("dp-gaussian", epsilon=8.0, delta=1e-6).spec()["delta"] == 1e-6
    assert isinstance(load_defense(" none "), Identity)


def test_register_refuses_duplicates(monkeypatch):
    monkeypatch.setattr(registry, "_DEFENSES", dict(registry._DEFENSES))
    with pytest.raises(InputError, match="'purmech' is already registered"):
        register_defense("purmech", PurMech)
    register_defense("my-noise", lambda *, sigma=0.5, seed=None: Gaussian(sigma=sigma, seed=seed))
    assert load_defense("my-noise", seed=1).spec() == {"name": "gaussian", "sigma": 0.5, "seed": 1}
    with pytest.raises(InputError, match="already registered"):
        register_defense("my-noise", Identity)


def test_trained_defense_folder_errors(tmp_path):
    with pytest.raises(InputError, match="no trained defense found in .*no defense.json"):
        load_defense(str(tmp_path))
    (tmp_path / "defense.json").write_text("{}")
    with pytest.raises(CheckpointError, match="not a readable trained defense"):
        load_defense(str(tmp_path))
    with pytest.raises(InputError, match="no such folder"):
        load_defense(str(tmp_path / "missing"))


def test_purmech_samples_the_tails_with_their_exact_mass(monkeypatch):
    """With the core table cut close to the mode (a span of 0.5 nats instead of 50), the tails
    hold real mass: the sampled angles must still follow the full density on [0, π] (a
    truncated sampler fails this KS test), and angles outside the core must occur."""
    from vecleak.defenses import ldp

    d, eps = 8, 1.0
    monkeypatch.setattr(ldp, "TABLE_LOG_SPAN", 0.5)
    ldp.purkayastha_table.cache_clear()
    ldp.purkayastha_tails.cache_clear()
    try:
        p_left, p_right, _, _ = ldp.purkayastha_tails(d, eps)
        assert 0.2 < p_left + p_right < 0.4       # 0.30 for d = 8, eps = 1
        theta = ldp.purkayastha_angles(KS_SAMPLES, d, eps, np.random.default_rng(7))
        core = ldp.purkayastha_table(d, eps)[1]
        outside = np.mean((theta < core[0]) | (theta > core[-1]))
        assert outside == pytest.approx(p_left + p_right, abs=5 * math.sqrt((p_left + p_right) / KS_SAMPLES))
        assert ks_pvalue(theta, d, eps) > 0.01
        cdf, grid = ldp.purkayastha_table(d, eps)
        truncated = np.interp(np.random.default_rng(7).random(KS_SAMPLES), cdf, grid)
        assert ks_pvalue(truncated, d, eps) < 1e-6
    finally:
        ldp.purkayastha_table.cache_clear()
        ldp.purkayastha_tails.cache_clear()


# --- secure mode: randomness from the OS CSPRNG ---------------------------------------------------

def test_secure_random_draws_the_right_distributions():
    from vecleak.defenses.secure_random import SecureRandom

    r = SecureRandom()
    z = r.standard_normal(200_000)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01            # 5 standard errors
    g = r.gamma(384, 1 / 12, 50_000)                                    # mean 32, variance 384/144
    assert abs(g.mean() - 32) < 5 * (384 / 144 / 50_000) ** 0.5 and abs(g.var() / (384 / 144) - 1) < 0.05
    assert sorted(r.permutation(100)) == list(range(100))
    counts = r.multinomial(100_000, [0.2, 0.3, 0.5])
    assert counts.sum() == 100_000 and np.allclose(counts / 100_000, [0.2, 0.3, 0.5], atol=0.01)
    u = r.random(100_000)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.005


@pytest.mark.parametrize("name, kw", [("purmech", {"epsilon": 12.0}), ("lapmech", {"epsilon": 12.0}),
                                      ("gaussian", {"sigma": 0.05}), ("dp-gaussian", {"epsilon": 4.0})])
def test_secure_mode_matches_the_seeded_mechanism_and_never_repeats(name, kw):
    from vecleak.defenses import load_defense

    E = np.random.default_rng(0).normal(size=(400, 384)).astype(np.float32)
    u = E / np.linalg.norm(E, axis=1, keepdims=True)
    kw = dict(kw)
    eps = kw.pop("epsilon", None)
    secure = load_defense(name, epsilon=eps, secure=True, **kw)
    seeded = load_defense(name, epsilon=eps, seed=1, **kw)
    a, b = secure.fit_transform(E), load_defense(name, epsilon=eps, secure=True, **kw).fit_transform(E)
    assert not np.allclose(a, b)                                       # nothing replays
    cos = lambda x: ((x * u).sum(1) / np.linalg.norm(x, axis=1))      # noqa: E731
    ca, cs = cos(a), cos(seeded.fit_transform(E))
    assert abs(ca.mean() - cs.mean()) < 5 * np.hypot(ca.std(), cs.std()) / np.sqrt(len(E))
    spec = secure.spec()
    assert spec["secure"] is True and spec["seed"] is None


def test_secure_mode_refuses_a_seed_and_deterministic_defenses():
    from vecleak.defenses import load_defense
    from vecleak.errors import InputError

    with pytest.raises(InputError, match="drop the seed"):
        load_defense("gaussian", secure=True, seed=3)
    with pytest.raises(InputError, match="takes no parameter 'secure'"):
        load_defense("pca", secure=True)


def test_every_defense_is_a_scikit_learn_estimator():
    """get_params round-trips, sklearn.clone gives an unfitted twin with the same parameters and
    seed (so the same outputs), for every registered defense and for a pipeline."""
    from sklearn.base import clone

    from vecleak.defenses import defense_names, load_defense
    from vecleak.defenses.pipeline import DefensePipeline

    E = np.random.default_rng(0).normal(size=(50, 64)).astype(np.float32)
    extra = {"pca": {"n_components": 8}, "truncate": {"n_dims": 16}}
    mechs = [load_defense(n, epsilon=8.0 if n in ("purmech", "lapmech", "dp-gaussian") else None, seed=3,
                          **extra.get(n, {})) for n in defense_names()]
    mechs.append(DefensePipeline([load_defense("pca", n_components=8), load_defense("gaussian", seed=1)]))
    for mech in mechs:
        twin = clone(mech)
        assert twin is not mech and twin.get_params(deep=False).keys() == mech.get_params(deep=False).keys()
        np.testing.assert_array_equal(twin.fit_transform(E), clone(mech).fit_transform(E))
        assert type(twin)(**twin.get_params(deep=False)).spec() == twin.spec()


def test_purmech_direction_is_uniform_orthogonal_to_the_input():
    """PurMech's output is cos θ x + sin θ u with u uniform on the unit sphere of x's orthogonal
    complement: u ⟂ x, E[u] = 0 and E[u uᵀ] = (I − x xᵀ) / (d − 1)."""
    from vecleak.defenses.ldp import purmech

    d, n = 16, 40_000
    x = np.zeros((n, d), np.float32)
    x[:, 0] = 1.0                                      # one input, n draws
    out, theta = purmech(x, epsilon=4.0, generator=np.random.default_rng(0))
    s = np.sin(theta)
    keep = s > 0.05
    u = (out[keep] - np.cos(theta[keep])[:, None] * x[keep]) / s[keep, None]
    assert np.allclose(u[:, 0], 0, atol=1e-4)                                   # orthogonal to x
    assert np.allclose(np.linalg.norm(u, axis=1), 1, atol=1e-4)
    rest = u[:, 1:].astype(np.float64)
    se = 1 / np.sqrt(len(rest) * (d - 1))
    assert np.abs(rest.mean(0)).max() < 6 * se                                  # no preferred direction
    cov = rest.T @ rest / len(rest)
    assert np.abs(np.diag(cov) - 1 / (d - 1)).max() < 0.004                    # isotropic
    assert np.abs(cov - np.diag(np.diag(cov))).max() < 0.003
