"""Turn segment profiles into a recommendation per segment, in Russian and in English.

A lever is a feature marketing can act on. For each segment a lever scores high when
(1) the segment differs from the rest on it, (2) in the direction the model associates with
decline, and (3) the model finds the feature important (mean |SHAP|). The best levers fill the
template's sentences for that segment (templates/recommendation.txt.j2, its words in
one_click/messages/recommendations.yml; feature names from one_click/labels.yml).

Each recommendation names its lever, the customers it targets (the segment's customers at risk,
a band of var at_risk_bands, and how many of them allow offers) and the profit kept if the lever
works, under a stated assumption: var lever_success_share of the targeted customers keep their
level, so that share of their profit at risk is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from one_click.i18n import REPORT_LANGUAGES, Translator
from one_click.labels import reason_groups
from one_click.marketing.profiles import profile_frame
from one_click.ml.plain_reasons import reason_of, reason_words

TEMPLATE_DIR = Path(__file__).parent / "templates"
MAX_LEVERS = 2


@dataclass(frozen=True)
class Lever:
    feature: str  # profile feature (segment_profiles.feature)
    model_feature: str  # feature name in ml.feature_importance
    reason: str  # the reason (one_click/labels.yml) whose codes name this lever


# the actionable levers: contacts, promotions, unpaid cart items, service errors, pages per visit,
# service tier, permission to send offers
LEVERS = [
    Lever("marketing_contacts_6m_avg", "marketing_contacts_6m_avg", "marketing_contacts"),
    Lever("promo_purchase_share", "promo_purchase_share", "promotions"),
    Lever("unpaid_items_quarter", "unpaid_items_quarter", "unpaid_cart"),
    Lever("service_errors", "service_errors", "service_errors"),
    Lever("pages_per_visit", "pages_per_visit", "pages"),
    Lever("is_premium", "service_tier", "tier"),
    Lever("allow_offers", "allow_offers", "consent"),
]

RECOMMENDATION_COLUMNS = {
    "segment_family": "string",
    "segment_name": "string",
    "customers": "int64",
    "profit_at_risk": "float64",
    "lever_1": "string",
    "lever_2": "string",
    "targeted_customers": "int64",
    "targeted_with_consent": "int64",
    "targeted_profit_at_risk": "float64",
    "expected_profit_kept": "float64",
} | {
    f"{what}_{language.code}": "string"
    for what in ("headline", "recommendation")
    for language in REPORT_LANGUAGES
}


def effect_directions(customers: pd.DataFrame, features: list[str]) -> dict[str, float]:
    """+1 where a higher value goes with a higher predicted decline probability, -1 where lower.

    Spearman correlation of each feature with the model's probability over all customers: the
    direction in which the model says the feature drives decline.
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
    scored["lever_score"] = np.where(scored["is_significant"], risky * scored["importance"], 0.0)
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


def _members(memberships: pd.DataFrame, segment_name: str, family: str) -> pd.Series:
    return memberships.loc[
        (memberships["segment_family"] == family) & (memberships["segment_name"] == segment_name),
        "customer_id",
    ]


def high_risk_reasons(
    customers: pd.DataFrame,
    memberships: pd.DataFrame,
    segment_name: str,
    family: str,
    top_band: str,
) -> tuple[int, list[str]]:
    """How many of the segment's customers are in the riskiest band (top_band, the first of var
    risk_bands), and the reason codes of levers most often among their top reasons (most
    frequent first; a reason whose words need the customer's value, such as the tier, is left
    out)."""
    lever_reasons = {lv.reason for lv in LEVERS}
    members = _members(memberships, segment_name, family)
    in_band = customers["risk_band"] == top_band
    at_risk = customers[customers["customer_id"].isin(members) & in_band]
    codes = pd.concat([at_risk[f"top_reason_{i}"] for i in (1, 2, 3)]).dropna().astype(str)
    keep = codes.map(reason_of).isin(lever_reasons) & ~codes.isin(list(reason_groups()))
    ranked = codes[keep].value_counts().rename_axis("code").reset_index()
    ranked = ranked.sort_values(["count", "code"], ascending=[False, True])
    return len(at_risk), list(ranked["code"].head(MAX_LEVERS))


