"""Render the report: read the warehouse, draw the figures, fill the jinja2 templates, once per
language (one_click.i18n.REPORT_LANGUAGES).

Per language three files: the marketers' page (report.html in Russian, report.en.html in
English: whom to contact, what to offer, the groups, in a few screens and in plain words), its
technical page (technical.html, technical.en.html: the model, the data and the build) and the
full contact list (contact_list.csv, contact_list.en.csv), which the pages link to. Each page is
one self-contained HTML file: inline CSS, figures as PNG data URIs, no script and no external
resource, so it opens from disk anywhere. Apart from the "generated at" line of the technical
page the files depend only on the warehouse's contents. Every month renders, empty lists too:
the page and the CSV then say that nobody is to be contacted.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from one_click.i18n import REPORT_LANGUAGES, Language, Translator, is_missing
from one_click.labels import actions
from one_click.ml import gate
from one_click.ml.features import FEATURES, TARGET
from one_click.ml.plain_reasons import SEPARATOR
from one_click.project import setting
from one_click.report import plots
from one_click.report.data import ACTION_COLUMNS, ReportData, load, stream

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "report.html.j2"  # the marketers' page
TECHNICAL_TEMPLATE_NAME = "technical.html.j2"  # the technical page
DEPENDENCE_FEATURES = 3
TARGETED = "targeted"  # segment_family of the targeted segment views (the others: matrix cells)
OFFER_REASONS = 2  # the reasons named beside each offer: those it answers most often
ADVICE_SHOWN = 2  # groups whose full recommendation the marketers' page prints (all: technical)
# the columns of the contact list that carry each customer's next best action, when it has them
CONTACT_LIST_COLUMNS = (
    "priority_rank",
    "customer_id",
    "decline_probability",
    "risk_band",
    "profit",
    "profit_at_risk",
    "cumulative_profit_at_risk",
    "favourite_category",
    "reasons",
    "segments",
)

# the sections of each page, in order: anchor -> message of the heading report.section.<anchor>
# (the contents lists come from here)
SECTIONS = ("contacts", "offers", "segments", "worked", "monthly")
TECHNICAL_SECTIONS = ("model", "groups", "drift", "data", "build")


# ---------------------------------------------------------------------------------------------
# formatting, used by the template as the `fmt` filter


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


def fmt(tr: Translator, value, kind: str = "text") -> str:
    """A value as the report prints it in tr's language: numbers by the locale, — for none."""
    if is_missing(value):
        return "—"
    match kind:
        case "int" | "number" | "number2" | "number3" | "auc" | "percent" | "percent0":
            return tr.number(value, kind)
        case "month":
            return tr.month(value)
        case "points":  # a difference of shares in percentage points
            return tr.number(float(value) * 100, "number")
        case "p":
            return tr.t("report.p_below") if float(value) < 0.001 else tr.number(value, "number3")
        case "params":
            return _params(value)
        case "feature":
            return tr.feature(value)
        case "segment":
            return tr.segment(value)
        case "segments":
            return ", ".join(tr.segment(name) for name in str(value).split(", ") if name)
        case "band":
            return tr.band(value)
        case "flag":
            return "✓" if bool(value) else ""
        case "category":
            return tr.value("favourite_category", value)
        case "family":
            return tr.t(f"report.family.{value}")
        case "layer":
            return tr.t(plots.LAYER_NAMES[value])
        case "model":
            return plots.family_name(tr, value)
        case _:
            return str(value)


