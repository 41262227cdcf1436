"""Benchmark the churn model the way `dbt build` runs it, phase by phase.

    .venv/bin/python scripts/benchmark_model.py [WAREHOUSE_FILE]
    .venv/bin/python scripts/benchmark_model.py WAREHOUSE_FILE --sample-sizes 1000,2000,4000

Reads customers.customer_features from the warehouse file (default
warehouse/candidate/one_click.duckdb) and calls the same one_click.ml functions as the dbt
Python models. Prints the nested-CV and held-out ROC-AUC of every candidate, the selected
family's out-of-fold ROC-AUC, Brier score and calibration error with and without the sigmoid
calibration, the stability of the SHAP top reasons, and the wall time of each phase; all on the
model sample (var model_sample_size), as the build runs it.

--sample-sizes: how the model sample's size trades ROC-AUC for time (what chose the default of
var model_sample_size). A stratified evaluation set of --evaluation-customers is set aside
first; for each size, a stratified sample of the rest goes through the nested search, the
selection (var scoring_budget_seconds) and the kept model, which then scores the evaluation
set, customers no model saw. Prints, per size, the selected family, its nested-CV ROC-AUC, the
kept model's ROC-AUC on the evaluation set and the wall time of the search and of the kept model.
Run it on a synthetic delivery of many customers (python -m one_click.synth).

The tables are also written to docs/benchmarks/model.md (with --sample-sizes:
docs/benchmarks/model-sample-sizes.md), or --results FILE, with the date, the machine and the
command (scripts/bench_results.py).
"""

import argparse
import logging
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
from bench_results import RESULTS_DIR, Results
from sklearn.metrics import roc_auc_score

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from one_click.ml.explain import (  # noqa: E402
    BACKGROUND_CLUSTERS,
    feature_importance,
    selected_shap_values,
    top_reasons,
)
from one_click.ml.features import ID_COLUMN, encode_target, feature_frame  # noqa: E402
from one_click.ml.metrics import brier_score, expected_calibration_error  # noqa: E402
from one_click.ml.persist import load_model, save_model  # noqa: E402
from one_click.ml.sampling import stratified_sample  # noqa: E402
from one_click.ml.selection import (  # noqa: E402
    candidate_predictions,
    decline_probability,
    leaderboard,
    run_candidate_search,
    selected_family,
)
from one_click.ml.training import train_final_model  # noqa: E402
from one_click.project import setting  # noqa: E402

RANDOM_SEED = int(setting("random_seed"))  # the project's one seed, as dbt passes it

PHASES: list[tuple[str, float]] = []


