"""Every name shown to people exists in both languages, and every feature is one reason."""

from __future__ import annotations

import pytest

from one_click.labels import LANGUAGES, feature_label, labels, reason_groups
from one_click.marketing.profiles import PROFILE_FEATURES
from one_click.ml.features import FEATURES
from one_click.project import risk_bands


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_feature_has_a_name(language):
    for feature in [*FEATURES, *PROFILE_FEATURES]:
        assert feature_label(feature, language).strip()


def test_every_feature_belongs_to_exactly_one_reason():
    owners = [f for group in reason_groups().values() for f in group["features"]]
    assert sorted(owners) == sorted(FEATURES)


@pytest.mark.parametrize("reason", sorted(reason_groups()))
def test_every_reason_has_its_phrases_in_both_languages(reason):
    group = reason_groups()[reason]
    phrases = [group[key] for key in ("low", "high", "value", "true", "false") if key in group]
    assert phrases, reason
    if "by" in group:
        assert group["by"] in group["features"] and {"low", "high"} <= set(group)
    for phrase in phrases:
        for language in LANGUAGES:
            assert phrase[language].strip(), (reason, language)


def test_an_unknown_feature_or_language_is_a_clear_error():
    with pytest.raises(KeyError, match="no label for feature 'nonsense'"):
        feature_label("nonsense", "ru")
    with pytest.raises(ValueError, match="one of ru, en"):
        feature_label("tenure_days", "de")
    assert set(labels()) >= {"features", "reasons", "risk_bands", "profit_levels"}


def test_every_risk_band_has_a_name_and_no_other():
    """The bands are var risk_bands; labels.yml names each of them, riskiest first."""
    assert list(labels()["risk_bands"]) == list(risk_bands())