def environment(tr: Translator) -> Environment:
    """The template environment of one language; every printed value is HTML-escaped."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = partial(fmt, tr)
    return env


def defect_key(defect: str) -> str:
    """The message of a kind of defect (quality.data_defects.defect): 'misspelt value' ->
    report.defect.misspelt_value."""
    return "report.defect." + re.sub(r"[^a-z0-9]+", "_", str(defect).lower()).strip("_")


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


def _top_groups(data: ReportData, tr: Translator) -> dict:
    return {"groups": _groups(data["segment_recommendations"])}


def _groups(recommendations: pd.DataFrame) -> list[dict]:
    """The groups of the first screen, most profit at risk of their at-risk customers first: the
    targeted segments, and a cell of the risk x profit grid when it holds more than any of them.
    A group with nobody at risk is left out."""
    at_risk = recommendations[recommendations["targeted_customers"] > 0]
    targeted = at_risk[at_risk["segment_family"] == TARGETED]
    most = float(targeted["targeted_profit_at_risk"].max()) if len(targeted) else 0.0
    cells = at_risk[
        (at_risk["segment_family"] != TARGETED) & (at_risk["targeted_profit_at_risk"] > most)
    ]
    groups = pd.concat([targeted, cells]).sort_values(
        ["targeted_profit_at_risk", "segment_name"], ascending=[False, True], kind="stable"
    )
    return _records(groups)


def _summary(data: ReportData, tr: Translator) -> dict:
    summary = _records(data["summary"])[0]
    at_stake = float(summary["contact_profit_at_risk"])
    # the assumption stated on the first screen, over the contact list only (an offer needs
    # consent), each customer counted once; its range when the summary states one
    shares = [summary.get(f"lever_success_share_{end}") for end in ("low", "high")]
    return {
        "summary": summary,
        "contact_listed": data.counts["contact_list"],
        "assumed_kept": float(summary["lever_success_share"]) * at_stake,
        "assumed_kept_range": (
            None
            if any(is_missing(share) for share in shares)
            else [float(share) * at_stake for share in shares]
        ),
    }


def quality_gate(summary: dict) -> dict | None:
    """What the quality gate (one_click.ml.gate) decided about this month's model, when the report
    must say it: {"decision", "note"}; None when the model passed or was not judged.

    A new model that failed the gate was replaced by the kept model, and the refresh left its
    note (rpt_summary.quality_gate_note). A model trained in this build was published: the gate
    is judged again on its interval (rpt_summary) to say whether it was published below the bar,
    or with no kept model to fall back to. A month scored by the kept model (`make score`) was
    not judged."""
    note = summary.get("quality_gate_note")
    if not is_missing(note):
        return {"decision": gate.KEEP_KEPT_MODEL, "note": str(note)}
    values = [
        summary.get(key)
        for key in (
            "selected_oof_roc_auc",
            "selected_oof_roc_auc_lower",
            "selected_oof_roc_auc_upper",
            "min_selected_roc_auc",
        )
    ]
    if not summary.get("model_trained_in_this_build") or any(is_missing(v) for v in values):
        return None
    # published: so there was no kept model to fall back to when the whole interval is below
    decision = gate.judge(*(float(v) for v in values), kept_model=False)
    if decision.decision == gate.PUBLISH:
        return None
    return {"decision": decision.decision, "note": decision.message}


def _gate(data: ReportData, tr: Translator) -> dict:
    return {"quality_gate": quality_gate(_records(data["summary"])[0])}


def _quality(data: ReportData, tr: Translator) -> dict:
    """The model's quality in plain words, out of fold (rpt_model_quality)."""
    return {"quality": _records(data["model_quality"])[0]}


def _offers(data: ReportData, tr: Translator) -> dict:
    """What to offer: one line per next best action of the contact list, with how many customers
    and how much profit at risk it answers, when the list carries actions (data.ACTION_COLUMNS;
    read in aggregate, data.action_aggregates); else None."""
    words = f"action_{tr.code}"
    grouped = data.frames.get("contact_list_actions")
    if grouped is None:
        return {"offers": None}
    grouped = grouped.copy()
    reasons = data.frames.get("contact_list_action_reasons")
    reason = f"action_reason_{tr.code}"
    if reasons is not None and reason in reasons.columns:
        # the reasons it answers most often, the most frequent first (then the first on the list)
        counted = (
            reasons.dropna(subset=[reason])
            .groupby(["action_code", reason], as_index=False)
            .agg(customers=("customers", "sum"), first_place=("first_place", "min"))
            .sort_values(["action_code", "customers", "first_place"], ascending=[True, False, True])
        )
        named = counted.groupby("action_code")[reason].agg(
            lambda values: ", ".join(values.astype(str)[:OFFER_REASONS])
        )
        grouped["reasons"] = grouped["action_code"].map(named).fillna("")
    else:
        grouped["reasons"] = ""
    grouped = grouped.sort_values(["profit_at_risk", "action_code"], ascending=[False, True])
    return {
        "offers": [
            {
                "action": row[words],
                "customers": row["customers"],
                "profit_at_risk": row["profit_at_risk"],
                "reasons": row["reasons"],
            }
            for row in _records(grouped)
        ]
    }


