"""Render the report: read the warehouse, draw the figures, fill the jinja2 template.

The output is one self-contained HTML file: inline CSS, figures as PNG data URIs, no script and
no external resource, so it opens from disk anywhere. Apart from the "generated at" line the file
depends only on the warehouse's contents.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from one_click.ml.features import FEATURES, TARGET
from one_click.report import plots
from one_click.report.data import ReportData, load

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "report.html.j2"
DEPENDENCE_FEATURES = 3
REASONS = ("top_reason_1", "top_reason_2", "top_reason_3")
TARGETED = "targeted"  # segment_family of the targeted segment views (the others: matrix cells)

# (anchor, heading): the contents list and the section headings both come from here
SECTIONS = (
    ("data", "Data loading and defects"),
    ("features", "Feature distributions by target"),
    ("correlations", "Correlations"),
    ("model", "Churn model"),
    ("segments", "Segments"),
    ("targets", "Retention targets"),
    ("monthly", "Month after month"),
)


# ---------------------------------------------------------------------------------------------
# formatting, used by the template as the `fmt` filter


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _params(value) -> str:
    """Best hyper-parameters stored as JSON text, shown as `name=value, ...`."""
    try:
        params = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    if not isinstance(params, dict):
        return str(value)
    return ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(params.items())
    )


def fmt(value, kind: str = "text") -> str:
    """A value as the report prints it: thousands separators, 3 decimals for AUC, — for none."""
    if _is_missing(value):
        return "—"
    match kind:
        case "int":
            return f"{round(float(value)):,}"
        case "number" | "number2" | "number3" | "auc":
            digits = {"number": 1, "number2": 2}.get(kind, 3)
            text = f"{float(value):,.{digits}f}"
            return text.removeprefix("-") if float(text.replace(",", "")) == 0 else text
        case "percent":
            return f"{float(value):.1%}"
        case "p":
            return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"
        case "bool":
            return "yes" if bool(value) else "no"
        case "params":
            return _params(value)
        case "label":
            return plots.label(value)
        case _:
            return str(value)


def environment() -> Environment:
    """The template environment; every printed value is HTML-escaped (the template is .html.j2)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = fmt
    return env


# ---------------------------------------------------------------------------------------------
# what the template shows


