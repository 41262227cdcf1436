"""A recommendation per segment, in Russian and in English, from its own customers.

Each segment's advice comes from three things, all aggregates or samples (never the whole
customer frame):
- its mix of next best actions (marketing.segment_action_mix: the share of its at-risk customers
  per action, marketing.customer_actions): the headline is its most common action, and the
  recommendation names the next ones with their shares;
- its category where it has one: the favourite category of most of its at-risk customers;
- what sets it apart from the rest (marketing.segment_profiles): the levers (features the store
  acts on) on which it differs significantly in the direction the model links to decline,
  weighted by the model's mean |SHAP|.

No two groups of the first screen share a headline: in the first screen's order (the most profit
at risk first), each group takes its most common action whose words no group before it took (its
next one otherwise). An action that names a category names the group's main category, or each
customer's favourite one when no category holds most of the group (a risk x profit cell). The
first screen ranks the targeted segments by the profit at risk of their at-risk customers, and
adds a risk x profit cell when it holds more than any targeted segment.

The profit kept comes from marketing.segment_profit_kept, the one place that says whether it is
measured (an earlier campaign's informative result against its control group) or assumed (var
lever_success_share and its range): a share of the profit at risk of the at-risk customers an
offer can reach (those who allow offers), low, central and high. The advice says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from one_click.i18n import REPORT_LANGUAGES, Translator
from one_click.labels import action_words, band_label
from one_click.marketing.profiles import profile_frame

TEMPLATE_DIR = Path(__file__).parent / "templates"
MAX_LEVERS = 2
# actions named in a recommendation besides its headline
MAX_OTHER_ACTIONS = 2
KEPT_BASES = ("measured", "assumed")
# the columns of marketing.segment_profit_kept the recommendations read
KEPT_COLUMNS = (
    "segment_family",
    "segment_name",
    "profit_kept_basis",
    "measured_campaign_month",
    "success_share_low",
    "success_share",
    "success_share_high",
    "expected_profit_kept_low",
    "expected_profit_kept",
    "expected_profit_kept_high",
)


@dataclass(frozen=True)
class Lever:
    feature: str  # profile feature (segment_profiles.feature)
    model_feature: str  # feature name in ml.feature_importance


# the levers the store acts on: contacts, promotions, unpaid cart items, service errors, pages
# and categories per visit (the service tier and consent are context, not levers)
LEVERS = [
    Lever("marketing_contacts_6m_avg", "marketing_contacts_6m_avg"),
    Lever("promo_purchase_share", "promo_purchase_share"),
    Lever("unpaid_items_quarter", "unpaid_items_quarter"),
    Lever("service_errors", "service_errors"),
    Lever("pages_per_visit", "pages_per_visit"),
    Lever("categories_per_visit", "categories_per_visit"),
]

RECOMMENDATION_COLUMNS = {
    "segment_family": "string",
    "segment_name": "string",
    "customers": "int64",
    "profit_at_risk": "float64",
    "lever_1": "string",
    "lever_2": "string",
    "main_action": "string",
    "main_action_share": "float64",
    "main_category": "string",
    "targeted_customers": "int64",
    "targeted_with_consent": "int64",
    "targeted_profit_at_risk": "float64",
    "reachable_profit_at_risk": "float64",
    "expected_profit_kept_low": "float64",
    "expected_profit_kept": "float64",
    "expected_profit_kept_high": "float64",
    "profit_kept_basis": "string",
    "measured_campaign_month": "string",
    "on_first_screen": "bool",
    "first_screen_rank": "Int64",
} | {
    f"{what}_{language.code}": "string"
    for what in ("headline", "recommendation")
    for language in REPORT_LANGUAGES
}


def check_kept(kept: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """marketing.segment_profit_kept indexed by family and name: one row per segment of
    `summary`, its basis measured or assumed."""
    absent = [c for c in KEPT_COLUMNS if c not in kept.columns]
    if absent:
        raise ValueError(f"segment_profit_kept lacks column(s) {', '.join(absent)}")
    keys = ["segment_family", "segment_name"]
    indexed = kept.set_index(keys)
    if not indexed.index.is_unique:
        raise ValueError("segment_profit_kept: more than one row for a segment")
    missing = [
        f"{f}/{n}" for f, n in summary[keys].itertuples(index=False) if (f, n) not in indexed.index
    ]
    if missing:
        raise ValueError(f"segment_profit_kept has no row for segment(s) {', '.join(missing)}")
    bases = set(indexed["profit_kept_basis"].dropna()) - set(KEPT_BASES)
    if bases or indexed["profit_kept_basis"].isna().any():
        raise ValueError(f"segment_profit_kept.profit_kept_basis: one of {KEPT_BASES}, got {bases}")
    return indexed


def effect_directions(customers: pd.DataFrame, features: list[str]) -> dict[str, float]:
    """+1 where a higher value goes with a higher predicted decline probability, -1 where lower.

    Spearman correlation of each feature with the model's probability over the customers given
    (a fixed random sample of them at scale): the direction in which the model says the feature
    drives decline.
    """
    directions = {}
    for feature in features:
        rho = (
            customers[feature]
            .astype(float)
            .corr(customers["decline_probability"].astype(float), method="spearman")
        )
        directions[feature] = float(np.sign(rho)) if np.isfinite(rho) else 0.0
    return directions


def score_levers(
    profiles: pd.DataFrame, importance: pd.DataFrame, directions: dict[str, float]
) -> pd.DataFrame:
    """Score every (segment, lever): standardized difference in the risky direction x importance.

    Only significant differences in the direction that raises the risk score above zero.
    """
    weights = importance.set_index("feature")["mean_abs_shap"].astype(float)
    weights = weights / weights.sum() if weights.sum() > 0 else weights
    lever_frame = pd.DataFrame(
        [(lv.feature, lv.model_feature) for lv in LEVERS], columns=["feature", "model_feature"]
    )
    scored = profiles.merge(lever_frame, on="feature", how="inner")
    scored["direction"] = scored["feature"].map(directions).fillna(0.0)
    scored["importance"] = scored["model_feature"].map(weights).fillna(0.0)
    risky = (scored["standardized_difference"] * scored["direction"]).clip(lower=0)
    significant = scored["is_significant"].fillna(False).astype(bool)
    scored["lever_score"] = np.where(significant, risky * scored["importance"], 0.0)
    return scored.sort_values(
        ["segment_family", "segment_name", "lever_score"], ascending=[True, True, False]
    )


def capitalize_first(text: str) -> str:
    """The text with its first letter upper-case (the rest untouched, unlike str.capitalize)."""
    return text[:1].upper() + text[1:]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain text, stored in a table; the HTML report escapes it
    )
    env.filters["capitalize_first"] = capitalize_first
    return env


def _one_line(text: str) -> str:
    return " ".join(text.split())


def segment_totals(mix: pd.DataFrame) -> pd.DataFrame:
    """Per segment, from its action mix: at-risk customers, those who allow offers, their profit
    at risk and that of those who allow offers (the customers an offer can reach)."""
    keys = ["segment_family", "segment_name"]
    return mix.groupby(keys).agg(
        targeted_customers=("customers", "sum"),
        targeted_with_consent=("with_consent", "sum"),
        targeted_profit_at_risk=("profit_at_risk", "sum"),
        reachable_profit_at_risk=("consent_profit_at_risk", "sum"),
    )


def action_ranking(mix: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    """Per segment and action: customers, share of the segment's at-risk customers, profit at
    risk and the category the action names (favourite_category): the segment's main category
    (most of its at-risk customers favour it, main_categories), else none, and an action that
    names a category then speaks of each customer's favourite one (labels.action_words). Most
    customers first, then most profit at risk, then the action's code."""
    keys = ["segment_family", "segment_name", "action_code"]
    per_action = mix.groupby(keys, as_index=False).agg(
        customers=("customers", "sum"), profit_at_risk=("profit_at_risk", "sum")
    )
    per_action["share"] = per_action["customers"] / per_action.groupby(keys[:2])[
        "customers"
    ].transform("sum")
    main = categories["favourite_category"].astype(object)
    per_action = per_action.join(main, on=keys[:2])
    per_action["favourite_category"] = per_action["favourite_category"].where(
        per_action["favourite_category"].notna(), None
    )
    return per_action.sort_values(
        [*keys[:2], "customers", "profit_at_risk", "action_code"],
        ascending=[True, True, False, False, True],
    )