def _data(data: ReportData, tr: Translator) -> dict:
    counts = data["layer_counts"]
    defects = [
        {
            **row,
            "defect_text": tr.t(defect_key(row["defect"])),
            "handling_text": tr.t(defect_key(row["defect"]) + ".handling"),
        }
        for row in _records(data["data_defects"])
    ]
    return {
        "data_defects": defects,
        "layer_counts": _records(counts),
        "figures": {"layer_counts": plots.layer_row_counts(counts, tr=tr)},
    }


def _features(data: ReportData, tr: Translator) -> dict:
    features = data["customer_features"]  # every customer, or a sample of them
    summary = data["summary"].iloc[0]
    numeric, categorical = feature_columns(features)
    return {
        "customer_count": int(summary["customers"]),
        "sample_count": len(features),
        "target_share": float(summary["declined_share"]),
        "figures": {
            "numeric_by_target": plots.numeric_by_target(features, numeric, TARGET, tr=tr),
            "category_share": plots.category_declined_share(features, categorical, TARGET, tr=tr),
        },
    }


def _correlations(data: ReportData, tr: Translator) -> dict:
    features = data["customer_features"]
    numeric, _ = feature_columns(features)
    correlations = features[[*numeric, TARGET]].astype(float).corr(method="spearman")
    with_target = correlations[TARGET].drop(TARGET).dropna()
    strongest = with_target.reindex(with_target.abs().sort_values(ascending=False).index).head(3)
    return {
        "strongest_correlations": [{"feature": f, "rho": r} for f, r in strongest.items()],
        "figures": {"correlations": plots.correlation_heatmap(correlations, tr=tr)},
    }


def _model(data: ReportData, tr: Translator) -> dict:
    leaderboard = data["model_leaderboard"]
    selected = str(leaderboard.loc[leaderboard["is_selected"].astype(bool), "model_family"].iloc[0])
    brier = dict(zip(leaderboard["model_family"], leaderboard["oof_brier_score"], strict=True))
    importance = data["feature_importance"]
    shap_order = list(importance.sort_values(["shap_rank", "feature"])["feature"])
    shap_values = data["shap_values"]
    # permutation importance skipped: the month's labels could not measure it
    notes = importance["permutation_note"].dropna()
    return {
        "leaderboard": _records(leaderboard),
        "feature_importance": _records(importance),
        "permutation_note": None if notes.empty else str(notes.iloc[0]),
        "dependence_features": shap_order[:DEPENDENCE_FEATURES],
        "risk_bands": _records(data["risk_bands"]),
        "figures": {
            "roc": plots.roc_curves(data["candidate_predictions"], selected, tr=tr),
            "reliability": plots.reliability_diagram(
                data["model_calibration"], brier, selected, tr=tr
            ),
            "importance": plots.feature_importance(importance, permutation=notes.empty, tr=tr),
            "beeswarm": plots.shap_beeswarm(shap_values, shap_order, tr=tr),
            "dependence": plots.shap_dependence(
                shap_values, shap_order[:DEPENDENCE_FEATURES], tr=tr
            ),
            "probability_bands": plots.probability_by_band(
                data["probability_histogram"], data["risk_bands"], tr=tr
            ),
        },
    }


