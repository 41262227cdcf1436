"""Why a customer's probability is what it is: SHAP values, top reasons, permutation importance.

SHAP values are computed on the columns of customers.customer_features themselves, not on the
one-hot columns: a category is one player of the game (its one-hot columns move together), so its
SHAP value is the contribution of `favourite_category` as a whole. The explained output is the
calibrated decline probability: a customer's SHAP values add up to their probability minus the
base value.

The values are interventional SHAP values estimated by permutation sampling (the estimator of
shap's PermutationExplainer): a chain starts from a background customer and switches the explained
customer's features in one at a time in a random order; each switch's change in probability is
that feature's marginal contribution. Every chain's contributions add up exactly to
f(customer) - f(background customer). Antithetic chains (an order and its reverse) cut the
variance. The background is the model's training customers summarised, as shap's documentation
advises, by k-means: BACKGROUND_CLUSTERS representative customers (the medoids), weighted by
their cluster's size. Measured against an estimate from 256 chains, 8 such customers (16 chains)
found the same top reason as often as 32 chains from randomly drawn customers, at half the cost.

It is model-agnostic, so it serves every candidate family (neighbours, kernels and ensembles
included). shap's own explainers evaluate the model row by row (three or more model calls per
customer, plus a numba compile of some ten seconds per process); here the same estimator runs for
all customers at once, in a few large model calls. tests/python/test_ml_explain.py checks it
against shap's exact (fully enumerated) KernelExplainer.
"""

import time

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.cluster import KMeans
from sklearn.inspection import permutation_importance
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from one_click.log import get_logger
from one_click.ml.candidates import fitted_pipeline
from one_click.ml.features import (
    CATEGORICAL_FEATURES,
    FEATURES,
    ID_COLUMN,
    TARGET,
    encode_target,
    feature_frame,
    sort_customers,
)
from one_click.ml.metrics import labels_note
from one_click.ml.selection import (
    HOLDOUT,
    OUTER_FOLD,
    decline_probability,
    evaluation_folds,
    refit_evaluation_models,
    refit_fold,
)

# Representative training customers the chains start from, one antithetic pair of chains each:
# 2 x BACKGROUND_CLUSTERS chains of (features + 1) model evaluations per explained customer.
# scripts/benchmark_model.py measures how often two seeds agree on the top reasons. Measured on
# the delivered customers: 8 instead of 12 takes 30 % less CPU, and its values differ from 12's
# no more than 12's own differ under another seed (the same top reason for 60 % of the customers
# against 59 %, 66 % of the three top reasons against 66 %, the features' mean |SHAP| ranked with
# a Spearman correlation of 0.99 against 0.94); 6 differs more (55 %, 61 %).
BACKGROUND_CLUSTERS = 8
PERMUTATION_REPEATS = 10
UNSEEN_CODE = -1
# |base value + sum of SHAP values - decline probability| allowed (float rounding only)
ADDITIVITY_TOLERANCE = 1e-9

SHAP_DTYPES = {
    ID_COLUMN: "int32",
    "feature": "string",
    "feature_value": "float64",
    "feature_label": "string",
    "shap_value": "float64",
    "base_value": "float64",
}


class CategoryCodes:
    """Categories as numbers, so that shap's maskers can handle them.

    A category's code is its position among the categories of `reference` in alphabetical order
    (0-based); a value missing there gets -1 and reaches the model as a value it never saw.
    """

    def __init__(self, reference: pd.DataFrame):
        self.categories = {
            column: np.array(sorted(reference[column].dropna().unique()), dtype=object)
            for column in CATEGORICAL_FEATURES
        }

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        coded = X[FEATURES].copy()
        for column, known in self.categories.items():
            lookup = {value: code for code, value in enumerate(known)}
            coded[column] = X[column].map(lookup).fillna(UNSEEN_CODE)
        return coded.to_numpy(dtype=float)

    def decode(self, coded: np.ndarray) -> pd.DataFrame:
        X = pd.DataFrame(coded, columns=FEATURES)
        for column, known in self.categories.items():
            codes = X[column].to_numpy().round().astype(int)
            padded = np.append(known, None)  # index -1: a value the model never saw
            X[column] = padded[np.where(codes == UNSEEN_CODE, len(known), codes)]
        return X


