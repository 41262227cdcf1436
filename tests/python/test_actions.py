"""The next best actions: one mapping reason -> action (one_click/labels.yml), in both
languages, that the dbt yml and the SQL tables follow."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from one_click.labels import (
    LANGUAGES,
    action_for,
    action_lists,
    action_words,
    actions,
    fallback_action,
    is_context,
    segment_label,
)
from one_click.marketing.actions import action_labels, reason_actions, segment_labels
from one_click.ml.plain_reasons import reason_codes

CAMPAIGNS_YML = Path(__file__).parents[2] / "models/marketing/campaigns/_campaigns__models.yml"


def _accepted_values(model: str, column: str) -> list[str]:
    models = {m["name"]: m for m in yaml.safe_load(CAMPAIGNS_YML.read_text("utf-8"))["models"]}
    (found,) = [c for c in models[model]["columns"] if c["name"] == column]
    (test,) = [t["accepted_values"] for t in found["data_tests"] if "accepted_values" in t]
    return test["arguments"]["values"]


def test_the_dbt_yml_accepts_exactly_the_actions_of_labels_yml():
    assert _accepted_values("customer_actions", "action_code") == list(actions())
    assert _accepted_values("customer_actions", "list_name") == list(action_lists())


@pytest.mark.parametrize("code", list(actions()))
def test_every_action_has_its_words_and_answers_known_reasons(code):
    action = actions()[code]
    for language in LANGUAGES:
        assert action_words(code, language, "Кухонная посуда").strip(), (code, language)
    assert isinstance(action["needs_consent"], bool)
    known = set(reason_codes()["reason_code"])
    assert set(action["answers"]) <= known, code
    assert not any(is_context(reason) for reason in action["answers"]), "context answers nothing"


def test_each_list_has_one_fallback_it_may_use():
    for list_name in action_lists():
        code = fallback_action(list_name)
        assert action_lists()[list_name]["consent"] or not actions()[code]["needs_consent"]


def test_the_site_list_only_gets_actions_that_need_no_consent():
    table = reason_actions()
    site = table[table["list_name"] == "site"]["action_code"]
    assert not site.map(lambda code: actions()[code]["needs_consent"]).any()
    # the same reason: an offer on the contact list, its on-site variant on the site list
    assert action_for("promotions_high", "contact") == "loyalty_bonus"
    assert action_for("promotions_high", "site") == "site_loyalty_bonus"
    assert action_for("unpaid_cart_high", "site") == "site_cart"


def test_context_and_reasons_without_a_lever_get_no_action():
    for code in ("tier", "category", "tenure_high", "consent_true"):
        assert action_for(code, "contact") is None and action_for(code, "site") is None
    assert action_for("service_errors_low", "contact") is None
    with pytest.raises(KeyError, match="no list"):
        action_for("promotions_high", "post")


def test_the_tables_for_sql_hold_the_mapping():
    labels = action_labels()
    assert list(labels["action_code"]) == list(actions())
    assert labels["fallback_of"].dropna().tolist() == ["contact", "site"]
    table = reason_actions()
    assert not table.duplicated(["list_name", "reason_code"]).any()
    for row in table.itertuples():
        assert action_for(row.reason_code, row.list_name) == row.action_code


def test_a_customer_in_no_targeted_segment_is_named_so():
    words = segment_labels({"a": {"ru": "а", "en": "a"}})
    none = words[~words["is_targeted"]].iloc[0]
    assert none["words_ru"] == "вне целевых сегментов" and none["words_en"] == "no targeted segment"
    assert segment_label(none["segment_name"], "ru") == "вне целевых сегментов"
    with pytest.raises(ValueError, match="may not be called"):
        segment_labels({none["segment_name"]: {"ru": "х", "en": "x"}})


def test_an_action_naming_the_category_names_it_or_each_customers_own(monkeypatch):
    assert action_words("category_offer", "en", "Товары для детей").endswith('"kids\' goods"')
    naming = [code for code, action in actions().items() if "{category}" in action["ru"]]
    assert "category_offer" in naming
    for code in naming:  # a group favouring different categories: each customer's own
        for language in ("ru", "en"):
            words = action_words(code, language)
            assert "{category}" not in words and words == actions()[code]["any_category"][language]
    without = {k: v for k, v in actions()["category_offer"].items() if k != "any_category"}
    monkeypatch.setitem(actions(), "category_offer", without)
    with pytest.raises(ValueError, match="favourite category"):
        action_words("category_offer", "ru")