def _segments(data: ReportData, tr: Translator) -> dict:
    summary = data["segment_summary"]
    # the figures draw the targeted segments; the matrix cells have their own heatmap
    targeted = summary[summary["segment_family"] == TARGETED]
    profiles = data["segment_profiles"]
    horizon = _horizon(data)
    return {
        "segment_sizes": _records(data["segment_sizes"]),
        "segment_summary": _records(summary),
        "segment_recommendations": _records(data["segment_recommendations"]),
        "figures": {
            "risk_profit": plots.risk_profit_heatmap(data["risk_profit_matrix"], horizon, tr=tr),
            "segment_overview": plots.segment_overview(targeted, horizon, tr=tr),
            "segment_profiles": plots.segment_profiles(
                profiles[profiles["segment_family"] == TARGETED],
                list(targeted["segment_name"]),
                tr=tr,
            ),
        },
    }


def _reasons(row: dict, tr: Translator) -> list[str]:
    words = row[f"reasons_{tr.code}"]
    return [] if is_missing(words) else str(words).split(SEPARATOR)


def _targets(data: ReportData, tr: Translator) -> dict:
    return {
        "retention_targets": [
            {**row, "reasons": _reasons(row, tr)} for row in _records(data["retention_targets"])
        ],
        "site_targets": [
            {**row, "reasons": _reasons(row, tr)}
            for row in _records(data["site_personalisation_targets"])
        ],
        "figures": {"retention_curve": plots.retention_curve(data["retention_curve"], tr=tr)},
    }


def _monthly(data: ReportData, tr: Translator) -> dict:
    """The month, the model behind the scores, drift and the movement between the bands."""
    movement = data["band_movement"]
    previous = movement["previous_month"].dropna()
    return {
        "monthly_summary": _records(data["summary"])[0],
        "feature_drift": _records(data["feature_drift"]),
        "band_movement": _records(movement),
        "previous_month": None if previous.empty else str(previous.iloc[0]),
        "high_band_entrants": [
            {**row, "reasons": _reasons(row, tr)} for row in _records(data["high_band_entrants"])
        ],
    }


def action_name(code, tr: Translator) -> str:
    """An action's words without the customer's own category (a campaign's result covers
    customers of every category): «личное предложение в любимой категории»."""
    entry = actions().get(code)
    if entry is None:
        return tr.t("report.worked.other_action")
    return re.sub(r"\s*[«\"]\{category\}[»\"]", "", entry[tr.code])


def _worked(data: ReportData, tr: Translator) -> dict:
    """What worked: this month's control group and what it can detect (rpt_campaign_design), and
    every earlier campaign's latest reads (rpt_campaign_results, over every published month): the
    newest campaign whose final read arrived, for the whole campaign and per action; the earlier
    ones with a final read, one line each; and the first signs (early read) of the campaigns
    whose final read has not arrived yet, newest first."""
    design = data["campaign_design"]
    month = data["summary"]["score_month"].iloc[0]
    this_month = design[design["month"] == month]
    results = data["campaign_results"]
    final = results[results["outcome_read"] == "final"]
    final_months = sorted(final["campaign_month"].unique(), reverse=True)
    rows, earlier = [], []
    if final_months:
        latest = final[
            (final["campaign_month"] == final_months[0])
            & final["group_level"].isin(["all", "action"])
        ]
        for row in _records(latest):
            name = (
                tr.t("report.worked.whole")
                if row["group_level"] == "all"
                else action_name(row["group_name"], tr)
            )
            rows.append({**row, "name": name})
        whole = final[
            final["campaign_month"].isin(final_months[1:]) & (final["group_level"] == "all")
        ]
        earlier = [
            {**row, "name": tr.month(row["campaign_month"])}
            for row in _records(whole.sort_values("campaign_month", ascending=False))
        ]
    early = results[
        (results["outcome_read"] == "early")
        & (results["group_level"] == "all")
        & ~results["campaign_month"].isin(final_months)
    ]
    early = early.sort_values("campaign_month", ascending=False)
    return {
        "campaign_design": _records(this_month)[0] if len(this_month) else None,
        "worked_month": tr.month(final_months[0]) if final_months else None,
        "worked_rows": rows,
        "worked_earlier": earlier,
        "early_reads": _records(early),
    }


