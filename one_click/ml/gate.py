"""The quality gate: is a newly trained model good enough to publish, judged with its uncertainty.

The bar (var min_selected_roc_auc) is compared with the 95 % DeLong interval of the selected
family's pooled out-of-fold ROC-AUC (ml.model_leaderboard: oof_roc_auc_lower, oof_roc_auc_upper),
not with the estimate alone: on a model sample of 3,000 customers the estimate's standard error
is near 0.006, so a model at the bar falls below it one month in two by noise alone.

- the interval reaches the bar: the new model is published (PUBLISH), with a warning when the
  estimate itself is below the bar (PUBLISH_BELOW_BAR);
- the whole interval lies below the bar: the new model is not published. With a kept model the
  month is scored, listed and reported by it (KEEP_KEPT_MODEL: the refresh builds again in score
  mode); with none (the first month) the new model is published with a loud warning
  (PUBLISH_FIRST_BELOW_BAR), so that no month goes without a contact list.

Width never blocks the decision: an interval that reaches the bar publishes. So the model sample
is not grown to narrow it (doubling it would double the search's time at scale every month for
no change of decision); the interval on the leaderboard says how sure the estimate is.

Plain Python only: the refresh reads it without importing scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

# the confidence level of the interval
CONFIDENCE = 0.95

PUBLISH = "publish"
PUBLISH_BELOW_BAR = "publish_below_bar"
KEEP_KEPT_MODEL = "keep_kept_model"
PUBLISH_FIRST_BELOW_BAR = "publish_first_below_bar"
DECISIONS = (PUBLISH, PUBLISH_BELOW_BAR, KEEP_KEPT_MODEL, PUBLISH_FIRST_BELOW_BAR)


@dataclass(frozen=True)
class GateDecision:
    decision: str  # one of DECISIONS
    message: str  # what the refresh says

    @property
    def publishes_new_model(self) -> bool:
        return self.decision != KEEP_KEPT_MODEL


def judge(
    estimate: float, lower: float, upper: float, bar: float, kept_model: bool
) -> GateDecision:
    """The gate's decision on a new model whose out-of-fold ROC-AUC is `estimate` with the
    interval [lower, upper]; kept_model: whether a published kept model can score the month."""
    if not lower <= estimate <= upper:
        raise ValueError(f"ROC-AUC {estimate} lies outside its interval [{lower}, {upper}]")
    shown = (
        f"out-of-fold ROC-AUC {estimate:.3f} (95 % interval {lower:.3f}-{upper:.3f}), "
        f"quality bar {bar:.3f} (var min_selected_roc_auc)"
    )
    if estimate >= bar:
        return GateDecision(PUBLISH, f"quality gate passed: {shown}")
    if upper >= bar:
        return GateDecision(
            PUBLISH_BELOW_BAR,
            f"WARNING quality gate: the new model's {shown}: the estimate is below the bar but "
            "its interval reaches it, so the difference may be sampling noise; the new model "
            "is published",
        )
    if kept_model:
        return GateDecision(
            KEEP_KEPT_MODEL,
            f"QUALITY GATE: the new model is NOT published: its {shown}: the whole interval "
            "lies below the bar. This month is scored, listed and reported with the kept "
            "model instead (the build runs again in score mode)",
        )
    return GateDecision(
        PUBLISH_FIRST_BELOW_BAR,
        f"WARNING QUALITY GATE FAILED: the new model's {shown}: the whole interval lies below "
        "the bar, but no kept model can score this month, so it is published "
        "anyway, so that the month has a contact list. Check the delivery's labels and "
        "features before acting on it",
    )
