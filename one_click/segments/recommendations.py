"""Turn segment profiles into a recommendation per segment, written by a jinja2 template.

A lever is a feature marketing can act on. For each segment a lever scores high when
(1) the segment differs from the rest on it, (2) in the direction the model associates with
decline, and (3) the model finds the feature important (mean |SHAP|). The best levers fill the
template's sentence for that segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from one_click.ml.plain_reasons import reason_of
from one_click.segments.profiles import profile_frame

TEMPLATE_DIR = Path(__file__).parent / "templates"
MAX_LEVERS = 2


@dataclass(frozen=True)
class Lever:
    feature: str  # profile feature (segment_profiles.feature)
    model_feature: str  # feature name in ml.feature_importance
    label: str  # how the report names it
    reason: str  # the reason (one_click/labels.yml) whose codes name this lever


# the actionable levers: contacts, promotions, unpaid cart items, service errors, pages per visit,
# service tier, permission to send offers
LEVERS = [
    Lever(
        "marketing_contacts_6m_avg",
        "marketing_contacts_6m_avg",
        "marketing contacts a month",
        "marketing_contacts",
    ),
    Lever(
        "promo_purchase_share",
        "promo_purchase_share",
        "share of purchases on promotion",
        "promotions",
    ),
    Lever(
        "unpaid_items_quarter",
        "unpaid_items_quarter",
        "items left unpaid in the cart",
        "unpaid_cart",
    ),
    Lever("service_errors", "service_errors", "service errors", "service_errors"),
    Lever("pages_per_visit", "pages_per_visit", "pages per visit", "pages"),
    Lever("is_premium", "service_tier", "share on the premium tier", "tier"),
    Lever("allow_offers", "allow_offers", "share allowing offers", "consent"),
]

RECOMMENDATION_COLUMNS = {
    "segment_family": "string",
    "segment_name": "string",
    "customers": "int64",
    "profit_at_risk": "float64",
    "lever_1": "string",
    "lever_2": "string",
    "recommendation": "string",
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
        [(lv.feature, lv.model_feature, lv.label) for lv in LEVERS],
        columns=["feature", "model_feature", "label"],
    )
    scored = profiles.merge(lever_frame, on="feature", how="inner")
    scored["direction"] = scored["feature"].map(directions).fillna(0.0)
    scored["importance"] = scored["model_feature"].map(weights).fillna(0.0)
    risky = (scored["standardized_difference"] * scored["direction"]).clip(lower=0)
    scored["lever_score"] = np.where(scored["is_significant"], risky * scored["importance"], 0.0)
    return scored.sort_values(
        ["segment_family", "segment_name", "lever_score"], ascending=[True, True, False]
    )


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain text, stored in a table; the HTML report escapes it
    )


def high_risk_reasons(
    customers: pd.DataFrame, memberships: pd.DataFrame, segment_name: str, family: str
) -> tuple[int, list[str]]:
    """How many of the segment's customers are in the high risk band, and the levers most often
    among their top reasons (most frequent first)."""
    labels = {lv.reason: lv.label for lv in LEVERS}
    members = memberships.loc[
        (memberships["segment_family"] == family) & (memberships["segment_name"] == segment_name),
        "customer_id",
    ]
    at_risk = customers[customers["customer_id"].isin(members) & (customers["risk_band"] == "high")]
    codes = pd.concat([at_risk[f"top_reason_{i}"] for i in (1, 2, 3)]).dropna()
    reasons = codes.map(reason_of)
    reasons = reasons[reasons.isin(list(labels))]
    ranked = reasons.value_counts().rename_axis("feature").reset_index()
    ranked = ranked.sort_values(["count", "feature"], ascending=[False, True])
    return len(at_risk), [labels[f] for f in ranked["feature"].head(MAX_LEVERS)]


def recommend(
    customers: pd.DataFrame,
    profiles: pd.DataFrame,
    summary: pd.DataFrame,
    importance: pd.DataFrame,
    memberships: pd.DataFrame,
    horizon: int,
) -> pd.DataFrame:
    """One recommendation per segment of `summary` (segment_family, segment_name, customers,
    mean_decline_probability, profit_at_risk), from its profile, the model's importances and
    the reasons of its high-risk customers (`memberships`: segment_family, segment_name,
    customer_id). `horizon`: the months profit at risk covers (var profit_at_risk_months)."""
    numbers = profile_frame(customers)
    numbers["decline_probability"] = customers.set_index("customer_id")["decline_probability"]
    directions = effect_directions(numbers, [lv.feature for lv in LEVERS])
    scored = score_levers(profiles, importance, directions)
    template = _environment().get_template("recommendation.txt.j2")

    rows = []
    for segment in summary.itertuples(index=False):
        levers = scored[
            (scored["segment_family"] == segment.segment_family)
            & (scored["segment_name"] == segment.segment_name)
            & (scored["lever_score"] > 0)
        ].head(MAX_LEVERS)
        high_risk_customers, risk_levers = high_risk_reasons(
            customers, memberships, segment.segment_name, segment.segment_family
        )
        text = template.render(
            segment=segment._asdict(),
            levers=levers.to_dict("records"),
            horizon=horizon,
            high_risk_customers=high_risk_customers,
            risk_levers=risk_levers,
        )
        names = list(levers["feature"]) + [None] * MAX_LEVERS
        rows.append(
            {
                "segment_family": segment.segment_family,
                "segment_name": segment.segment_name,
                "customers": int(segment.customers),
                "profit_at_risk": float(segment.profit_at_risk),
                "lever_1": names[0],
                "lever_2": names[1],
                "recommendation": " ".join(text.split()),
            }
        )
    return pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS)).astype(RECOMMENDATION_COLUMNS)