def _realized(data: ReportData, tr: Translator) -> dict:
    """How right the earlier scores were (rpt_realized_performance, latest first) and the
    realized calibration of the latest month scored (rpt_realized_calibration)."""
    performance = data["realized_performance"]
    calibration = data["realized_calibration"]
    latest = _records(performance)[0] if len(performance) else None
    return {
        "realized_performance": _records(performance),
        "realized_latest": latest,
        "realized_calibration": (
            []
            if latest is None
            else _records(calibration[calibration["score_month"] == latest["score_month"]])
        ),
    }


# part of the page -> (the frames it shows, the function that prepares them)
PARTS = {
    "summary": (("summary", "contact_list"), _summary),
    "gate": (("summary",), _gate),
    "groups": (("segment_recommendations",), _top_groups),
    "quality": (("model_quality",), _quality),
    "offers": (("contact_list",), _offers),
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
    "targets": (
        ("retention_targets", "site_personalisation_targets", "retention_curve"),
        _targets,
    ),
    "monthly": (("summary", "feature_drift", "band_movement", "high_band_entrants"), _monthly),
    "worked": (("summary", "campaign_design", "campaign_results"), _worked),
    "realized": (("realized_performance", "realized_calibration"), _realized),
}


def context(data: ReportData, tr: Translator, generated_at: str) -> dict:
    """Everything the templates need in tr's language: the tables as records, the figures as
    data URIs, and (in a draft only) the parts not built yet with what they miss."""
    horizon = _horizon(data)
    other = [lg for lg in REPORT_LANGUAGES if lg.code != tr.code]
    summary = data.frames.get("summary")
    values: dict = {
        "tr": tr,
        "language": tr.language,
        "other_language": other[0] if other else None,
        "contact_list_file": tr.language.contact_list,
        "sections": SECTIONS,
        "advice_shown": ADVICE_SHOWN,
        "technical_sections": TECHNICAL_SECTIONS,
        "generated_at": generated_at,
        "warehouse_name": data.warehouse_name,
        "not_built": {},
        "figures": {},
        "horizon": horizon,
        "months": tr.plural("months", horizon) if horizon is not None else "—",
        "month_name": None if summary is None else tr.month(summary["score_month"].iloc[0]),
        # the delivered word of «Разрешить сообщать» that allows offers
        "consent_word": next(
            word for word, allows in setting("shop_vocabulary")["consent"].items() if allows
        ),
    }
    for part, (frames, prepare) in PARTS.items():
        missing = data.missing_for(frames)
        if missing:
            values["not_built"][part] = missing
            continue
        prepared = prepare(data, tr)
        values["figures"].update(prepared.pop("figures", {}))
        values.update(prepared)
    return values


def render_html(
    data: ReportData,
    tr: Translator,
    generated_at: str | None = None,
    template_name: str = TEMPLATE_NAME,
    values: dict | None = None,
) -> str:
    """A page (the marketers' by default, or TECHNICAL_TEMPLATE_NAME) in tr's language as an HTML
    string; `values`, the context() of tr, when the caller has it already."""
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = environment(tr).get_template(template_name)
    return template.render(**(values or context(data, tr, stamp)))


