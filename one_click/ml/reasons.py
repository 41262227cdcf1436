"""Why the customers at the top of the two lists are at risk: their three top reasons.

marketing.customer_reasons explains the customers a campaign reaches first: the first var
reasons_top_n of the contact list (marketing.contact_list: at-risk customers who allow offers, by
marketing.customer_risk.profit_at_risk descending, then customer_id) and the first reasons_top_n
of the site list (marketing.site_list: at-risk customers without consent). A reason is one thing
about the customer that pushes their decline probability up, in plain words and with its
direction when the value lies outside the band of typical customers (one_click.ml.plain_reasons:
features that measure one thing count as one reason; `site_time_low`, «мало времени на сайте»).

Each customer is explained by the model that scored them, against a background of that model's
training customers, so that base value + the sum of the SHAP values is the probability
customer_scores shows (checked, or the build fails):
- a customer of the SHAP sample keeps the values of ml.customer_shap_values (explained_by
  'customer_shap_values');
- any other customer of the model sample (score_kind 'out_of_fold') by the outer-fold model that
  scored them, refit from the parameters candidate_search recorded ('outer_fold_model');
- a customer outside the model sample (score_kind 'held_out'), and in score mode every
  customer the kept model never saw (score_kind 'kept_model'), by the kept model, with the model
  sample as its background ('kept_model');
- in score mode, a customer the kept model trained on (score_kind 'fold_model') by the kept
  outer-fold model that did not, with the model sample as its background ('outer_fold_model').
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from one_click.log import get_logger
from one_click.ml.explain import (
    BACKGROUND_CLUSTERS,
    CategoryCodes,
    background_medoids,
    check_additivity,
    explain,
    explain_from,
    shap_long,
)
from one_click.ml.features import (
    ID_COLUMN,
    encode_target,
    feature_frame,
    sort_customers,
)
from one_click.ml.persist import ServedModels
from one_click.ml.plain_reasons import (
    CONTEXT_COLUMNS,
    REASON_COLUMNS,
    TEXT_COLUMNS,
    direction_features,
    plain_reasons,
)
from one_click.ml.scoring import FOLD_MODEL, HELD_OUT, KEPT_MODEL, OUT_OF_FOLD
from one_click.ml.selection import OUTER_FOLD, evaluation_folds, refit_fold

FROM_SHAP_TABLE = "customer_shap_values"
FROM_OUTER_FOLD_MODEL = "outer_fold_model"
FROM_KEPT_MODEL = "kept_model"
REASONS_DTYPES = {ID_COLUMN: "int32"} | dict.fromkeys(
    [*REASON_COLUMNS, *TEXT_COLUMNS, *CONTEXT_COLUMNS], "string"
)
# the band of typical customers of a direction feature: between these quantiles of all customers
TYPICAL_QUANTILES = (0.25, 0.75)
REASONS_DTYPES["explained_by"] = "string"


def typical_bands(customers) -> dict[str, tuple[float, float]]:
    """The lower and upper quartile (TYPICAL_QUANTILES) of every direction feature over all the
    customers of a DuckDB relation, computed in DuckDB: the band of typical values inside which
    a reason names no direction."""
    features = direction_features()
    low, high = TYPICAL_QUANTILES
    aggregates = ", ".join(
        f"quantile_cont({f}, {low}) as {f}__low, quantile_cont({f}, {high}) as {f}__high"
        for f in features
    )
    row = customers.aggregate(aggregates).fetchone()
    if row is None or any(value is None for value in row):
        raise ValueError("no customers to compute the band of typical values from")
    return {f: (float(row[2 * i]), float(row[2 * i + 1])) for i, f in enumerate(features)}


def retention_top(risk, scores, n: int, at_risk_bands: list[str]):
    """The customers whose reasons are explained, with their score_kind (a DuckDB relation): the
    first n of the contact list (marketing.contact_list: at-risk customers who allow offers, by
    profit at risk) and the first n of the site list (marketing.site_list: at-risk customers
    without consent, same order); at risk: a band of at_risk_bands.

    risk: marketing.customer_risk, scores: ml.customer_scores (DuckDB relations); ordered and
    cut in DuckDB, so only those customers reach Python.
    """
    if int(n) < 0:
        raise ValueError(f"reasons_top_n must be 0 or more, got {n}")
    if not at_risk_bands:
        raise ValueError("at_risk_bands is empty: no band counts as at risk")
    bands = ", ".join("'" + str(band).replace("'", "''") + "'" for band in at_risk_bands)
    kinds = scores.select(f"{ID_COLUMN}, score_kind")
    ranked = risk.join(kinds, ID_COLUMN)
    order = f"profit_at_risk desc, {ID_COLUMN} asc"
    at_risk = ranked.filter(f"risk_band in ({bands})")
    contact = at_risk.filter("allow_offers").order(order).limit(int(n))
    without_consent = at_risk.filter("not allow_offers").order(order).limit(int(n))
    return contact.union(without_consent).order(order)


def customer_reasons(
    targets: pd.DataFrame,
    shap_values: pd.DataFrame,
    sample: pd.DataFrame,
    search: pd.DataFrame,
    family: str,
    load_kept_model: Callable[[], Any],
    seed: int,
    n_jobs: int,
    bands: dict[str, tuple[float, float]],
    clusters: int = BACKGROUND_CLUSTERS,
) -> pd.DataFrame:
    """One row per customer of `targets`: top_reason_1..3 (codes), reasons_ru and reasons_en (the
    words), the context (context_reasons, context_ru, context_en) and explained_by.

    targets: customer_id, the features, decline_probability and score_kind (retention_top);
    shap_values: rows of customer_shap_values (those of targets are reused); sample: the model
    sample's rows of customer_features (the outer-fold and kept models trained on them);
    search: candidate_search; family: the selected family; load_kept_model: returns the model of
    churn_model (in score mode a persist.ServedModels, with the kept outer-fold models), called
    only if a customer to explain was scored by it (none on the embedded default, whose model
    sample is every customer: loading imports skops, seconds of dbt's GIL);
    bands: the band of typical values of every direction feature (typical_bands).
    The explanations run in n_jobs worker processes: one task per outer fold, the customers of
    the kept model in 2 x n_jobs parts.
    """
    logger = get_logger()
    targets = sort_customers(targets)
    if targets.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in REASONS_DTYPES.items()})
    unknown = set(targets["score_kind"]) - {OUT_OF_FOLD, HELD_OUT, KEPT_MODEL, FOLD_MODEL}
    if unknown:
        raise ValueError(f"unknown score_kind {sorted(unknown)}")
    reused = shap_values[shap_values[ID_COLUMN].isin(targets[ID_COLUMN])]
    frames = [reused.assign(explained_by=FROM_SHAP_TABLE)]
    missing = targets[~targets[ID_COLUMN].isin(reused[ID_COLUMN])]
    out_of_fold = missing[missing["score_kind"] == OUT_OF_FOLD]
    held_out = missing[missing["score_kind"].isin([HELD_OUT, KEPT_MODEL, FOLD_MODEL])]
    kept_model = load_kept_model() if len(held_out) else None
    served = kept_model if isinstance(kept_model, ServedModels) else ServedModels(kept_model)
    keys = served.keys(held_out[ID_COLUMN])
    if ((keys != 0) != (held_out["score_kind"] == FOLD_MODEL).to_numpy()).any():
        raise ValueError("the customers scored by a fold model are not those the fold models name")
    logger.info(
        f"reasons of {len(targets)} customers: {reused[ID_COLUMN].nunique()} from"
        f" customer_shap_values, {len(out_of_fold)} by their outer-fold model, {len(held_out)}"
        " by the kept model"
    )

    sample = sort_customers(sample)
    X = feature_frame(sample)
    codes = CategoryCodes(X)
    tasks = []
    if len(out_of_fold):
        y = encode_target(sample)  # only the outer-fold refits read the labels
        sample_ids = sample[ID_COLUMN].to_numpy()
        wanted = np.isin(sample_ids, out_of_fold[ID_COLUMN].to_numpy())
        if wanted.sum() != len(out_of_fold):
            raise ValueError("customers scored out of fold are missing from the model sample")
        for _, train, test, rows in evaluation_folds(sample, search, family, OUTER_FOLD, seed):
            shown = test[wanted[test]]
            if len(shown):
                task = delayed(_explain_by_outer_fold_model)
                fold = (family, rows, sample, X, y, train, test, shown)
                tasks.append(task(*fold, codes, seed, clusters))
    for key in np.unique(keys):
        # one background summary per model; its customers in parts, one task each
        model, group = served.model(key), held_out[keys == key]
        with threadpool_limits(limits=1):
            starts, weights = background_medoids(model, X, clusters, seed)
        source = FROM_OUTER_FOLD_MODEL if key else FROM_KEPT_MODEL
        for part in np.array_split(np.arange(len(group)), 2 * max(1, n_jobs)):
            if len(part):
                customers = group.iloc[part]
                task = _explain_by_kept_model
                tasks.append(delayed(task)(model, starts, weights, customers, codes, seed, source))
    frames += list(Parallel(n_jobs=n_jobs)(tasks))

    explained = pd.concat(frames, ignore_index=True)
    if set(explained[ID_COLUMN]) != set(targets[ID_COLUMN]):
        raise ValueError("the explanations do not cover exactly the customers to explain")
    check_additivity(explained, targets.set_index(ID_COLUMN)["decline_probability"])
    source = explained.groupby(ID_COLUMN)["explained_by"].first()
    reasons = plain_reasons(explained, bands)
    reasons["explained_by"] = reasons[ID_COLUMN].map(source).to_numpy()
    return reasons[list(REASONS_DTYPES)].astype(REASONS_DTYPES)


def _explain_by_outer_fold_model(
    family, rows, sample, X, y, train, test, shown, codes, seed, clusters
):
    """Refit an outer fold's model (checked against its recorded scores) and explain the sample's
    customers at positions `shown` (runs in a worker)."""
    model = refit_fold(family, rows, X, y, train, test, seed)
    values, base = explain(model, X.iloc[train], X.iloc[shown], codes, seed, clusters)
    long = shap_long(sample.iloc[shown], values, base, codes)
    return long.assign(explained_by=FROM_OUTER_FOLD_MODEL)


def _explain_by_kept_model(model, starts, weights, customers, codes, seed, source=FROM_KEPT_MODEL):
    """Explain customers with the kept model, or in score mode with a kept outer-fold model
    (runs in a worker)."""
    values, base = explain_from(model, starts, weights, feature_frame(customers), codes, seed)
    return shap_long(customers, values, base, codes).assign(explained_by=source)