@contextmanager
def phase(name: str):
    started = time.perf_counter()
    yield
    PHASES.append((name, time.perf_counter() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "warehouse",
        nargs="?",
        default=str(PROJECT_DIR / "warehouse" / "candidate" / "one_click.duckdb"),
        help="DuckDB file holding customers.customer_features",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--verbose", action="store_true", help="print the search's progress")
    parser.add_argument(
        "--sample-sizes",
        help="comma-separated model sample sizes to compare (default: the one run of the build)",
    )
    parser.add_argument(
        "--evaluation-customers",
        type=int,
        default=20_000,
        help="customers set aside to score with each size's kept model (default 20000)",
    )
    parser.add_argument(
        "--results", type=Path, help="the markdown file written (default: docs/benchmarks/)"
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )

    with (
        phase("load customer_features"),
        duckdb.connect(args.warehouse, read_only=True) as connection,
    ):
        everyone = connection.sql("select * from customers.customer_features").df()
    budget = float(setting("scoring_budget_seconds"))
    if args.sample_sizes:
        compare_sample_sizes(everyone, args, budget)
        return
    results = Results("model", "The churn model, phase by phase", args.results)
    sample_size = int(setting("model_sample_size"))
    sampled = stratified_sample(everyone, sample_size, RANDOM_SEED)
    customers = everyone[everyone[ID_COLUMN].isin(sampled[ID_COLUMN])]
    line = (
        f"{len(everyone)} customers from {args.warehouse}, model sample {len(customers)}"
        f" (var model_sample_size {sample_size}); seed {RANDOM_SEED}; {args.jobs} workers"
    )
    print(line + "\n")
    results.text(line + ".")

    with phase("candidate search (nested CV + 75/25 split, all families)"):
        search = run_candidate_search(customers, seed=RANDOM_SEED, n_jobs=args.jobs)
    with phase("leaderboard"):
        board = leaderboard(search, len(everyone), budget)
        predictions = candidate_predictions(search)
    family = selected_family(board)

    print(
        "candidate               nested CV ROC-AUC      held-out  OOF pooled  OOF Brier  fit s"
        "  score s/1000  projected s"
    )
    candidates = []
    for row in board.itertuples():
        mark = "*" if row.is_selected else " "
        print(
            f"{mark} {row.model_family:21s} {row.cv_roc_auc_mean:.4f} ± {row.cv_roc_auc_std:.4f}"
            f"    {row.holdout_roc_auc:.4f}    {row.oof_roc_auc:.4f}     "
            f"{row.oof_brier_score:.4f}  {row.fit_seconds:5.1f}"
            f"  {row.scoring_seconds_per_1000:12.4f}  {row.projected_scoring_seconds:11.1f}"
            f"{'' if row.fits_scoring_budget else '  over budget'}"
        )
        candidates.append(
            [
                f"**{row.model_family} (selected)**" if row.is_selected else row.model_family,
                f"{row.cv_roc_auc_mean:.3f} ± {row.cv_roc_auc_std:.3f}",
                f"{row.holdout_roc_auc:.3f}",
                f"{row.oof_roc_auc:.3f}",
                f"{row.oof_brier_score:.3f}",
                f"{row.fit_seconds:.1f}",
                f"{row.scoring_seconds_per_1000:.4f}",
                f"{row.projected_scoring_seconds:.1f}"
                + ("" if row.fits_scoring_budget else " (over budget)"),
            ]
        )
    results.text("## The candidates")
    results.table(
        [
            "candidate",
            "nested CV ROC-AUC",
            "held-out (75/25, random_state 42)",
            "out-of-fold ROC-AUC",
            "Brier",
            "fit s",
            "scoring s/1000",
            "projected scoring s",
        ],
        candidates,
    )
    chosen = board[board["is_selected"]].iloc[0]
    constant = brier_score(
        customers["activity_declined"],
        np.full(len(customers), customers["activity_declined"].mean()),
    )
    selected = [
        f"selected: {family} (best mean outer-fold ROC-AUC within the scoring budget of"
        f" {budget:g} s)",
        f"out-of-fold ROC-AUC over the {len(customers)} customers: {chosen.oof_roc_auc:.4f}",
        f"out-of-fold Brier score: {chosen.oof_brier_score:.4f}"
        f" (a constant at the base rate scores {constant:.4f})",
        f"out-of-fold calibration error (ECE, 10 bins): {chosen.oof_calibration_error:.4f}",
        f"held-out ROC-AUC (75/25, random_state=42): {chosen.holdout_roc_auc:.4f}",
    ]
    print("\n" + selected[0] + "".join(f"\n  {line}" for line in selected[1:]))

    with phase(f"calibration check ({family} nested CV without calibration)"):
        raw = run_candidate_search(
            customers, [family], seed=RANDOM_SEED, n_jobs=args.jobs, calibrate=False
        )
        raw = raw[raw["evaluation"] == "outer_fold"]
    line = (
        f"without the sigmoid calibration: Brier "
        f"{brier_score(raw['activity_declined'], raw['probability']):.4f}, ECE "
        f"{expected_calibration_error(raw['activity_declined'], raw['probability']):.4f}"
    )
    print(f"  {line}")
    results.text("## The selected model", *(f"- {line}" for line in [*selected, line]))
    results.write()

    chains = 2 * BACKGROUND_CLUSTERS
    with phase(f"SHAP ({family}, {chains} chains per customer, 5 outer-fold models)"):
        shap_values = selected_shap_values(
            customers, search, family, seed=RANDOM_SEED, n_jobs=args.jobs
        )
    with phase("SHAP again with another seed (stability of the top reasons)"):
        other = selected_shap_values(
            customers,
            search,
            family,
            seed=RANDOM_SEED,
            n_jobs=args.jobs,
            explain_seed=RANDOM_SEED + 1,
        )
    first, second = top_reasons(shap_values), top_reasons(other)
    same_top = (first["top_reason_1"].fillna("") == second["top_reason_1"].fillna("")).mean()
    reasons = ["top_reason_1", "top_reason_2", "top_reason_3"]
    overlap = np.mean(
        [
            len(set(a) & set(b)) / 3
            for a, b in zip(
                first[reasons].fillna("-").to_numpy(),
                second[reasons].fillna("-").to_numpy(),
                strict=True,
            )
        ]
    )
    line = (
        f"SHAP top reasons, two seeds: same top_reason_1 for {same_top:.0%} of customers,"
        f" {overlap:.0%} of the top-3 shared"
    )
    print(f"\n{line}")
    results.text("## Explanations", line + ".")

    with phase("feature importance (permutation on the 25 %, mean |SHAP|)"):
        importance = feature_importance(
            customers, search, family, shap_values, seed=RANDOM_SEED, n_jobs=args.jobs
        )
    print("\nfeature                          mean |SHAP|  rank   permutation ± std   rank")
    importance_rows = []
    for row in importance.itertuples():
        print(
            f"  {row.feature:31s} {row.mean_abs_shap:.4f}  {row.shap_rank:4d}"
            f"   {row.permutation_importance_mean:+.4f} ± {row.permutation_importance_std:.4f}"
            f"  {row.permutation_rank:4d}"
        )
        importance_rows.append(
            [
                row.feature,
                f"{row.mean_abs_shap:.4f}",
                str(row.shap_rank),
                f"{row.permutation_importance_mean:+.4f} ± {row.permutation_importance_std:.4f}",
                str(row.permutation_rank),
            ]
        )
    results.table(
        ["feature", "mean abs SHAP", "rank", "permutation importance ± std", "rank"],
        importance_rows,
    )
    results.write()

    with phase(f"kept model ({family} tuned on the sample, fitted, skops round trip)"):
        model, final_search = train_final_model(customers, family, RANDOM_SEED, n_jobs=args.jobs)
        with tempfile.TemporaryDirectory() as directory:
            artifact, _ = save_model(model, Path(directory), {"benchmark": True})
            reloaded = load_model(artifact)
    kept = [
        f"kept model: {family} on the {len(customers)} customers of the sample, search ROC-AUC"
        f" {final_search.best_score_:.4f} (optimistic)",
        f"parameters: {final_search.best_params_}",
        f"reloaded from skops with the trusted list: {type(reloaded).__name__}",
    ]
    print("\n" + kept[0] + "".join(f"\n  {line}" for line in kept[1:]))
    results.text("## The kept model", *(f"- {line}" for line in kept))

    print("\nwall time per phase")
    for name, seconds in PHASES:
        print(f"  {seconds:6.1f} s  {name}")
    total = sum(s for _, s in PHASES)
    print(f"  {total:6.1f} s  total")
    print(f"\n(out-of-fold probabilities of {predictions['model_family'].nunique()} families)")
    results.text("## Wall time per phase")
    results.table(
        ["phase", "seconds"],
        [[name, f"{seconds:.1f}"] for name, seconds in PHASES] + [["total", f"{total:.1f}"]],
    )
    results.write(done=True)


def compare_sample_sizes(everyone, args, budget: float) -> None:
    """ROC-AUC and wall time of the model selection and the kept model for each sample size."""
    sizes = [int(size) for size in args.sample_sizes.split(",")]
    results = Results(
        "model-sample-sizes",
        "The model sample's size: ROC-AUC against time",
        args.results or RESULTS_DIR / "model-sample-sizes.md",
    )
    evaluation = stratified_sample(everyone, args.evaluation_customers, seed=RANDOM_SEED + 1)
    held = everyone[ID_COLUMN].isin(evaluation[ID_COLUMN])
    pool, scored = everyone[~held], everyone[held]
    X_scored, y_scored = feature_frame(scored), encode_target(scored)
    line = (
        f"{len(everyone)} customers from {args.warehouse}; {len(scored)} set aside to score,"
        f" samples from the other {len(pool)}; {args.jobs} workers; seed {RANDOM_SEED}"
    )
    print(line + "\n")
    rows = []
    print(
        "sample  selected             nested CV ROC-AUC  kept model ROC-AUC (set aside)"
        "  search s  kept model s  scoring s/1000"
    )
    for size in sizes:
        sampled = stratified_sample(pool, size, RANDOM_SEED)
        customers = pool[pool[ID_COLUMN].isin(sampled[ID_COLUMN])]
        started = time.perf_counter()
        search = run_candidate_search(customers, seed=RANDOM_SEED, n_jobs=args.jobs)
        searched = time.perf_counter() - started
        board = leaderboard(search, len(everyone), budget)
        family = selected_family(board)
        chosen = board[board["is_selected"]].iloc[0]
        started = time.perf_counter()
        model, _ = train_final_model(customers, family, RANDOM_SEED, n_jobs=args.jobs)
        trained = time.perf_counter() - started
        started = time.perf_counter()
        probability = decline_probability(model, X_scored)
        per_1000 = (time.perf_counter() - started) / len(scored) * 1000
        auc = roc_auc_score(y_scored, probability)
        print(
            f"{len(customers):6d}  {family:20s} {chosen.cv_roc_auc_mean:.4f} ± "
            f"{chosen.cv_roc_auc_std:.4f}    {auc:.4f}                        "
            f"{searched:8.1f}  {trained:12.1f}  {per_1000:14.4f}",
            flush=True,
        )
        others = ", ".join(
            f"{row.model_family} {row.cv_roc_auc_mean:.4f} ({row.projected_scoring_seconds:.0f} s)"
            for row in board.itertuples()
            if not row.is_selected
        )
        print(f"        others (nested CV ROC-AUC, projected scoring s): {others}", flush=True)
        rows.append(
            [
                f"{len(customers):,}",
                family,
                f"{chosen.cv_roc_auc_mean:.3f} ± {chosen.cv_roc_auc_std:.3f}",
                f"{auc:.3f}",
                f"{searched:.0f}",
                f"{trained:.1f}",
                f"{per_1000:.4f}",
                others,
            ]
        )
        results.clear()
        results.text(line + ".")
        results.table(
            [
                "sample",
                "selected",
                "nested CV ROC-AUC",
                f"kept model on the {len(scored):,} set aside",
                "search s",
                "kept model s",
                "scoring s/1000",
                "the others: nested CV ROC-AUC (projected scoring s)",
            ],
            rows,
        )
        results.write(done=size == sizes[-1])


if __name__ == "__main__":
    main()
