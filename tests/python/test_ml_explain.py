"""SHAP values, top reasons and feature importance."""

import numpy as np
import pandas as pd
import pytest

from one_click.ml import explain as explain_module
from one_click.ml.explain import (
    CategoryCodes,
    background_medoids,
    explain,
    mean_abs_shap,
    permutation_shap,
    permutation_table,
    selected_shap_values,
    shap_long,
    top_reasons,
)
from one_click.ml.features import FEATURES, encode_target, feature_frame
from one_click.ml.selection import fit_tuned, run_candidate_search
from one_click.project import setting

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it


def _toy_model(X):
    # a three-way interaction: antithetic pairs alone are exact only up to pairwise ones
    return X[:, 0] + 2 * X[:, 1] * X[:, 2] * X[:, 3] + np.sin(X[:, 3])


def test_permutation_estimate_matches_exact_shap():
    import shap  # pinned in requirements.txt: a missing shap fails here, it is not skipped

    rng = np.random.default_rng(0)
    background, X = rng.normal(size=(6, 4)), rng.normal(size=(3, 4))
    # with 4 features and 16 samples KernelExplainer enumerates every coalition: exact values
    exact = shap.KernelExplainer(_toy_model, background).shap_values(X, nsamples=16, silent=True)
    values, base = permutation_shap(_toy_model, X, background, pairs=400, seed=1)
    np.testing.assert_allclose(values, exact, atol=0.03)
    np.testing.assert_allclose(values.sum(axis=1) + base, _toy_model(X), atol=1e-12)


def test_additive_model_gets_its_terms_exactly_for_each_background_row():
    # f = sum of per-feature terms: every chain credits each feature with its own term
    def additive(X):
        return 3 * X[:, 0] - X[:, 1] + 0 * X[:, 2]

    X = np.array([[1.0, 2.0, 5.0]])
    background = np.zeros((1, 3))
    values, base = permutation_shap(additive, X, background, seed=0)
    np.testing.assert_allclose(values, [[3.0, -2.0, 0.0]])
    assert base[0] == 0.0


def test_background_weights_count_like_repeated_rows():
    def additive(X):
        return 3 * X[:, 0] - X[:, 1]

    X = np.array([[1.0, 2.0]])
    weighted, base = permutation_shap(
        additive, X, np.array([[0.0, 0.0], [3.0, 3.0]]), [2, 1], seed=SEED
    )
    repeated, same_base = permutation_shap(
        additive, X, np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 3.0]]), seed=SEED
    )
    np.testing.assert_allclose(weighted, repeated)
    np.testing.assert_allclose(weighted, [[3 * (1 - 1), -(2 - 1)]])
    assert base[0] == pytest.approx(same_base[0]) == pytest.approx(2 / 3 * 0 + 1 / 3 * 6)


def test_no_chains_is_refused():
    with pytest.raises(ValueError, match="pairs"):
        permutation_shap(_toy_model, np.zeros((1, 4)), np.zeros((1, 4)), pairs=0, seed=SEED)


def test_background_is_summarised_by_weighted_customers_of_it(customers):
    X, y = feature_frame(customers), encode_target(customers)
    model = fit_tuned("knn", {"model__n_neighbors": 7}, X, y, SEED)
    starts, weights = background_medoids(model, X, clusters=5, seed=SEED)
    assert len(starts) == 5 and set(starts.index) <= set(X.index)
    assert weights.sum() == pytest.approx(1) and (weights > 0).all()
    again, _ = background_medoids(model, X, clusters=5, seed=SEED)
    assert list(again.index) == list(starts.index)


def test_explanations_of_a_pipeline_add_up_and_repeat(customers):
    X, y = feature_frame(customers), encode_target(customers)
    model = fit_tuned("knn", {"model__n_neighbors": 7}, X.iloc[:90], y[:90], SEED)
    codes = CategoryCodes(X)
    values, base = explain(model, X.iloc[:90], X.iloc[90:], codes, SEED)
    probability = model.predict_proba(X.iloc[90:])[:, 1]
    assert values.shape == (30, len(FEATURES))
    np.testing.assert_allclose(values.sum(axis=1) + base, probability, atol=1e-12)
    again, _ = explain(model, X.iloc[:90], X.iloc[90:], codes, SEED)
    assert np.array_equal(values, again)