def explain(
    model,
    background: pd.DataFrame,
    explained: pd.DataFrame,
    codes: CategoryCodes,
    seed: int,
    clusters: int = BACKGROUND_CLUSTERS,
) -> tuple[np.ndarray, np.ndarray]:
    """SHAP values (customers x FEATURES) and base values of the decline probability.

    background: the customers hidden features come from (the model's training customers),
    summarised by background_medoids into `clusters` customers. base value + sum of SHAP
    values = the customer's probability, exactly.
    """

    with threadpool_limits(limits=1):
        starts, weights = background_medoids(model, background, clusters, seed)
    return explain_from(model, starts, weights, explained, codes, seed)


def explain_from(
    model,
    starts: pd.DataFrame,
    weights: np.ndarray,
    explained: pd.DataFrame,
    codes: CategoryCodes,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """explain() from a background already summarised (background_medoids: starts, weights).

    The chains' orders depend on the seed and the background only, not on which customers are
    explained: explaining the customers in parts gives each the values it gets explained with
    all the others (up to the rounding of the model's arithmetic)."""

    def probability(coded: np.ndarray) -> np.ndarray:
        return model.predict_proba(codes.decode(coded))[:, 1]

    with threadpool_limits(limits=1):
        return permutation_shap(
            probability, codes.encode(explained), codes.encode(starts), weights, seed=seed
        )


def background_medoids(
    model, background: pd.DataFrame, clusters: int, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """k-means summary of the background: the customer nearest each centre, and cluster shares.

    Clustered in the model's own feature space (its preprocessing: one-hot categories, numbers),
    standardised so that no column dominates by its unit.
    """
    transformed = fitted_pipeline(model).named_steps["preprocess"].transform(background)
    space = StandardScaler().fit_transform(transformed)
    clusters = min(clusters, len(background))
    kmeans = KMeans(clusters, n_init=4, random_state=seed).fit(space)
    distance = ((space - kmeans.cluster_centers_[kmeans.labels_]) ** 2).sum(axis=1)
    medoids = [
        np.flatnonzero(kmeans.labels_ == cluster)[np.argmin(distance[kmeans.labels_ == cluster])]
        for cluster in range(clusters)
    ]
    weights = np.bincount(kmeans.labels_, minlength=clusters) / len(background)
    return background.iloc[medoids], weights


def permutation_shap(
    f,
    X: np.ndarray,
    background: np.ndarray,
    weights=None,
    pairs: int = 1,
    *,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Interventional SHAP values of f at the rows of X by antithetic permutation sampling.

    f maps an (m, p) array to m outputs. From every background row (weights: its share of the
    background, default equal) start `pairs` pairs of chains: an order of the p features drawn
    at random (shared by all rows of X) and its reverse. Returns (values (n, p), base values (n,)).
    """
    if pairs < 1:
        raise ValueError(f"pairs must be at least 1, got {pairs}")
    rng = np.random.default_rng(seed)
    n, p = X.shape
    weights = np.full(len(background), 1 / len(background)) if weights is None else weights
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    values = np.zeros((n, p))
    end_output = f(X)
    start_outputs = f(background)
    for row, weight, start_output in zip(background, weights, start_outputs, strict=True):
        start = np.repeat(row[np.newaxis], n, axis=0)
        for _ in range(pairs):
            order = rng.permutation(p)
            for chain_order in (order, order[::-1]):
                # states 1..p-1 of the chain for every row: the first k features of the order
                # come from X, the rest from the background row
                states = np.repeat(start[np.newaxis], p - 1, axis=0)
                for k in range(1, p):
                    states[k - 1 :, :, chain_order[k - 1]] = X[:, chain_order[k - 1]]
                outputs = np.vstack(
                    [
                        np.full(n, start_output),
                        f(states.reshape(-1, p)).reshape(p - 1, n),
                        end_output,
                    ]
                )
                values[:, chain_order] += weight * np.diff(outputs, axis=0).T / (2 * pairs)
    return values, np.full(n, float(weights @ start_outputs))


def shap_long(customers: pd.DataFrame, values: np.ndarray, base_values, codes: CategoryCodes):
    """One row per (customer, feature): the value, its SHAP value, the customer's base value.

    customers: the explained rows of customer_features (customer_id and the feature columns).
    feature_value is the number the model read (a category's code, see CategoryCodes; booleans
    0/1); feature_label is the value as customer_features holds it, as text.
    """
    n_customers, n_features = values.shape
    coded = codes.encode(feature_frame(customers))
    labels = np.column_stack([_labels(customers[column]) for column in FEATURES])
    frame = pd.DataFrame(
        {
            ID_COLUMN: np.repeat(customers[ID_COLUMN].to_numpy(), n_features),
            "feature": np.tile(FEATURES, n_customers),
            "feature_value": coded.reshape(-1),
            "feature_label": labels.reshape(-1),
            "shap_value": values.reshape(-1),
            "base_value": np.repeat(np.asarray(base_values, dtype=float), n_features),
        }
    )
    return frame.astype(SHAP_DTYPES)


def _labels(values: pd.Series) -> np.ndarray:
    if values.dtype == bool:
        return np.where(values.to_numpy(), "true", "false")
    return values.astype(str).to_numpy()


def selected_shap_values(
    customers: pd.DataFrame,
    search: pd.DataFrame,
    family: str,
    seed: int,
    n_jobs: int,
    explain_seed: int | None = None,
    clusters: int = BACKGROUND_CLUSTERS,
    explained=None,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Out-of-fold SHAP values of the model sample's customers under the selected family.

    customers: the model sample (the customers candidate_search ran on); explained: the ids of
    those to explain (default: all; customer_shap_values passes the SHAP sample); scores: the
    probability each was given (customer_id, decline_probability: the selected family's
    out-of-fold probabilities, which customer_scores shows for the model sample), to check the
    values add up to it (check_additivity). Each customer
    is explained by the outer-fold model that scored them (rebuilt from the search table, see
    selection.refit_fold), against a background of that model's training customers: the
    explanation is of the very probability customer_scores shows.
    explain_seed (default: seed) draws the background summary and the permutation chains only;
    the benchmark changes it to measure how stable the top reasons are.
    """
    logger = get_logger()
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    codes = CategoryCodes(X)
    ids = customers[ID_COLUMN].to_numpy()
    wanted = np.ones(len(ids), dtype=bool)
    if explained is not None:
        explained = np.asarray(explained)
        unknown = np.setdiff1d(explained, ids)
        if len(unknown):
            raise ValueError(f"{len(unknown)} customers to explain are not in the model sample")
        wanted = np.isin(ids, explained)
    folds = [
        (fold, train, test, rows, test[wanted[test]])
        for fold, train, test, rows in evaluation_folds(customers, search, family, OUTER_FOLD, seed)
        if wanted[test].any()
    ]
    logger.info(
        f"SHAP: {family}, {int(wanted.sum())} customers, {len(folds)} outer folds,"
        f" {2 * clusters} chains per customer"
    )
    started = time.perf_counter()
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    frames = []
    for fold, shown, values, base in parallel(
        delayed(_explain_fold)(
            family,
            fold,
            rows,
            X,
            y,
            train,
            test,
            shown,
            codes,
            seed,
            explain_seed or seed,
            clusters,
        )
        for fold, train, test, rows, shown in folds
    ):
        frames.append(shap_long(customers.iloc[shown], values, base, codes))
        logger.info(
            f"SHAP [{len(frames)}/{len(folds)}] outer fold {fold}: {len(shown)} customers"
            f" ({time.perf_counter() - started:.0f} s elapsed)"
        )
    values = _in_feature_order(frames)
    if scores is not None:
        check_additivity(values, scores.set_index(ID_COLUMN)["decline_probability"])
    return values


def _in_feature_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Long SHAP frames as one, per customer in the order of FEATURES."""
    return (
        pd.concat(frames, ignore_index=True)
        .assign(order=lambda f: f["feature"].map(FEATURES.index))
        .sort_values([ID_COLUMN, "order"])
        .drop(columns="order")
        .reset_index(drop=True)
        .astype(SHAP_DTYPES)
    )


def kept_model_shap_values(
    kept_model,
    customers: pd.DataFrame,
    explained,
    seed: int,
    n_jobs: int,
    clusters: int = BACKGROUND_CLUSTERS,
) -> pd.DataFrame:
    """Score mode: SHAP values of the models that scored each customer.

    kept_model: the kept model, or a persist.ServedModels (a customer the kept model trained on
    is scored, and so explained, by the outer-fold model that did not see them).
    customers: this build's model sample, the background (summarised once per model, as in
    marketing.customer_reasons, so both give a customer the same values); explained: the ids to
    explain. Their values must add up to the probability customer_scores gives them in score
    mode (check_additivity).
    """
    from one_click.ml.persist import ServedModels

    served = kept_model if isinstance(kept_model, ServedModels) else ServedModels(kept_model)
    customers = sort_customers(customers)
    X = feature_frame(customers)
    codes = CategoryCodes(X)
    shown = customers[customers[ID_COLUMN].isin(np.asarray(explained))]
    keys = served.keys(shown[ID_COLUMN])
    get_logger().info(
        f"SHAP: the kept model, {len(shown)} customers ({int((keys != 0).sum())} by the outer-fold"
        f" model that did not train on them), {2 * clusters} chains each"
    )
    tasks, scores = [], pd.Series(dtype=float)
    for key in np.unique(keys):
        model, group = served.model(key), shown[keys == key]
        with threadpool_limits(limits=1):
            starts, weights = background_medoids(model, X, clusters, seed)
            probability = decline_probability(model, feature_frame(group))
        scores = pd.concat([scores, pd.Series(probability, index=group[ID_COLUMN].to_numpy())])
        parts = [p for p in np.array_split(np.arange(len(group)), 2 * max(1, n_jobs)) if len(p)]
        tasks += [
            delayed(_explain_part)(model, starts, weights, group.iloc[part], codes, seed)
            for part in parts
        ]
    frames = Parallel(n_jobs=n_jobs)(tasks)
    values = _in_feature_order(frames)
    check_additivity(values, scores)
    return values


def _explain_part(model, starts, weights, customers, codes, seed):
    values, base = explain_from(model, starts, weights, feature_frame(customers), codes, seed)
    return shap_long(customers, values, base, codes)


def _explain_fold(
    family, fold, rows, X, y, train, test, shown, codes, seed, explain_seed, clusters
):
    """Refit one outer fold's model and explain the test customers at positions `shown` (runs
    in a worker). The refit is checked against all of the fold's recorded scores (test)."""
    model = refit_fold(family, rows, X, y, train, test, seed)
    values, base = explain(model, X.iloc[train], X.iloc[shown], codes, explain_seed, clusters)
    return fold, shown, values, base


def check_additivity(shap_values: pd.DataFrame, probability: pd.Series) -> None:
    """Raise unless every explained customer's base value + SHAP values add up to their decline
    probability (probability: by customer_id, as customer_scores shows it): the explanation is
    of the score the customer has, by the model that scored them."""
    totals = shap_values.groupby(ID_COLUMN).agg(
        shap_sum=("shap_value", "sum"), base_value=("base_value", "first")
    )
    unscored = totals.index.difference(probability.index)
    if len(unscored):
        raise ValueError(f"{len(unscored)} explained customers have no score, e.g. {unscored[0]}")
    gap = (totals["shap_sum"] + totals["base_value"] - probability.reindex(totals.index)).abs()
    if (gap > ADDITIVITY_TOLERANCE).any():
        worst = gap.idxmax()
        raise ValueError(
            f"customer {worst}: base value + SHAP values miss the decline probability by"
            f" {gap.max():.3g}: explained by another model than the one that scored them"
        )


def top_reasons(shap_values: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Per customer, the n features whose SHAP values push the probability up the most.

    Only positive SHAP values count; a customer with fewer than n of them gets nulls in the
    remaining places. Ties go to the feature name first in alphabetical order.
    """
    pushing = shap_values[shap_values["shap_value"] > 0].sort_values(
        [ID_COLUMN, "shap_value", "feature"], ascending=[True, False, True]
    )
    pushing = pushing.assign(rank=pushing.groupby(ID_COLUMN).cumcount() + 1)
    wide = pushing[pushing["rank"] <= n].pivot(index=ID_COLUMN, columns="rank", values="feature")
    wide = wide.reindex(
        index=pd.Index(sorted(shap_values[ID_COLUMN].unique()), name=ID_COLUMN),
        columns=range(1, n + 1),
    )
    wide.columns = [f"top_reason_{rank}" for rank in wide.columns]
    return wide.reset_index().astype({ID_COLUMN: "int32"} | dict.fromkeys(wide.columns, "string"))


def mean_abs_shap(shap_values: pd.DataFrame) -> pd.DataFrame:
    """Mean |SHAP value| of every feature over the customers, ranked (1 = largest)."""
    summary = (
        shap_values.assign(abs_shap=shap_values["shap_value"].abs())
        .groupby("feature", sort=True)["abs_shap"]
        .mean()
        .reindex(FEATURES)
        .rename("mean_abs_shap")
        .reset_index()
    )
    summary["shap_rank"] = _rank(summary["mean_abs_shap"], summary["feature"])
    return summary


def permutation_table(model, X: pd.DataFrame, y, seed: int, n_jobs: int = 1) -> pd.DataFrame:
    """Drop in ROC-AUC when each feature column is shuffled, PERMUTATION_REPEATS times."""
    with threadpool_limits(limits=1):
        result = permutation_importance(
            model,
            X[FEATURES],
            y,
            scoring="roc_auc",
            n_repeats=PERMUTATION_REPEATS,
            random_state=seed,
            n_jobs=n_jobs,
        )
    table = pd.DataFrame(
        {
            "feature": FEATURES,
            "permutation_importance_mean": result.importances_mean,
            "permutation_importance_std": result.importances_std,
        }
    )
    table["permutation_rank"] = _rank(table["permutation_importance_mean"], table["feature"])
    return table


IMPORTANCE_DTYPES = {
    "feature": "string",
    "mean_abs_shap": "float64",
    "shap_rank": "int32",
    "permutation_importance_mean": "float64",
    "permutation_importance_std": "float64",
    "permutation_rank": "Int32",
    "note": "string",
}


def feature_importance(
    customers: pd.DataFrame,
    search: pd.DataFrame,
    family: str,
    shap_values: pd.DataFrame,
    seed: int,
    n_jobs: int,
) -> pd.DataFrame:
    """Mean |SHAP| over the explained customers (shap_values: the SHAP sample), and permutation
    importance on held-out customers.

    customers: the model sample. Permutation importance uses its common 75/25 split: the family
    tuned and fitted on the 75 % (rebuilt from the search table), the ROC-AUC drop measured on
    the 25 % it never saw.
    """
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    [(_, _, test, model)] = refit_evaluation_models(customers, search, family, HOLDOUT, seed)
    permutation = permutation_table(model, X.iloc[test], y[test], seed, n_jobs)
    return _importance(shap_values, permutation)


def kept_model_importance(
    kept_model, customers: pd.DataFrame, shap_values: pd.DataFrame, seed: int, n_jobs: int
) -> pd.DataFrame:
    """Score mode: mean |SHAP| as feature_importance, and the kept model's permutation
    importance on this build's model sample (customers of a later month than it trained on)."""
    customers = sort_customers(customers)
    note = labels_note(customers[TARGET])
    if note is not None:  # the month's labels cannot measure it; the SHAP part needs none
        get_logger().warning(f"feature_importance: permutation importance {note}")
        return _importance(shap_values, skipped_permutation(note))
    X, y = feature_frame(customers), encode_target(customers)
    permutation = permutation_table(kept_model, X, y, seed, n_jobs)
    return _importance(shap_values, permutation)


def skipped_permutation(note: str) -> pd.DataFrame:
    """The permutation columns of feature_importance, empty, with the note saying why."""
    return pd.DataFrame(
        {
            "feature": FEATURES,
            "permutation_importance_mean": np.nan,
            "permutation_importance_std": np.nan,
            "permutation_rank": pd.array([pd.NA] * len(FEATURES), dtype="Int32"),
            "note": note,
        }
    )


def _importance(shap_values: pd.DataFrame, permutation: pd.DataFrame) -> pd.DataFrame:
    if "note" not in permutation:
        permutation = permutation.assign(note=None)
    table = mean_abs_shap(shap_values).merge(permutation, on="feature", validate="1:1")
    return table.sort_values("shap_rank").reset_index(drop=True).astype(IMPORTANCE_DTYPES)


def _rank(values: pd.Series, names: pd.Series) -> pd.Series:
    """1 for the largest value; ties broken by name."""
    order = pd.DataFrame({"value": values, "name": names}).sort_values(
        ["value", "name"], ascending=[False, True]
    )
    return pd.Series(np.arange(1, len(order) + 1), index=order.index).reindex(values.index)
