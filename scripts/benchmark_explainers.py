"""shap's own explainers against the package's batched permutation estimator: time and agreement.

    .venv/bin/python scripts/benchmark_explainers.py [WAREHOUSE_FILE] [--customers 300]

Reads customers.customer_features and ml.model_sample from the warehouse file (default
warehouse/candidate/one_click.duckdb) and the kept model beside it (model/churn_model.skops, the
selected family tuned and fitted on the model sample). Explains a stratified sample of
--customers customers, every method on the same game: interventional SHAP values of the model's
decline probability against the k-means summary of the model's training customers that
one_click.ml.explain uses (BACKGROUND_CLUSTERS representative customers), here weighted equally,
because shap's maskers cannot weight their rows; categories are one player each
(explain.CategoryCodes).

Methods, each timed on the same customers:
- the package's estimator (explain.permutation_shap): antithetic chains from every background
  customer, all customers at once in a few large model calls; 1 pair of chains per background
  customer (as the build), then 2 and 4;
- shap.PermutationExplainer with an Independent masker of the same 12 customers: max_evals 41
  (the minimum, 2 x 20 features + 1: one antithetic permutation, the build's budget of model
  rows per customer), then shap's default 500; the first call's numba compilation is timed
  apart;
- shap.TreeExplainer where the model has trees (the extra-trees part of soft_voting, a
  decision tree): exact interventional values of that part's probability, on the one-hot
  columns, summed per category. It explains the part, not the calibrated ensemble, so it is
  compared with the package's estimator on the same part;
- shap.LinearExplainer where the model is linear (logistic_regression: the log-odds margin).

Everything runs on one thread (threadpool_limits), as the build's explanations do.

Agreement is measured against a long-run reference of the same game (the package's estimator
with 64 pairs of chains per background customer: 128 x BACKGROUND_CLUSTERS chains), itself
checked against a long run of shap.PermutationExplainer: the share of customers whose top reason
(the largest positive SHAP value) is the reference's, the mean share of the top three in common,
and the Pearson correlation and RMSE of all the values.

The tables are also written to docs/benchmarks/explainers.md (or --results FILE) with the date,
the machine and the command (scripts/bench_results.py).
"""

import argparse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
from bench_results import Results
from threadpoolctl import threadpool_limits

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from one_click.layout import MODEL_DIR  # noqa: E402
from one_click.ml.candidates import fitted_pipeline  # noqa: E402
from one_click.ml.explain import (  # noqa: E402
    BACKGROUND_CLUSTERS,
    CategoryCodes,
    background_medoids,
    permutation_shap,
)
from one_click.ml.features import (  # noqa: E402
    CATEGORICAL_FEATURES,
    FEATURES,
    ID_COLUMN,
    feature_frame,
    sort_customers,
)
from one_click.ml.persist import ARTIFACT_NAME, load_metadata, load_model  # noqa: E402
from one_click.ml.sampling import stratified_sample  # noqa: E402
from one_click.project import setting  # noqa: E402

