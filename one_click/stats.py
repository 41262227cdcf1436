"""How large an effect a campaign's control group can detect: the one formula, for the warehouse
(the measured effect of past campaigns) and for the benchmarks alike.

A campaign compares the decline rate of its contacted customers with that of its control group
(var holdout_share of the contact list, held back). The minimal detectable effect is the
smallest true difference of the two decline rates that a two-sided test at level `alpha` finds
with probability `power`: for two proportions, both near the base decline rate p,

    MDE = (z[1 - alpha / 2] + z[power]) * sqrt(p * (1 - p) * (1 / n_contacted + 1 / n_control))

(the normal approximation with the variance at the base rate). At 80 % power and 5 %
two-sided, z[0.975] + z[0.8] = 1.960 + 0.842 = 2.802.
"""

from __future__ import annotations

import math

from scipy.special import ndtri

ALPHA = 0.05  # two-sided
POWER = 0.8


def detection_z(alpha: float = ALPHA, power: float = POWER) -> float:
    """z[1 - alpha / 2] + z[power]: the MDE in standard errors of the difference."""
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha {alpha} and power {power} must lie strictly between 0 and 1")
    return float(ndtri(1 - alpha / 2) + ndtri(power))


def minimal_detectable_effect(
    base_rate: float,
    contacted: float,
    control: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> float:
    """The smallest difference of decline rates (contacted - control, in absolute value, as a
    share: 0.05 is 5 points) detectable with these group sizes; inf when a group is empty."""
    if not 0 <= base_rate <= 1:
        raise ValueError(f"base_rate {base_rate}: a decline rate lies between 0 and 1")
    if contacted <= 0 or control <= 0:
        return math.inf
    spread = base_rate * (1 - base_rate) * (1 / contacted + 1 / control)
    return detection_z(alpha, power) * math.sqrt(spread)


def holdout_split(list_size: int, holdout_share: float) -> tuple[int, int]:
    """(contacted, control) of a contact list of `list_size` customers with this share held
    back (rounded, as the assignment draws it; ignores the rounding per stratum)."""
    if not 0 <= holdout_share < 1:
        raise ValueError(f"holdout_share {holdout_share}: expected a share in [0, 1)")
    control = round(holdout_share * list_size)
    return list_size - control, control


def list_mde(
    list_size: int,
    holdout_share: float,
    base_rate: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> float:
    """The minimal detectable effect of a campaign over a contact list of `list_size`."""
    contacted, control = holdout_split(list_size, holdout_share)
    return minimal_detectable_effect(base_rate, contacted, control, alpha, power)