def main_categories(mix: pd.DataFrame) -> pd.DataFrame:
    """Per segment, the favourite category of more than half of its at-risk customers and its
    share (none when no category holds a majority)."""
    keys = ["segment_family", "segment_name"]
    per = mix.groupby([*keys, "favourite_category"], as_index=False)["customers"].sum()
    per["share"] = per["customers"] / per.groupby(keys)["customers"].transform("sum")
    top = per.sort_values(
        [*keys, "share", "favourite_category"], ascending=[True, True, False, True]
    )
    top = top.drop_duplicates(keys)
    return top[top["share"] > 0.5].set_index(keys)[["favourite_category", "share"]]


def first_screen(totals: pd.DataFrame, summary: pd.DataFrame) -> pd.Series:
    """The rank of every group the first screen shows (keyed by family and name): the targeted
    segments, and a risk x profit cell whose at-risk customers hold more profit at risk than any
    targeted segment's, by that profit at risk, largest first (ties by name)."""
    keys = ["segment_family", "segment_name"]
    groups = summary[keys].join(totals, on=keys)
    groups["targeted_profit_at_risk"] = groups["targeted_profit_at_risk"].fillna(0.0)
    targeted = groups["segment_family"] == "targeted"
    largest = groups.loc[targeted, "targeted_profit_at_risk"].max() if targeted.any() else 0.0
    shown = groups[targeted | (groups["targeted_profit_at_risk"] > largest)]
    shown = shown.sort_values(["targeted_profit_at_risk", "segment_name"], ascending=[False, True])
    return pd.Series(range(1, len(shown) + 1), index=pd.MultiIndex.from_frame(shown[keys]))


