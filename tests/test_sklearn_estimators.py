"""scikit-learn's own estimator checks on vecleak's aligners, defenses and utility head.

Every check scikit-learn yields runs; the few that cannot apply are listed with the reason (they
run as expected failures).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from vecleak.align.denoise import DenoisedAligner
from vecleak.align.identity import Identity as IdentityAligner
from vecleak.align.lago import LAGO
from vecleak.align.ridge import Ridge
from vecleak.defenses.ldp import LapMech, PurMech
from vecleak.defenses.noise import DPGaussian, Gaussian, Uniform
from vecleak.defenses.pipeline import DefensePipeline
from vecleak.defenses.transforms import PCA, Identity, Quantize, Rotation, Shuffle, Truncate
from vecleak.utility.heads import LogisticHead

VALIDATED_AT_CONSTRUCTION = ("parameters are checked when the defense is built, so the CLI refuses a bad "
                             "value before any model loads")
NEEDS_A_DIRECTION = "unit-sphere mechanisms normalize each row; a zero row has no direction and is refused"
FRESH_DRAW = ("a fresh draw on every transform call: fit does not rewind the generator (rewinding would "
              "repeat the same noise on every batch)")
FITS_ITS_STEPS = "fits the defenses it is given in place, as they are its parameter (like a list of fitted steps)"

ESTIMATORS = [
    Ridge(alpha=1.0), Ridge(alpha="auto", fit_intercept=True), IdentityAligner(), DenoisedAligner(),
    DenoisedAligner(aligner=Ridge(alpha=0.5)),
    LogisticHead(max_iter=30),
    Identity(), Rotation(seed=0), Shuffle(seed=0), PCA(n_components=2), Truncate(n_dims=1), Quantize(mode="int8"),
    Quantize(mode="binary"),
    Gaussian(sigma=0.1, seed=0), Uniform(sigma=0.1, seed=0), DPGaussian(epsilon=8.0, seed=0),
    PurMech(epsilon=12.0, seed=0), LapMech(epsilon=12.0, seed=0),
    DefensePipeline([Rotation(seed=0), Gaussian(sigma=0.1, seed=0)]),
]


def expected_failures(estimator) -> dict[str, str]:
    if isinstance(estimator, (Ridge, IdentityAligner, DenoisedAligner, LogisticHead, Identity)):
        return {}
    out = {"check_do_not_raise_errors_in_init_or_set_params": VALIDATED_AT_CONSTRUCTION}
    random = isinstance(estimator, (Gaussian, PurMech, LapMech, DefensePipeline))
    if random:
        out["check_estimators_dtypes"] = NEEDS_A_DIRECTION
        out["check_fit_idempotent"] = FRESH_DRAW
    if isinstance(estimator, DefensePipeline):
        out["check_estimators_overwrite_params"] = FITS_ITS_STEPS
    return out


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


#: scikit-learn's checks of the estimator API itself (construction, parameters, cloning): LAGO's
#: fit takes one array per language (dicts), so the checks that fit on one array do not apply.
API_CHECKS = ("check_estimator_cloneable", "check_parameters_default_constructible", "check_no_attributes_set_in_init",
              "check_get_params_invariance", "check_set_params", "check_estimator_repr")


@pytest.mark.parametrize("check", API_CHECKS)
@pytest.mark.parametrize("estimator", [LAGO(), LAGO("tv", edges=[("deu", "nld")], box_epsilon=0.05, tv_solver="admm")],
                         ids=["default", "tv-admm"])
def test_lago_follows_the_estimator_api(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, estimator)


def test_lago_clones_into_an_unfitted_twin_with_the_same_parameters():
    rng = np.random.default_rng(0)
    X = {lang: rng.normal(size=(12, 4)) for lang in ("deu", "nld")}
    Y = {lang: x @ rng.normal(size=(4, 3)) for lang, x in X.items()}
    lago = LAGO("ieq", edges=[("deu", "nld")], box_epsilon=0.05, iterations=20).fit(X, Y)
    twin = clone(lago)
    assert twin.get_params() == lago.get_params() and not hasattr(twin, "W_")
    np.testing.assert_array_equal(twin.fit(X, Y).W_["deu"], lago.W_["deu"])
    assert twin.set_params(box_epsilon=0.1).box_epsilon == 0.1
