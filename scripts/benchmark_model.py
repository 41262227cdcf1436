"""Benchmark the churn model the way `dbt build` runs it, phase by phase.

    .venv/bin/python scripts/benchmark_model.py [WAREHOUSE_FILE]

Reads customers.customer_features from the warehouse file (default
warehouse/candidate/one_click.duckdb) and calls the same one_click.ml functions as the dbt
Python models. Prints the nested-CV and held-out ROC-AUC of every candidate, the selected
family's out-of-fold ROC-AUC, Brier score and calibration error with and without the sigmoid
calibration, the stability of the SHAP top reasons, and the wall time of each phase.
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

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from one_click.ml import RANDOM_SEED  # noqa: E402
from one_click.ml.explain import (  # noqa: E402
    BACKGROUND_CLUSTERS,
    feature_importance,
    selected_shap_values,
    top_reasons,
)
from one_click.ml.metrics import brier_score, expected_calibration_error  # noqa: E402
from one_click.ml.persist import load_model, save_model  # noqa: E402
from one_click.ml.selection import (  # noqa: E402
    candidate_predictions,
    leaderboard,
    run_candidate_search,
    selected_family,
)
from one_click.ml.training import train_final_model  # noqa: E402

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
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )

    with (
        phase("load customer_features"),
        duckdb.connect(args.warehouse, read_only=True) as connection,
    ):
        customers = connection.sql("select * from customers.customer_features").df()
    print(f"{len(customers)} customers from {args.warehouse}; seed {RANDOM_SEED}\n")

    with phase("candidate search (nested CV + 75/25 split, all families)"):
        search = run_candidate_search(customers, n_jobs=args.jobs)
    with phase("leaderboard"):
        board = leaderboard(search)
        predictions = candidate_predictions(search)
    family = selected_family(board)

    print("candidate               nested CV ROC-AUC      held-out  OOF pooled  OOF Brier  fit s")
    for row in board.itertuples():
        mark = "*" if row.is_selected else " "
        print(
            f"{mark} {row.model_family:21s} {row.cv_roc_auc_mean:.4f} ± {row.cv_roc_auc_std:.4f}"
            f"    {row.holdout_roc_auc:.4f}    {row.oof_roc_auc:.4f}     "
            f"{row.oof_brier_score:.4f}  {row.fit_seconds:5.1f}"
        )
    chosen = board[board["is_selected"]].iloc[0]
    print(
        f"\nselected: {family} (best mean outer-fold ROC-AUC)\n"
        f"  out-of-fold ROC-AUC over all {len(customers)} customers: {chosen.oof_roc_auc:.4f}\n"
        f"  out-of-fold Brier score: {chosen.oof_brier_score:.4f}"
        f"  (a constant at the base rate scores "
        f"{brier_score(customers['activity_declined'], np.full(len(customers), customers['activity_declined'].mean())):.4f})\n"  # noqa: E501
        f"  out-of-fold calibration error (ECE, 10 bins): {chosen.oof_calibration_error:.4f}\n"
        f"  held-out ROC-AUC (75/25, random_state=42): {chosen.holdout_roc_auc:.4f}"
    )

    with phase(f"calibration check ({family} nested CV without calibration)"):
        raw = run_candidate_search(customers, [family], n_jobs=args.jobs, calibrate=False)
        raw = raw[raw["evaluation"] == "outer_fold"]
    print(
        f"  without the sigmoid calibration: Brier "
        f"{brier_score(raw['activity_declined'], raw['probability']):.4f}, ECE "
        f"{expected_calibration_error(raw['activity_declined'], raw['probability']):.4f}"
    )

    chains = 2 * BACKGROUND_CLUSTERS
    with phase(f"SHAP ({family}, {chains} chains per customer, 5 outer-fold models)"):
        shap_values = selected_shap_values(customers, search, family, n_jobs=args.jobs)
    with phase("SHAP again with another seed (stability of the top reasons)"):
        other = selected_shap_values(
            customers, search, family, n_jobs=args.jobs, explain_seed=RANDOM_SEED + 1
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
    print(
        f"\nSHAP top reasons, two seeds: same top_reason_1 for {same_top:.0%} of customers,"
        f" {overlap:.0%} of the top-3 shared"
    )

    with phase("feature importance (permutation on the 25 %, mean |SHAP|)"):
        importance = feature_importance(customers, search, family, shap_values, n_jobs=args.jobs)
    print("\nfeature                          mean |SHAP|  rank   permutation ± std   rank")
    for row in importance.itertuples():
        print(
            f"  {row.feature:31s} {row.mean_abs_shap:.4f}  {row.shap_rank:4d}"
            f"   {row.permutation_importance_mean:+.4f} ± {row.permutation_importance_std:.4f}"
            f"  {row.permutation_rank:4d}"
        )

    with phase(f"kept model ({family} tuned on all customers, fitted, skops round trip)"):
        model, final_search = train_final_model(customers, family, n_jobs=args.jobs)
        with tempfile.TemporaryDirectory() as directory:
            artifact, _ = save_model(model, Path(directory), {"benchmark": True})
            reloaded = load_model(artifact)
    print(f"\nkept model: {family}, search ROC-AUC {final_search.best_score_:.4f} (optimistic)")
    print(f"  parameters: {final_search.best_params_}")
    print(f"  reloaded from skops with the trusted list: {type(reloaded).__name__}")

    print("\nwall time per phase")
    for name, seconds in PHASES:
        print(f"  {seconds:6.1f} s  {name}")
    print(f"  {sum(s for _, s in PHASES):6.1f} s  total")
    print(f"\n(out-of-fold probabilities of {predictions['model_family'].nunique()} families)")


if __name__ == "__main__":
    main()