def contact_list(rows: pd.DataFrame, tr: Translator, horizon: int, empty: bool = True):
    """Rows of the contact list (rpt_contact_list) as the marketers' CSV in tr's language:
    headings, risk bands, reasons and segment names translated, numbers as plain decimals. With
    no rows, the one row saying nobody is to be contacted (unless empty=False: no row)."""
    months = tr.plural("months", horizon)
    bands = {band: tr.band(band) for band in rows["risk_band"].dropna().unique()}
    segments = {
        value: fmt(tr, value, "segments") if value else ""
        for value in rows["segments"].fillna("").unique()
    }
    table = pd.DataFrame(
        {
            "priority_rank": rows["priority_rank"],
            "customer_id": rows["customer_id"],
            "decline_probability": rows["decline_probability"],
            "risk_band": rows["risk_band"].map(bands),
            "profit": rows["profit"],
            "profit_at_risk": rows["profit_at_risk"],
            "cumulative_profit_at_risk": rows["cumulative_profit_at_risk"],
            "favourite_category": rows["favourite_category"].map(
                {
                    value: tr.value("favourite_category", value)
                    for value in rows["favourite_category"].dropna().unique()
                }
            ),
            "reasons": rows[f"reasons_{tr.code}"],
            "segments": rows["segments"].fillna("").map(segments),
        },
        columns=list(CONTACT_LIST_COLUMNS),
    )
    columns = list(CONTACT_LIST_COLUMNS)
    if set(ACTION_COLUMNS) <= set(rows.columns):  # the next best action, beside the reasons
        columns.insert(columns.index("reasons") + 1, "action")
        table.insert(columns.index("action"), "action", rows[f"action_{tr.code}"])
    if table.empty and empty:
        # an empty month says so in the file's first cell, under the same headings
        table = pd.DataFrame([{columns[0]: tr.t("report.nobody_to_contact")}], columns=columns)
    return table.rename(
        columns={
            column: tr.t(f"report.csv.{column}", months=months)
            if column == "profit_at_risk"
            else tr.t(f"report.csv.{column}")
            for column in columns
        }
    )


def write_contact_list(data: ReportData, tr: Translator, path: Path) -> None:
    """The whole contact list as a CSV a spreadsheet in tr's locale opens as it is: the locale's
    decimal mark, `;` between fields where the decimal mark is a comma, UTF-8 with a byte order
    mark. Streamed from the warehouse (data.stream), a chunk at a time: the list may hold
    millions of customers."""
    decimal = tr.locale.number_symbols["latn"]["decimal"]
    options = {"index": False, "sep": ";" if decimal == "," else ",", "decimal": decimal}
    horizon = _horizon(data)
    written = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        for rows in stream(data.location, "contact_list"):
            table = contact_list(rows, tr, horizon, empty=False)
            table.to_csv(out, header=written == 0, **options)
            written += len(table)
        if written == 0:  # an empty month: its headings and the row that says so
            table = contact_list(data["contact_list"].iloc[:0], tr, horizon)
            table.to_csv(out, header=True, **options)


def render(
    warehouse_path: str | Path,
    output_dir: str | Path,
    *,
    generated_at: str | None = None,
    strict: bool = True,
) -> list[Path]:
    """Render the reports of the warehouse at `warehouse_path` into `output_dir`: per language
    the marketers' page, its technical page and the contact list (i18n.REPORT_FILES); return
    their paths.

    Raises data.WarehouseError when the warehouse or a relation or column it needs is missing.
    strict=False renders a draft instead: parts whose tables are missing say "not built yet"
    (and no contact list is written without rpt_contact_list).
    """
    data = load(warehouse_path, strict=strict)
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        path
        for language in REPORT_LANGUAGES
        for path in render_language(data, language, directory, stamp)
    ]


def render_language(
    data: ReportData, language: Language, directory: Path, generated_at: str | None = None
) -> list[Path]:
    """The report in one language, its technical page and its contact list beside them; their
    paths."""
    tr = Translator(language)
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    values = context(data, tr, stamp)
    written = []
    for name, template in (
        (language.output, TEMPLATE_NAME),
        (language.technical, TECHNICAL_TEMPLATE_NAME),
    ):
        output = directory / name
        output.write_text(render_html(data, tr, stamp, template, values), encoding="utf-8")
        written.append(output)
    if data.frames.get("contact_list") is not None and "summary" not in data.missing:
        csv = directory / language.contact_list
        write_contact_list(data, tr, csv)
        written.append(csv)
    return written
