"""The quality gate (one_click.ml.gate) and the interval it judges (metrics.delong_interval)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from one_click.ml import gate
from one_click.ml.metrics import delong_interval

BAR = 0.915


@pytest.mark.parametrize(
    ("estimate", "lower", "upper", "kept", "decision"),
    [
        (0.93, 0.92, 0.94, True, gate.PUBLISH),
        (0.93, 0.90, 0.95, False, gate.PUBLISH),
        (0.911, 0.899, 0.923, True, gate.PUBLISH_BELOW_BAR),  # the flake of a 3,000 sample
        (0.911, 0.899, 0.923, False, gate.PUBLISH_BELOW_BAR),
        (0.88, 0.86, 0.90, True, gate.KEEP_KEPT_MODEL),
        (0.88, 0.86, 0.90, False, gate.PUBLISH_FIRST_BELOW_BAR),
        (0.905, 0.895, BAR, True, gate.PUBLISH_BELOW_BAR),  # an interval touching the bar
    ],
)
def test_the_gate_decides_by_the_interval(estimate, lower, upper, kept, decision):
    judged = gate.judge(estimate, lower, upper, BAR, kept_model=kept)
    assert judged.decision == decision
    assert judged.publishes_new_model == (decision != gate.KEEP_KEPT_MODEL)
    assert f"{estimate:.3f}" in judged.message and f"{BAR:.3f}" in judged.message
    if decision != gate.PUBLISH:
        assert "WARNING" in judged.message or "NOT published" in judged.message


def test_an_interval_that_does_not_hold_its_estimate_is_refused():
    with pytest.raises(ValueError, match="outside its interval"):
        gate.judge(0.95, 0.90, 0.94, BAR, kept_model=True)


def test_the_delong_interval_matches_a_bootstrap_and_shrinks_with_the_sample():
    rng = np.random.default_rng(7)
    widths = []
    for size in (750, 3000):
        y = rng.random(size) < 0.38
        score = np.where(y, rng.normal(1.9, 1, size), rng.normal(0, 1, size))
        estimate, lower, upper = delong_interval(y, score, 0.95)
        assert estimate == pytest.approx(roc_auc_score(y, score), abs=1e-12)
        draws = [
            roc_auc_score(y[i], score[i]) for i in (rng.integers(0, size, size) for _ in range(400))
        ]
        low, high = np.percentile(draws, [2.5, 97.5])
        assert lower == pytest.approx(low, abs=0.004) and upper == pytest.approx(high, abs=0.004)
        widths.append(upper - lower)
    assert widths[1] < widths[0] * 0.6  # about 1/2 at four times the customers


def test_the_interval_needs_both_classes():
    with pytest.raises(ValueError, match="two customers of each class"):
        delong_interval([True, True, True, False], [0.9, 0.8, 0.7, 0.1], 0.95)


# ---------------------------------------------------------------------------------------------
# Statistics of a month's labels: skipped with a note when the labels cannot support them


def test_labels_note_says_why_a_month_cannot_measure_a_two_class_statistic():
    from one_click.ml.metrics import FEWEST_PER_CLASS, labels_note

    assert labels_note([True] * 40) is not None and "same label" in labels_note([True] * 40)
    few = [True] * (FEWEST_PER_CLASS - 1) + [False] * 40
    assert f"at least {FEWEST_PER_CLASS}" in labels_note(few)
    assert labels_note([True] * FEWEST_PER_CLASS + [False] * FEWEST_PER_CLASS) is None


def test_feature_importance_of_a_month_with_one_class_keeps_the_shap_part_with_a_note():
    from helpers import synthetic_customers

    from one_click.ml.explain import FEATURES, IMPORTANCE_DTYPES, kept_model_importance
    from one_click.ml.selection import fit_tuned

    customers = synthetic_customers(120, seed=1)
    from one_click.ml.features import encode_target, feature_frame

    model = fit_tuned(
        "logistic_regression", {}, feature_frame(customers), encode_target(customers), 42
    )
    shap = pd.DataFrame(
        {
            "customer_id": np.repeat([1, 2], len(FEATURES)),
            "feature": FEATURES * 2,
            "shap_value": np.linspace(-0.1, 0.1, 2 * len(FEATURES)),
        }
    )
    declined = customers.assign(activity_declined=True)
    table = kept_model_importance(model, declined, shap, seed=42, n_jobs=1)
    assert list(table.columns) == list(IMPORTANCE_DTYPES)
    assert len(table) == len(FEATURES) and table["mean_abs_shap"].notna().all()
    assert table["permutation_importance_mean"].isna().all()
    assert table["note"].str.contains("same label").all()
    both = kept_model_importance(model, customers, shap, seed=42, n_jobs=1)
    assert both["note"].isna().all() and both["permutation_importance_mean"].notna().all()


def test_a_sample_of_a_month_with_one_class_is_drawn_at_random():
    from one_click.ml.sampling import stratified_sample

    customers = pd.DataFrame({"customer_id": np.arange(100), "activity_declined": True})
    drawn = stratified_sample(customers, 10, 42)
    assert len(drawn) == 10 and drawn["customer_id"].is_unique
    customers.loc[0, "activity_declined"] = False  # a class of one customer
    assert len(stratified_sample(customers, 10, 42)) == 10