def test_categories_are_one_feature_each_with_codes_and_labels(customers):
    X = feature_frame(customers)
    codes = CategoryCodes(X)
    values = np.zeros((3, len(FEATURES)))
    long = shap_long(customers.head(3), values, [0.4, 0.4, 0.4], codes)
    assert len(long) == 3 * len(FEATURES)
    assert set(long["feature"]) == set(FEATURES)  # favourite_category, not its one-hot columns
    categories = sorted(customers["favourite_category"].unique())
    first = long[(long["customer_id"] == customers.loc[0, "customer_id"])].set_index("feature")
    label = customers.loc[0, "favourite_category"]
    assert first.loc["favourite_category", "feature_label"] == label
    assert first.loc["favourite_category", "feature_value"] == categories.index(label)
    assert first.loc["allow_offers", "feature_label"] in {"true", "false"}


def test_category_codes_round_trip_and_unseen_values(customers):
    X = feature_frame(customers)
    codes = CategoryCodes(X)
    pd.testing.assert_frame_equal(codes.decode(codes.encode(X)), X.reset_index(drop=True))
    new = X.head(1).copy()
    new["service_tier"] = "платиновый"
    decoded = codes.decode(codes.encode(new))
    assert decoded.loc[0, "service_tier"] is None  # reaches the model as a value it never saw


def _long(rows):
    return pd.DataFrame(rows, columns=["customer_id", "feature", "shap_value"])


def test_top_reasons_are_the_largest_positive_contributions():
    shap_values = _long(
        [
            (1, "tenure_days", 0.05),
            (1, "pages_per_visit", 0.30),
            (1, "service_tier", -0.40),  # pushes down: never a reason
            (1, "promo_purchase_share", 0.10),
            (1, "favourite_category", 0.20),
            (2, "tenure_days", -0.10),
            (2, "pages_per_visit", 0.02),
            (3, "tenure_days", 0.01),
            (3, "pages_per_visit", 0.01),  # a tie: alphabetical order decides
        ]
    )
    reasons = top_reasons(shap_values).set_index("customer_id")
    assert list(reasons.loc[1]) == ["pages_per_visit", "favourite_category", "promo_purchase_share"]
    assert reasons.loc[2, "top_reason_1"] == "pages_per_visit"
    assert pd.isna(reasons.loc[2, "top_reason_2"]) and pd.isna(reasons.loc[2, "top_reason_3"])
    assert list(reasons.loc[3, ["top_reason_1", "top_reason_2"]]) == [
        "pages_per_visit",
        "tenure_days",
    ]


def test_customer_with_no_upward_push_has_no_reasons():
    reasons = top_reasons(_long([(7, "tenure_days", -0.1), (7, "pages_per_visit", 0.0)]))
    assert reasons.loc[0, "customer_id"] == 7
    assert reasons[["top_reason_1", "top_reason_2", "top_reason_3"]].isna().all(axis=None)


def test_importance_ranks():
    shap_values = _long(
        [(c, feature, (i + 1) * (-1) ** c) for c in range(4) for i, feature in enumerate(FEATURES)]
    )
    summary = mean_abs_shap(shap_values)
    assert list(summary.sort_values("shap_rank")["feature"])[:2] == FEATURES[::-1][:2]
    assert summary.loc[summary["feature"] == FEATURES[-1], "mean_abs_shap"].item() == len(FEATURES)


def test_permutation_importance_finds_the_signal(customers, monkeypatch):
    # the synthetic label depends on pages_per_visit and promo_purchase_share only
    monkeypatch.setattr(explain_module, "PERMUTATION_REPEATS", 3)
    X, y = feature_frame(customers), encode_target(customers)
    model = fit_tuned("logistic_regression", {}, X.iloc[:80], y[:80], SEED)
    table = permutation_table(model, X.iloc[80:], y[80:], SEED)
    top_two = set(table.sort_values("permutation_rank")["feature"].head(2))
    assert top_two == {"pages_per_visit", "promo_purchase_share"}
    assert (table["permutation_importance_std"] >= 0).all()


@pytest.mark.slow
def test_the_shap_sample_gets_the_values_a_full_run_gives_it(customers, quick_search):
    search = run_candidate_search(customers, families=["logistic_regression"], n_jobs=1, seed=SEED)
    everyone = selected_shap_values(customers, search, "logistic_regression", n_jobs=1, seed=SEED)
    chosen = customers["customer_id"].iloc[::7]
    some = selected_shap_values(
        customers, search, "logistic_regression", n_jobs=1, seed=SEED, explained=chosen
    )
    assert set(some["customer_id"]) == set(chosen)
    expected = everyone[everyone["customer_id"].isin(chosen)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    with pytest.raises(ValueError, match="not in the model sample"):
        selected_shap_values(
            customers, search, "logistic_regression", n_jobs=1, seed=SEED, explained=[1]
        )