RANDOM_SEED = int(setting("random_seed"))  # the project's one seed, as dbt passes it
REFERENCE_PAIRS = 64
SHAP_REFERENCE_EVALS = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "warehouse",
        nargs="?",
        default=str(PROJECT_DIR / "warehouse" / "candidate" / "one_click.duckdb"),
        help="DuckDB file holding customers.customer_features and ml.model_sample",
    )
    parser.add_argument("--customers", type=int, default=300, help="customers explained")
    parser.add_argument(
        "--results", type=Path, help="the markdown file written (default: docs/benchmarks/)"
    )
    args = parser.parse_args()
    results = Results("explainers", "SHAP: the package's estimator against shap's", args.results)

    import shap  # noqa: PLC0415  (imported here: its import alone takes seconds)

    with duckdb.connect(args.warehouse, read_only=True) as connection:
        everyone = connection.sql("select * from customers.customer_features").df()
        sampled = connection.sql("select customer_id from ml.model_sample").df()
    artifact = Path(args.warehouse).parent / MODEL_DIR / ARTIFACT_NAME
    model, family = load_model(artifact), load_metadata(artifact)["model_family"]
    training = sort_customers(everyone[everyone[ID_COLUMN].isin(sampled[ID_COLUMN])])
    chosen = stratified_sample(everyone, args.customers, RANDOM_SEED)[ID_COLUMN]
    explained = sort_customers(everyone[everyone[ID_COLUMN].isin(chosen)])
    X_train, X = feature_frame(training), feature_frame(explained)
    codes = CategoryCodes(X_train)
    starts, _ = background_medoids(model, X_train, BACKGROUND_CLUSTERS, RANDOM_SEED)
    background, coded = codes.encode(starts), codes.encode(X)
    setting = (
        f"{family} kept model ({artifact}), trained on {len(training)} customers;"
        f" {len(explained)} customers explained against {len(background)} background customers"
        f" (equal weights); shap {shap.__version__}"
    )
    print(setting + "\n")
    results.text(
        setting + ". Every method on one thread; agreement with the reference: the share of"
        " customers with the same top reason, the mean share of the top three in common, the"
        " correlation and RMSE of all values.",
    )

    def probability(rows: np.ndarray) -> np.ndarray:
        return model.predict_proba(codes.decode(rows))[:, 1]

    rows = {}
    reference, seconds = timed(
        lambda: permutation_shap(
            probability, coded, background, pairs=REFERENCE_PAIRS, seed=RANDOM_SEED
        )[0]
    )
    line = f"reference: the package's estimator, {REFERENCE_PAIRS} pairs ({seconds:.0f} s)"
    print(line, flush=True)
    results.text("## The kept model (its calibrated decline probability)")
    results.text(line[0].upper() + line[1:] + ".")
    for pairs in (1, 2, 4):
        values, seconds = timed(
            lambda pairs=pairs: permutation_shap(
                probability, coded, background, pairs=pairs, seed=RANDOM_SEED + 1
            )[0]
        )
        label = f"package estimator, {pairs} pair{'s' * (pairs > 1)} ({2 * pairs * 12} chains)"
        rows[label + (" = the build" if pairs == 1 else "")] = (values, seconds)

    masker = shap.maskers.Independent(background, max_samples=len(background))
    _, compile_seconds = timed(
        lambda: shap.PermutationExplainer(probability, masker, seed=RANDOM_SEED)(
            coded[:1], max_evals=2 * len(FEATURES) + 1, silent=True
        )
    )
    for evals in (2 * len(FEATURES) + 1, 500, SHAP_REFERENCE_EVALS):
        values, seconds = timed(
            lambda evals=evals: (
                shap.PermutationExplainer(probability, masker, seed=RANDOM_SEED + 1)(
                    coded, max_evals=evals, silent=True
                ).values
            )
        )
        rows[f"shap.PermutationExplainer, max_evals {evals}"] = (values, seconds)
    line = f"shap.PermutationExplainer's first call, numba compilation: {compile_seconds:.1f} s"
    print(f"  ({line})")
    report(rows, reference, results)
    results.text(f"({line}, not in the table.)")
    results.write()

    for part, explainer_name in parts(model, family, shap):
        print(f"\n{part}")
        results.text(f"## {part[0].upper()}{part[1:]}")
        output = part_output(model, family, codes)
        part_reference, seconds = timed(
            lambda output=output: permutation_shap(
                output, coded, background, pairs=REFERENCE_PAIRS, seed=RANDOM_SEED
            )[0]
        )
        line = f"reference: the package's estimator on it, {REFERENCE_PAIRS} pairs"
        line += f" ({seconds:.0f} s)"
        print(line)
        results.text(line[0].upper() + line[1:] + ".")
        part_rows = {}
        values, seconds = timed(
            lambda output=output: permutation_shap(output, coded, background, seed=RANDOM_SEED + 1)[
                0
            ]
        )
        part_rows[f"package estimator, 1 pair ({2 * len(background)} chains)"] = (values, seconds)
        values, seconds = timed(
            lambda name=explainer_name: exact_part_values(
                shap, name, model, family, background, coded, codes
            )
        )
        part_rows[f"shap.{explainer_name} (exact on one-hot columns, summed)"] = (values, seconds)
        report(part_rows, part_reference, results)
    results.write(done=True)