def feature_columns(features: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The model's features (one_click.ml.features.FEATURES), numeric and categorical (text or
    boolean)."""
    numeric, categorical = [], []
    for column in FEATURES:
        dtype = features[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            categorical.append(column)
        else:
            numeric.append(column)
    return numeric, categorical


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def _horizon(data: ReportData):
    """Months of profit at risk (var profit_at_risk_months, via rpt_summary); None in a draft
    without it."""
    summary = data.frames.get("summary")
    return None if summary is None else int(summary["profit_at_risk_months"].iloc[0])


def _summary(data: ReportData) -> dict:
    return {"summary": _records(data["summary"])[0]}


def _data(data: ReportData) -> dict:
    counts = data["layer_counts"]
    return {
        "data_defects": _records(data["data_defects"]),
        "layer_counts": _records(counts),
        "figures": {"layer_counts": plots.layer_row_counts(counts)},
    }


def _features(data: ReportData) -> dict:
    features = data["customer_features"]  # every customer, or a sample of them
    summary = data["summary"].iloc[0]
    numeric, categorical = feature_columns(features)
    return {
        "customer_count": int(summary["customers"]),
        "sample_count": len(features),
        "target_share": float(summary["declined_share"]),
        "figures": {
            "numeric_by_target": plots.numeric_by_target(features, numeric, TARGET),
            "category_share": plots.category_declined_share(features, categorical, TARGET),
        },
    }


def _correlations(data: ReportData) -> dict:
    features = data["customer_features"]
    numeric, _ = feature_columns(features)
    correlations = features[[*numeric, TARGET]].astype(float).corr(method="spearman")
    with_target = correlations[TARGET].drop(TARGET).dropna()
    strongest = with_target.reindex(with_target.abs().sort_values(ascending=False).index).head(3)
    return {
        "strongest_correlations": [{"feature": f, "rho": r} for f, r in strongest.items()],
        "figures": {"correlations": plots.correlation_heatmap(correlations)},
    }


def _model(data: ReportData) -> dict:
    leaderboard = data["model_leaderboard"]
    selected = str(leaderboard.loc[leaderboard["is_selected"].astype(bool), "model_family"].iloc[0])
    brier = dict(zip(leaderboard["model_family"], leaderboard["oof_brier_score"], strict=True))
    importance = data["feature_importance"]
    shap_order = list(importance.sort_values(["shap_rank", "feature"])["feature"])
    shap_values = data["shap_values"]
    return {
        "leaderboard": _records(leaderboard),
        "feature_importance": _records(importance),
        "dependence_features": shap_order[:DEPENDENCE_FEATURES],
        "risk_bands": _records(data["risk_bands"]),
        "figures": {
            "roc": plots.roc_curves(data["candidate_predictions"], selected),
            "reliability": plots.reliability_diagram(data["model_calibration"], brier, selected),
            "importance": plots.feature_importance(importance),
            "beeswarm": plots.shap_beeswarm(shap_values, shap_order),
            "dependence": plots.shap_dependence(shap_values, shap_order[:DEPENDENCE_FEATURES]),
            "probability_bands": plots.probability_by_band(
                data["probability_histogram"], data["risk_bands"]
            ),
        },
    }


def _segments(data: ReportData) -> dict:
    summary = data["segment_summary"]
    # the figures draw the targeted segments; the matrix cells have their own heatmap
    targeted = summary[summary["segment_family"] == TARGETED]
    profiles = data["segment_profiles"]
    return {
        "segment_sizes": _records(data["segment_sizes"]),
        "segment_summary": _records(summary),
        "segment_recommendations": _records(data["segment_recommendations"]),
        "figures": {
            "risk_profit": plots.risk_profit_heatmap(data["risk_profit_matrix"], _horizon(data)),
            "segment_overview": plots.segment_overview(targeted, _horizon(data)),
            "segment_profiles": plots.segment_profiles(
                profiles[profiles["segment_family"] == TARGETED], list(targeted["segment_name"])
            ),
        },
    }


def _targets(data: ReportData) -> dict:
    curve = data["retention_curve"]
    return {
        "retention_targets": [
            {**row, "reasons": [row[r] for r in REASONS if not _is_missing(row[r])]}
            for row in _records(data["retention_targets"])
        ],
        "retention_target_count": int(curve["priority_rank"].max()),
        "retention_profit_at_risk": float(curve["cumulative_profit_at_risk"].iloc[-1]),
        "figures": {"retention_curve": plots.retention_curve(curve)},
    }


def _monthly(data: ReportData) -> dict:
    """The month, the model behind the scores, drift and the movement between the bands."""
    movement = data["band_movement"]
    previous = movement["previous_month"].dropna()
    return {
        "feature_drift": _records(data["feature_drift"]),
        "band_movement": _records(movement),
        "previous_month": None if previous.empty else str(previous.iloc[0]),
        "high_band_entrants": [
            {**row, "reasons": [row[r] for r in REASONS if not _is_missing(row[r])]}
            for row in _records(data["high_band_entrants"])
        ],
    }


# part of the page -> (the frames it shows, the function that prepares them)
PARTS = {
    "summary": (("summary",), _summary),
    "data": (("data_defects", "layer_counts"), _data),
    "features": (("customer_features", "summary"), _features),
    "correlations": (("customer_features",), _correlations),
    "model": (
        (
            "model_leaderboard",
            "candidate_predictions",
            "model_calibration",
            "feature_importance",
            "shap_values",
            "probability_histogram",
            "risk_bands",
        ),
        _model,
    ),
    "segments": (
        (
            "segment_sizes",
            "risk_profit_matrix",
            "segment_summary",
            "segment_profiles",
            "segment_recommendations",
        ),
        _segments,
    ),
    "targets": (("retention_targets", "retention_curve"), _targets),
    "monthly": (("summary", "feature_drift", "band_movement", "high_band_entrants"), _monthly),
}


def context(data: ReportData, generated_at: str) -> dict:
    """Everything the template needs: the tables as records, the figures as data URIs, and
    (in a draft only) the parts not built yet with what they miss."""
    values: dict = {
        "sections": SECTIONS,
        "generated_at": generated_at,
        "warehouse_name": data.warehouse_name,
        "not_built": {},
        "figures": {},
        "horizon": fmt(_horizon(data), "int"),
    }
    for part, (frames, prepare) in PARTS.items():
        missing = data.missing_for(frames)
        if missing:
            values["not_built"][part] = missing
            continue
        prepared = prepare(data)
        values["figures"].update(prepared.pop("figures", {}))
        values.update(prepared)
    return values


def render_html(data: ReportData, generated_at: str | None = None) -> str:
    """The report as an HTML string."""
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return environment().get_template(TEMPLATE_NAME).render(**context(data, stamp))


def render(
    warehouse_path: str | Path,
    output_path: str | Path,
    *,
    generated_at: str | None = None,
    strict: bool = True,
) -> Path:
    """Render the report of the warehouse at `warehouse_path` to `output_path`; return the path.

    Raises data.WarehouseError when the warehouse or a relation or column it needs is missing.
    strict=False renders a draft instead: parts whose tables are missing say "not built yet".
    """
    html = render_html(load(warehouse_path, strict=strict), generated_at)
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    return output
