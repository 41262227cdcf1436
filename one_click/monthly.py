"""Month after month: the month a refresh publishes, the score history kept beside the warehouse,
and what the refresh says about drift.

Every release (one_click.publish) holds, besides the warehouse, model, report and docs:

    release.json                              the month, the mode (train or score), the model
    history/month=YYYY-MM/scores.parquet      the month's scores, one file per published month
    history/month=YYYY-MM/assignment.parquet  the month's campaign: contacted or control
    history/month=YYYY-MM/campaign_results.parquet  the earlier campaigns' effect read from the
                                              month's delivery (empty before any outcome)

A refresh of month M builds its release's history from the published one: every other month's
files are hard-linked (the same bytes, never rewritten), and M's files are written from the new
warehouse's history.monthly_scores, marketing.campaign_assignment and marketing.campaign_results.
The history therefore switches with the rest of the set in the one atomic flip: a failed or
killed refresh publishes nothing and changes no month; re-publishing M replaces M only; a
rollback puts back the previous set's history, which lacks the rolled-back month's files (or
holds their earlier version) and shares every other file.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from one_click.layout import (
    ASSIGNMENT_FILE,
    CAMPAIGN_RESULTS_FILE,
    HISTORY_DIR,
    PARTITION,
    RELEASE_FILE,
    SCORES_FILE,
)
from one_click.project import setting

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
MONTHLY_SCORES = "history.monthly_scores"
CAMPAIGN_ASSIGNMENT = "marketing.campaign_assignment"
CAMPAIGN_RESULTS = "marketing.campaign_results"


class MonthFile(NamedTuple):
    """A file of a month's history: the build's relation it is written from, the column holding
    the month (left out of the file: the folder name carries it) and the order of its rows."""

    relation: str
    month_column: str
    order: str
    # whether the relation may be empty (no contact list, no earlier campaign's outcome yet)
    may_be_empty: bool


MONTH_FILES = {
    SCORES_FILE: MonthFile(MONTHLY_SCORES, "month", "customer_id", may_be_empty=False),
    ASSIGNMENT_FILE: MonthFile(CAMPAIGN_ASSIGNMENT, "month", "customer_id", may_be_empty=True),
    CAMPAIGN_RESULTS_FILE: MonthFile(
        CAMPAIGN_RESULTS,
        "outcome_month",
        "campaign_month, outcome_read, group_level, group_name",
        may_be_empty=True,
    ),
}
REALIZED_TABLE = "ml.realized_performance"
DRIFT_TABLE = "ml.feature_drift"
MODEL_TABLE = "ml.churn_model"
TRAIN, SCORE = "train", "score"


class MonthRefused(ValueError):
    """The month given is malformed, or older than the last published month."""


def parse_month(text: str) -> str:
    """The month as YYYY-MM; raises MonthRefused naming the problem."""
    match = MONTH_PATTERN.fullmatch(str(text).strip())
    if not match:
        raise MonthRefused(f"month {text!r} is not of the form YYYY-MM (e.g. 2026-11)")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1900:
        raise MonthRefused(f"month {text!r}: no such month (YYYY-MM, month 01 to 12)")
    return f"{year:04d}-{month:02d}"


def default_month(project: Path) -> str:
    """The month of the embedded delivery: var delivery_month."""
    return parse_month(setting("delivery_month", project))


def release_info(release: Path | None) -> dict:
    """What a release's release.json says ({} for none, or a release published before it)."""
    if release is None or not (release / RELEASE_FILE).is_file():
        return {}
    return json.loads((release / RELEASE_FILE).read_text(encoding="utf-8"))


def check_month(month: str, release: Path | None, force: bool) -> str | None:
    """Refuse a month older than the published one (unless force); the published month."""
    published = release_info(release).get("month")
    if published and month < published and not force:
        raise MonthRefused(
            f"month {month} is older than the last published month {published} "
            f"({release / RELEASE_FILE}): deliveries go forward month by month. Give --force "
            "(make build ... FORCE=1) to publish an older month anyway"
        )
    return published


def history_months(release: Path | None, name: str = SCORES_FILE) -> list[str]:
    """The months of a release's history holding the file `name` (default: the scores), oldest
    first."""
    history = None if release is None else release / HISTORY_DIR
    if history is None or not history.is_dir():
        return []
    return sorted(
        entry.name.removeprefix(PARTITION)
        for entry in history.iterdir()
        if entry.name.startswith(PARTITION) and (entry / name).is_file()
    )


