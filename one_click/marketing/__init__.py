"""Segment profiles and recommendations: how each customer segment differs from the rest, and
what to offer it. Called by the dbt Python models in python_models/marketing/."""

from one_click.marketing.profiles import PROFILE_FEATURES, profile_segments
from one_click.marketing.recommendations import LEVERS, recommend

__all__ = ["LEVERS", "PROFILE_FEATURES", "profile_segments", "recommend"]