def main_actions(ranking: pd.DataFrame, order: list[tuple[str, str]]) -> dict:
    """The headline action of every segment: for the groups of `order` (the first screen, in
    the order they choose) each its most common action whose words (with the category they
    name) no group before it took, its most common one if all are taken; for the others, their
    most common action. An offer in a favourite category is another offer in another category."""
    taken: set[str] = set()
    chosen = {}
    by_segment = {key: rows for key, rows in ranking.groupby(["segment_family", "segment_name"])}
    for key in order:
        rows = by_segment.get(key)
        if rows is None:
            continue
        words = [
            action_words(code, "en", category)
            for code, category in zip(rows["action_code"], rows["favourite_category"], strict=True)
        ]
        free = [i for i, text in enumerate(words) if text not in taken]
        position = free[0] if free else 0
        taken.add(words[position])
        chosen[key] = rows.iloc[position]
    for key, rows in by_segment.items():
        chosen.setdefault(key, rows.iloc[0])
    return chosen


def recommend(
    summary: pd.DataFrame,
    mix: pd.DataFrame,
    profiles: pd.DataFrame,
    importance: pd.DataFrame,
    sample: pd.DataFrame,
    horizon: int,
    at_risk_bands: list[str],
    kept: pd.DataFrame,
) -> pd.DataFrame:
    """One recommendation per segment of `summary` (segment_family, segment_name, customers,
    profit_at_risk), in every language.

    mix: marketing.segment_action_mix; profiles: marketing.segment_profiles; importance:
    ml.feature_importance; sample: a fixed random sample of marketing.customer_risk (the
    directions the model links to decline); horizon: var profit_at_risk_months; at_risk_bands:
    var at_risk_bands; kept: marketing.segment_profit_kept (the profit each segment's offer is
    expected to keep, measured or assumed).
    """
    kept = check_kept(kept, summary)
    numbers = profile_frame(sample)
    directions = effect_directions(numbers, [lv.feature for lv in LEVERS])
    scored = score_levers(profiles, importance, directions)
    totals = segment_totals(mix)
    categories = main_categories(mix)
    ranking = action_ranking(mix, categories)
    ranks = first_screen(totals, summary)
    # the groups of the first screen choose in its order: the most profit at risk first
    chosen = main_actions(ranking, sorted(ranks.index, key=lambda key: ranks[key]))
    template = _environment().get_template("recommendation.txt.j2")
    translators = [Translator(language) for language in REPORT_LANGUAGES]
    bands = {tr.code: [band_label(b, tr.code) for b in at_risk_bands] for tr in translators}

    rows = []
    for segment in summary.itertuples(index=False):
        key = (segment.segment_family, segment.segment_name)
        levers = scored[
            (scored["segment_family"] == key[0])
            & (scored["segment_name"] == key[1])
            & (scored["lever_score"] > 0)
        ].head(MAX_LEVERS)
        levers = levers.assign(
            direction=np.where(levers["segment_mean"] > levers["rest_mean"], "up", "down")
        )
        target = totals.loc[key] if key in totals.index else None
        at_risk = int(target["targeted_customers"]) if target is not None else 0
        reachable = float(target["reachable_profit_at_risk"]) if target is not None else 0.0
        main = chosen.get(key)
        others = []
        if main is not None:
            rest = ranking[
                (ranking["segment_family"] == key[0])
                & (ranking["segment_name"] == key[1])
                & (ranking["action_code"] != main["action_code"])
            ].head(MAX_OTHER_ACTIONS)
            others = rest.to_dict("records")
        category = categories.loc[key] if key in categories.index else None
        basis = kept.loc[key]
        names = list(levers["feature"]) + [None] * MAX_LEVERS
        row = {
            "segment_family": key[0],
            "segment_name": key[1],
            "customers": int(segment.customers),
            "profit_at_risk": float(segment.profit_at_risk),
            "lever_1": names[0],
            "lever_2": names[1],
            "main_action": None if main is None else main["action_code"],
            "main_action_share": None if main is None else float(main["share"]),
            "main_category": None if category is None else category["favourite_category"],
            "targeted_customers": at_risk,
            "targeted_with_consent": int(target["targeted_with_consent"]) if at_risk else 0,
            "targeted_profit_at_risk": float(target["targeted_profit_at_risk"]) if at_risk else 0.0,
            "reachable_profit_at_risk": reachable,
            "expected_profit_kept_low": float(basis["expected_profit_kept_low"]),
            "expected_profit_kept": float(basis["expected_profit_kept"]),
            "expected_profit_kept_high": float(basis["expected_profit_kept_high"]),
            "profit_kept_basis": basis["profit_kept_basis"],
            "measured_campaign_month": None
            if pd.isna(basis["measured_campaign_month"])
            else str(basis["measured_campaign_month"]),
            "on_first_screen": key in ranks.index,
            "first_screen_rank": int(ranks[key]) if key in ranks.index else None,
        }
        for tr in translators:
            words = {}
            if main is not None:
                words["main"] = action_words(
                    main["action_code"], tr.code, main["favourite_category"]
                )
                words["others"] = [
                    {
                        "words": action_words(o["action_code"], tr.code, o["favourite_category"]),
                        "share": o["share"],
                    }
                    for o in others
                ]
            text = template.render(
                tr=tr,
                main=main,
                words=words,
                category=category,
                levers=levers.to_dict("records"),
                row=row,
                shares={
                    "low": float(basis["success_share_low"]),
                    "central": float(basis["success_share"]),
                    "high": float(basis["success_share_high"]),
                },
                horizon=horizon,
                bands=bands[tr.code],
            )
            row[f"recommendation_{tr.code}"] = _one_line(text)
            row[f"headline_{tr.code}"] = headline(tr, main, words, segment.segment_name, row)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS)).astype(RECOMMENDATION_COLUMNS)


def headline(tr: Translator, main, words: dict, segment_name: str, row: dict) -> str:
    """The one-line recommendation: the segment's main action and how many of its at-risk
    customers it is for; without customers at risk, that no action is needed, with the segment's
    name (so that it stays its own)."""
    if main is None:
        return capitalize_first(
            tr.t("recommendation.headline.calm", segment=tr.segment(segment_name))
        )
    return capitalize_first(
        tr.t(
            "recommendation.headline",
            action=words["main"],
            share=tr.number(main["share"], "percent0"),
            customers=tr.plural("recommendation.at_risk_customers", row["targeted_customers"]),
        )
    )
