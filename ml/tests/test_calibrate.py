import numpy as np

from mri_sentinel_ml.calibrate import fit_ood, fit_temperature, ood_score, softmax
from mri_sentinel_ml.data import TRIAGE_LABELS
from mri_sentinel_ml.evaluate import triage_decision
from mri_sentinel_ml.metrics import auc, ece


def test_temperature_recovers_known_scale() -> None:
    rng = np.random.default_rng(0)
    true = rng.normal(size=(4000, 4)) * 3
    y = np.array([rng.choice(4, p=p) for p in softmax(true)])
    t = fit_temperature(true * 2.5, y)  # over-confident logits
    assert abs(t - 2.5) < 0.25


def test_temperature_prior_keeps_separable_validation_finite() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 500)
    logits = rng.normal(size=(500, 3))
    logits[np.arange(500), y] += 8.0  # every validation image right: plain NLL wants T -> 0
    assert (logits.argmax(1) == y).all()
    assert fit_temperature(logits, y, prior_sigma=None) < 0.2  # collapsing towards 0
    t = fit_temperature(logits, y)
    assert 0.4 < t < 1.0


def test_ood_whitening_and_score() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 3000)
    means = rng.normal(size=(3, 40)) * 4
    e = means[y] + rng.normal(size=(3000, 40)) @ rng.normal(size=(40, 40)) * 0.3
    ood = fit_ood(e, y, k=8)
    z = (e - ood["center"]) @ ood["components"].T
    resid = np.concatenate([z[y == c] - z[y == c].mean(0) for c in range(3)])
    np.testing.assert_allclose(np.cov(resid.T), np.eye(8), atol=0.05)
    s_in = ood_score(e, ood)
    s_out = ood_score(e + 30 * rng.normal(size=e.shape), ood)
    assert np.median(s_out) > np.quantile(s_in, 0.99)


def test_auc_and_ece() -> None:
    assert auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert auc(np.array([0.5, 0.5]), np.array([0, 1])) == 0.5
    p = np.array([[0.9, 0.1], [0.9, 0.1]])
    assert abs(ece(p, np.array([0, 1])) - 0.4) < 1e-9


def test_triage_rule() -> None:
    L = TRIAGE_LABELS
    p = np.array([
        [0.9, 0.02, 0.02, 0.02, 0.04],   # brain
        [0.1, 0.05, 0.05, 0.1, 0.7],     # not_mri
        [0.3, 0.1, 0.1, 0.05, 0.45],     # p_mri 0.55 < 0.6 -> modality low conf (argmax not_mri first!)
        [0.35, 0.3, 0.0, 0.0, 0.35],     # argmax brain (first), p_mri 0.65, body max 0.35 -> anatomy low conf
        [0.1, 0.0, 0.0, 0.85, 0.05],     # other
        [0.9, 0.02, 0.02, 0.02, 0.04],   # ood
    ])
    ood = np.array([0, 0, 0, 0, 0, 1], bool)
    assert triage_decision(p, ood, 0.6, L) == [
        "brain", "rejected:NOT_MRI", "rejected:NOT_MRI", "rejected:anatomy_LOW_CONFIDENCE",
        "rejected:UNSUPPORTED_BODY_PART", "rejected:NOT_MRI"]