def timed(run):
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def report(rows: dict, reference: np.ndarray, results: Results) -> None:
    print(f"\n  {'method':62s} {'seconds':>8s}  same top reason  top-3 shared  correlation    RMSE")
    table = []
    for name, (values, seconds) in rows.items():
        same, shared = reason_agreement(values, reference)
        correlation = np.corrcoef(values.ravel(), reference.ravel())[0, 1]
        rmse = float(np.sqrt(np.mean((values - reference) ** 2)))
        print(
            f"  {name:62s} {seconds:8.2f}  {same:15.1%}  {shared:12.1%}  {correlation:11.4f}"
            f"  {rmse:.5f}"
        )
        table.append(
            [name, f"{seconds:.2f}", f"{same:.1%}", f"{shared:.1%}", f"{correlation:.4f}"]
            + [f"{rmse:.5f}"]
        )
    header = ["method", "seconds", "same top reason", "top 3 shared", "correlation", "RMSE"]
    results.table(header, table)


def reason_agreement(values: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Share with the same top reason, mean share of the top three in common (reasons: the
    features with the largest positive values, as explain.top_reasons)."""

    def top(row):
        order = [i for i in np.argsort(-row, kind="stable") if row[i] > 0]
        return order[:3]

    firsts, shared = [], []
    for mine, theirs in zip(values, reference, strict=True):
        a, b = top(mine), top(theirs)
        firsts.append((a[:1] or [None]) == (b[:1] or [None]))
        shared.append(len(set(a) & set(b)) / 3)
    return float(np.mean(firsts)), float(np.mean(shared))


# ---------------------------------------------------------------------------------------------
# parts of a model that shap's model-specific explainers understand


def parts(model, family: str, shap):
    """(part name, shap explainer name, explain(starts, explained, codes) -> values) for each
    part of the model an exact shap explainer applies to."""
    if family == "soft_voting":
        yield "the extra-trees part of soft_voting (its probability)", "TreeExplainer"
    elif family == "decision_tree":
        yield "the decision tree (its probability, uncalibrated)", "TreeExplainer"
    elif family == "logistic_regression":
        yield "the logistic regression (its log-odds, uncalibrated)", "LinearExplainer"
    else:
        print(f"\nno part of {family} has an exact shap explainer (no trees, not linear)")


def _estimator(model, family: str):
    pipeline = fitted_pipeline(model)
    estimator = pipeline.named_steps["model"]
    if family == "soft_voting":
        estimator = estimator.named_estimators_["extra_trees"]
    return pipeline.named_steps["preprocess"], estimator


def part_output(model, family: str, codes: CategoryCodes):
    """The part's output as a function of coded customers (what the package's estimator reads)."""
    preprocess, estimator = _estimator(model, family)

    def output(rows: np.ndarray) -> np.ndarray:
        transformed = preprocess.transform(codes.decode(rows))
        if family == "logistic_regression":
            return estimator.decision_function(transformed)
        return estimator.predict_proba(transformed)[:, 1]

    return output


def exact_part_values(shap, explainer_name, model, family, background, coded, codes):
    """shap's exact explainer of the part, on the one-hot columns, summed per feature."""
    preprocess, estimator = _estimator(model, family)
    data = preprocess.transform(codes.decode(background))
    transformed = preprocess.transform(codes.decode(coded))
    if explainer_name == "TreeExplainer":
        explainer = shap.TreeExplainer(estimator, data=data, feature_perturbation="interventional")
        values = np.asarray(explainer.shap_values(transformed, check_additivity=False))
        values = values[..., 1] if values.ndim == 3 else values
    else:
        values = np.asarray(shap.LinearExplainer(estimator, data).shap_values(transformed))
    return _grouped(preprocess, values)


def _grouped(preprocess, values: np.ndarray) -> np.ndarray:
    """Values of the transformed columns summed into the features (a category's one-hot columns
    into the category)."""
    grouped = np.zeros((values.shape[0], len(FEATURES)))
    for column, name in enumerate(preprocess.get_feature_names_out()):
        transformer, feature = name.split("__", 1)
        if transformer == "category":
            feature = next(c for c in CATEGORICAL_FEATURES if feature.startswith(c + "_"))
        grouped[:, FEATURES.index(feature)] += values[:, column]
    return grouped


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main()