def write_history(build: Path, database: Path, release: Path | None, month: str) -> list[str]:
    """The build's history/: every month of the published release's history but `month`,
    hard-linked with its files (a month published before the campaign assignment or results
    were kept has the files it had), and `month` written from the build's relations
    (MONTH_FILES). Returns the months it holds."""
    target = build / HISTORY_DIR
    target.mkdir()
    for other in history_months(release):
        if other != month:
            (target / f"{PARTITION}{other}").mkdir()
            for name in MONTH_FILES:
                source = release / HISTORY_DIR / f"{PARTITION}{other}" / name
                if source.is_file():
                    os.link(source, target / f"{PARTITION}{other}" / name)
    folder = target / f"{PARTITION}{month}"
    folder.mkdir()
    with duckdb.connect(str(database), read_only=True) as con:
        for name, (relation, column, order, may_be_empty) in MONTH_FILES.items():
            found = con.sql(f"select distinct {column} from {relation}").fetchall()
            months = {row[0] for row in found}
            # an empty contact list makes an empty assignment: its file is still written
            if months - {month} or (not may_be_empty and months != {month}):
                raise ValueError(
                    f"{relation} holds months {sorted(months)} ({column}), not {month}"
                )
            path = str(folder / name).replace("'", "''")
            con.execute(
                f"copy (select * exclude ({column}) from {relation} order by {order}) "
                f"to '{path}' (format parquet)"
            )
    return history_months(build)


def model_and_drift(database: Path) -> tuple[dict, list[dict]]:
    """The built warehouse's kept model (ml.churn_model) and its drifted features."""
    with duckdb.connect(str(database), read_only=True) as con:
        model = con.sql(
            f"select version, training_month, trained_in_this_build from {MODEL_TABLE}"
        ).fetchone()
        drifted = con.sql(
            f"select feature, psi, psi_threshold from {DRIFT_TABLE} where drifted "
            "order by psi desc, feature"
        ).fetchall()
    keys = ("version", "training_month", "trained_in_this_build")
    return dict(zip(keys, model, strict=True)), [
        {"feature": f, "psi": round(float(p), 4), "threshold": float(t)} for f, p, t in drifted
    ]


def drift_warning(model: dict, drifted: list[dict], score_only: bool) -> str | None:
    """The refresh's warning when any feature drifted (None when none did)."""
    if not drifted:
        return None
    named = ", ".join(f"{d['feature']} (PSI {d['psi']:.2f})" for d in drifted)
    text = (
        f"WARNING: feature drift: {len(drifted)} feature(s) moved beyond the PSI threshold "
        f"{drifted[0]['threshold']} (var drift_psi_threshold) from the model's training "
        f"customers (month {model['training_month']}): {named}. See ml.feature_drift."
    )
    if score_only:
        text += (
            f" Retraining is recommended: the kept model {model['version']} was trained on "
            f"{model['training_month']} and these customers no longer look like its training "
            "customers (run a full refresh: make build DELIVERY=... MONTH=...)."
        )
    return text


def realized_performance(database: Path) -> list[dict]:
    """The built warehouse's realized accuracy (ml.realized_performance): one dict per earlier
    score month whose outcome this delivery holds (none before the outcome arrives)."""
    with duckdb.connect(str(database), read_only=True) as con:
        found = con.sql(
            "select score_month, outcome_month, matched_customers, roc_auc, min_roc_auc, "
            f"high_band_declined_share, below_quality_bar from {REALIZED_TABLE} "
            "order by score_month"
        )
        keys = [column[0] for column in found.description]
        return [dict(zip(keys, row, strict=True)) for row in found.fetchall()]


def realized_warning(realized: list[dict]) -> str:
    """What the refresh says of the realized accuracy: a warning recommending retraining when
    an earlier month's realized ROC-AUC fell below the quality bar."""
    if not realized:
        return (
            "realized accuracy: no earlier month's outcome in this delivery yet "
            f"({REALIZED_TABLE} is empty)"
        )
    lines = []
    for row in realized:
        auc = "n/a (one class)" if row["roc_auc"] is None else f"{row['roc_auc']:.3f}"
        text = (
            f"realized accuracy of the scores of {row['score_month']} "
            f"({row['matched_customers']} customers with their outcome in {row['outcome_month']}):"
            f" ROC-AUC {auc}, quality bar {row['min_roc_auc']} (var min_selected_roc_auc)"
        )
        if row["below_quality_bar"]:
            text = (
                f"WARNING: {text}. The scores fell below the quality bar once their outcome "
                "arrived: retraining is recommended (run a full refresh: make build "
                f"DELIVERY=... MONTH=...). See {REALIZED_TABLE}."
            )
        lines.append(text)
    return "\n".join(lines)


def selected_quality(database: Path) -> dict:
    """The selected family's out-of-fold ROC-AUC and its interval (ml.model_leaderboard), which
    the quality gate judges (one_click.ml.gate)."""
    with duckdb.connect(str(database), read_only=True) as con:
        found = con.execute(
            "select model_family, oof_roc_auc, oof_roc_auc_lower, oof_roc_auc_upper, "
            "sample_customers, all_customers from ml.model_leaderboard where is_selected"
        )
        keys = [column[0] for column in found.description]
        [row] = found.fetchall()
    return dict(zip(keys, row, strict=True))


def write_release_info(build: Path, info: dict) -> None:
    info = {**info, "published_at": datetime.now(UTC).isoformat(timespec="seconds")}
    (build / RELEASE_FILE).write_text(
        json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