def targeted(
    customers: pd.DataFrame,
    memberships: pd.DataFrame,
    segment_name: str,
    family: str,
    at_risk_bands: list[str],
    share: float,
) -> dict:
    """The customers a segment's recommendation targets: its members in a band of
    at_risk_bands, how many of them allow offers, their profit at risk and the profit kept if
    `share` of them keep their level."""
    members = _members(memberships, segment_name, family)
    rows = customers[
        customers["customer_id"].isin(members) & customers["risk_band"].isin(at_risk_bands)
    ]
    at_risk = float(rows["profit_at_risk"].sum())
    return {
        "customers": len(rows),
        "consenting": int(rows["allow_offers"].astype(bool).sum()),
        "profit_at_risk": at_risk,
        "kept": share * at_risk,
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def recommend(
    customers: pd.DataFrame,
    profiles: pd.DataFrame,
    summary: pd.DataFrame,
    importance: pd.DataFrame,
    memberships: pd.DataFrame,
    horizon: int,
    at_risk_bands: list[str],
    share: float,
    risk_bands: list[str],
) -> pd.DataFrame:
    """One recommendation per segment of `summary` (segment_family, segment_name, customers,
    profit_at_risk), in every language, from its profile, the model's importances and the
    reasons of its customers in the riskiest band (`memberships`: segment_family, segment_name,
    customer_id; `customers`: customer_risk with the top reasons). `horizon`: the months profit
    at risk covers (var profit_at_risk_months); `at_risk_bands` and `share`: vars at_risk_bands
    and lever_success_share; `risk_bands`: the names of var risk_bands, riskiest first."""
    if not 0 < share <= 1:
        raise ValueError(f"lever_success_share must be in (0, 1], got {share}")
    numbers = profile_frame(customers)
    numbers["decline_probability"] = customers.set_index("customer_id")["decline_probability"]
    directions = effect_directions(numbers, [lv.feature for lv in LEVERS])
    scored = score_levers(profiles, importance, directions)
    template = _environment().get_template("recommendation.txt.j2")
    translators = [Translator(language) for language in REPORT_LANGUAGES]

    rows = []
    for segment in summary.itertuples(index=False):
        levers = scored[
            (scored["segment_family"] == segment.segment_family)
            & (scored["segment_name"] == segment.segment_name)
            & (scored["lever_score"] > 0)
        ].head(MAX_LEVERS)
        levers = levers.assign(
            direction=np.where(levers["segment_mean"] > levers["rest_mean"], "up", "down")
        )
        _, risk_codes = high_risk_reasons(
            customers, memberships, segment.segment_name, segment.segment_family, risk_bands[0]
        )
        targets = targeted(
            customers,
            memberships,
            segment.segment_name,
            segment.segment_family,
            at_risk_bands,
            share,
        )
        names = list(levers["feature"]) + [None] * MAX_LEVERS
        row = {
            "segment_family": segment.segment_family,
            "segment_name": segment.segment_name,
            "customers": int(segment.customers),
            "profit_at_risk": float(segment.profit_at_risk),
            "lever_1": names[0],
            "lever_2": names[1],
            "targeted_customers": targets["customers"],
            "targeted_with_consent": targets["consenting"],
            "targeted_profit_at_risk": targets["profit_at_risk"],
            "expected_profit_kept": targets["kept"],
        }
        for tr in translators:
            text = template.render(
                tr=tr,
                levers=levers.to_dict("records"),
                risk_reasons=[reason_words(code, tr.code) for code in risk_codes],
                targets=targets,
                share=share,
                horizon=horizon,
            )
            row[f"recommendation_{tr.code}"] = _one_line(text)
            row[f"headline_{tr.code}"] = headline(tr, levers, targets)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS)).astype(RECOMMENDATION_COLUMNS)


def headline(tr: Translator, levers: pd.DataFrame, targets: dict) -> str:
    """The one-line recommendation: the first lever's action, or what to do without one."""
    if len(levers):
        first = levers.iloc[0]
        return capitalize_first(tr.t(f"recommendation.action.{first.feature}.{first.direction}"))
    calm = "at_risk" if targets["customers"] else "calm"
    return capitalize_first(tr.t(f"recommendation.no_lever.{calm}"))
