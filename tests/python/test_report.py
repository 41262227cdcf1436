"""The HTML report in Russian and in English, rendered from the small synthetic warehouse of
synthetic_warehouse.py, with the contact lists beside them.

The expected texts come from one_click/messages/ (i18n.messages()) and one_click/labels.yml,
never from the Translator that renders the report, and the expected numbers are written by
babel directly: a Translator that formats wrongly fails here.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import inspect
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from babel import Locale
from babel.numbers import format_decimal, format_percent
from helpers import parse
from synthetic_warehouse import EMPTY_SEGMENT, INJECTED, VARIANTS, build_report_warehouse

from one_click.i18n import REPORT_FILES, REPORT_LANGUAGES, Translator, messages
from one_click.labels import labels
from one_click.project import setting
from one_click.report import SECTIONS, TECHNICAL_SECTIONS, WarehouseError, data, plots, render
from one_click.report.__main__ import main
from one_click.report.render import (
    ACTION_COLUMNS,
    CONTACT_LIST_COLUMNS,
    TECHNICAL_TEMPLATE_NAME,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
GENERATED_AT = "2026-01-01 00:00 UTC"
INLINE_PNG = '<img src="data:image/png;base64,'
# the locales the report must write numbers in, independent of one_click.i18n
LOCALES = {"ru": "ru_RU", "en": "en_US"}
LANGUAGES = [pytest.param(language, id=language.code) for language in REPORT_LANGUAGES]
# a 1 x 1 PNG, drawn instead of the figures where a test does not look at them
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAj"
    "CB0C8AAAAASUVORK5CYII="
)
NAMING_FUNCTIONS = {"family_name", "column_name"}  # plots.py functions that name, not draw
# the Latin words the Russian marketers' page may hold: the link to the English page, the file
# kind
LATIN_ALLOWED = {"English", "version", "CSV"}
# the month of the synthetic warehouse (synthetic_warehouse.MONTH, 2026-11) as people name it
MONTH_NAMES = {"ru": "ноябрь 2026", "en": "November 2026"}


# ---------------------------------------------------------------------------------------------
# the expected words and numbers, from the messages and babel (not from the Translator)


def message(key: str, code: str, **values) -> str:
    text = messages()[key][code]
    return text.format(**values) if values else text


def number(value, code: str, pattern: str = "#,##0.0") -> str:
    return format_decimal(value, format=pattern, locale=LOCALES[code])


def percent(value, code: str, pattern: str = "#,##0.0%") -> str:
    return format_percent(value, format=pattern, locale=LOCALES[code])


def plural(key: str, count: int, code: str) -> str:
    form = Locale.parse(LOCALES[code]).plural_form(count)
    return messages()[key][code][form].format(count=number(count, code, "#,##0"))


def segment_name(name: str, code: str) -> str:
    targeted = setting("targeted_segments")
    if name in targeted:
        return targeted[name][code]
    band, _, level = name.removesuffix("_profit").partition("_risk_")
    names = labels()
    return f"{names['risk_bands'][band][code]}, {names['profit_levels'][level][code]}"


def band_name(band: str, code: str) -> str:
    return labels()["risk_bands"][band][code]


def horizon(summary) -> int:
    return int(summary["profit_at_risk_months"])


# ---------------------------------------------------------------------------------------------
# the warehouse and the reports rendered from it


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_report_warehouse(tmp_path_factory.mktemp("report") / "synthetic.duckdb")


@pytest.fixture(scope="module")
def written(warehouse) -> list[Path]:
    return render(warehouse, warehouse.parent / "out", generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def output_dir(written) -> Path:
    return written[0].parent


@pytest.fixture(scope="module")
def reports(output_dir) -> dict[str, str]:
    """Language code -> its marketers' page's HTML."""
    return {
        lg.code: (output_dir / lg.output).read_text(encoding="utf-8") for lg in REPORT_LANGUAGES
    }


@pytest.fixture(scope="module")
def technical(output_dir) -> dict[str, str]:
    """Language code -> its technical page's HTML."""
    return {
        lg.code: (output_dir / lg.technical).read_text(encoding="utf-8") for lg in REPORT_LANGUAGES
    }


@pytest.fixture(scope="module")
def cli_run(warehouse, tmp_path_factory) -> tuple[int, str, Path]:
    """The command line run once, without a fixed "generated at": (exit code, stdout, dir)."""
    directory = tmp_path_factory.mktemp("cli") / "published"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--warehouse", str(warehouse), "--output-dir", str(directory)])
    return code, out.getvalue(), directory


def views(warehouse: Path, *names: str) -> list[pd.DataFrame]:
    """Reporting views as they return their rows (no order by: the view's own order)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [con.execute(f"select * from reporting.rpt_{name}").df() for name in names]


@pytest.fixture(scope="module")
def summary(warehouse) -> pd.Series:
    return views(warehouse, "summary")[0].iloc[0]


def stub_figures(monkeypatch) -> None:
    """Draw every figure as a 1 x 1 PNG: for the tests that do not look at the figures."""
    for name, function in inspect.getmembers(plots, inspect.isfunction):
        if function.__module__ != plots.__name__ or name.startswith("_"):
            continue
        if "tr" in inspect.signature(function).parameters and name not in NAMING_FUNCTIONS:
            monkeypatch.setattr(plots, name, lambda *args, **kwargs: TINY_PNG)


def row_starting(rows: list[list[str]], *first: str) -> list[str]:
    """The one table row whose first cells are `first`."""
    found = [row for row in rows if tuple(row[: len(first)]) == first]
    assert len(found) == 1, (first, found)
    return found[0]


# ---------------------------------------------------------------------------------------------
# the files


def test_render_writes_both_reports_and_both_contact_lists(written, output_dir):
    assert [path.name for path in written] == list(REPORT_FILES)
    assert sorted(p.name for p in output_dir.iterdir()) == sorted(REPORT_FILES)
    assert REPORT_FILES == (
        "report.html",
        "technical.html",
        "contact_list.csv",
        "report.en.html",
        "technical.en.html",
        "contact_list.en.csv",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_report_says_its_language_and_links_the_other(language, reports, output_dir):
    html = reports[language.code]
    assert f'<html lang="{language.code}">' in html
    [other] = [lg for lg in REPORT_LANGUAGES if lg != language]
    page = parse(html)
    link = page.attributes["other-language"]
    assert link["href"] == other.output and link["hreflang"] == other.code
    assert (output_dir / link["href"]).is_file()
    assert page.by_id["other-language"] == message("report.other_language", language.code)
    assert (
        page.by_id["other-language"]
        == {"ru": "English version", "en": "Версия на русском"}[language.code]
    )
    # the technical page of the same language, linked both ways; its other language is the
    # other technical page
    assert page.attributes["technical-link"]["href"] == language.technical
    assert page.by_id["technical-link"] == message("report.technical_link", language.code)
    back = parse((output_dir / language.technical).read_text(encoding="utf-8"))
    assert back.attributes["report-link"]["href"] == language.output
    assert back.attributes["other-language"]["href"] == other.technical


def test_the_marketers_page_acts_and_the_technical_page_explains():
    assert SECTIONS == ("contacts", "offers", "segments", "worked", "monthly")
    assert TECHNICAL_SECTIONS[0] == "model" and "data" in TECHNICAL_SECTIONS
    assert not set(SECTIONS) & set(TECHNICAL_SECTIONS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_has_every_section_in_order(language, reports):
    html, code = reports[language.code], language.code
    page = parse(html)
    expected = [
        f"{i}. {message(f'report.section.{anchor}', code)}" for i, anchor in enumerate(SECTIONS, 1)
    ]
    assert page.headings == expected
    # the contents list links them in the same order, and the first screen comes before it
    links = re.findall(r'<li><a href="#(\w+)">', html)
    assert links == list(SECTIONS)
    positions = [html.index(f'<h2 id="{anchor}">') for anchor in SECTIONS]
    assert positions == sorted(positions)
    assert html.index('id="summary"') < html.index("<nav>") < positions[0]
    # the title names the month scored (rpt_summary.score_month, var delivery_month)
    title = message("report.title", code)
    month = MONTH_NAMES[code]
    assert f"<title>{title}, {month}</title>" in html
    assert f'<h1>{title}, <span id="report-month">{month}</span></h1>' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_technical_page_has_every_section_in_order(language, technical):
    code = language.code
    page = parse(technical[code])
    assert page.headings == [
        f"{i}. {message(f'report.section.{anchor}', code)}"
        for i, anchor in enumerate(TECHNICAL_SECTIONS, 1)
    ]
    assert re.findall(r'<li><a href="#(\w+)">', technical[code]) == list(TECHNICAL_SECTIONS)


def test_the_title_month_is_the_month_scored_by_name(reports, technical, summary):
    assert summary["score_month"] == "2026-11"
    for code in ("ru", "en"):
        for html in (reports[code], technical[code]):
            assert parse(html).by_id["report-month"] == MONTH_NAMES[code]


def test_the_russian_report_reads_in_russian(reports, technical):
    page = parse(reports["ru"])
    assert page.headings[0] == "1. Кому звонить в первую очередь"
    assert page.headings[1] == "2. Что предложить"
    assert page.by_id["contact-list-link"] == "Полный список контактов (CSV)"
    assert parse(technical["ru"]).headings[0] == "1. Модель"


@pytest.mark.parametrize(
    ("count", "ru", "en"),
    [
        (1, "1 клиент", "1 customer"),
        (2, "2 клиента", "2 customers"),
        (5, "5 клиентов", "5 customers"),
        (11, "11 клиентов", "11 customers"),
        (21, "21 клиент", "21 customers"),
        (22, "22 клиента", "22 customers"),
        (111, "111 клиентов", "111 customers"),
        (132, "132 клиента", "132 customers"),
        (0, "0 клиентов", "0 customers"),
    ],
)
def test_numbers_agree_with_their_nouns(count, ru, en):
    assert Translator.of("ru").plural("report.customers", count) == ru
    assert Translator.of("en").plural("report.customers", count) == en


def test_the_customers_at_risk_without_consent_agree_in_number():
    """«132 клиента в риске не разрешают», «21 клиент … не разрешает»: the verb too."""
    ru = Translator.of("ru")
    assert ru.plural("report.contacts.site_intro", 132, profit="1", shown="20").startswith(
        "132 клиента в риске не разрешают"
    )
    assert ru.plural("report.contacts.site_intro", 21, profit="1", shown="20").startswith(
        "21 клиент в риске не разрешает"
    )
    assert ru.plural("report.contacts.site_intro", 25, profit="1", shown="20").startswith(
        "25 клиентов в риске не разрешают"
    )


@pytest.mark.parametrize(
    ("month", "ru", "en"),
    [("2026-10", "октябрь 2026", "October 2026"), ("2027-03", "март 2027", "March 2027")],
)
def test_months_read_as_names(month, ru, en):
    assert Translator.of("ru").month(month) == ru
    assert Translator.of("en").month(month) == en
    assert Translator.of("ru").month("not a month") == "not a month"


def _visible_text(html: str) -> str:
    page = parse(html)
    alts = re.findall(r'alt="([^"]*)"', html)
    return "\n".join([*page.texts, *(c for row in page.rows for c in row), *alts])


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_]*(?:[._=-][A-Za-z0-9_]+)*", text))


def test_the_russian_page_holds_no_latin_identifiers(reports):
    # the warehouse text injected on purpose (see test_text_from_the_warehouse_is_escaped) aside
    text = _visible_text(reports["ru"]).replace(INJECTED, "")
    assert _latin_words(text) - LATIN_ALLOWED == set()


def test_the_latin_check_would_see_a_code_name(reports):
    leaked = reports["ru"].replace(
        "</footer>", "model__extra_trees__max_features=0.3 staging.stg_shop__revenue</footer>"
    )
    found = _latin_words(_visible_text(leaked)) - LATIN_ALLOWED
    for name in ("model__extra_trees__max_features", "staging.stg_shop__revenue"):
        assert any(word.startswith(name) for word in found), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_marketers_page_names_no_code_file_or_setting(language, reports):
    text = _visible_text(reports[language.code])
    for name in ("one_click", ".duckdb", ".csv", "python", "make ", "staging", "__", "ROC-AUC"):
        assert name not in text, name
    for word in ("фолд", "Брайер", "fold", "Brier", "SHAP", "PSI"):
        assert word not in text, word


# ---------------------------------------------------------------------------------------------
# the first screen


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_screen_numbers_match_the_warehouse(language, reports, summary):
    code = language.code
    shown = parse(reports[code]).by_id
    contact, site_only = int(summary["contact_customers"]), int(summary["site_only_customers"])
    assert shown["summary-contact-customers"] == plural("report.customers", contact, code)
    assert shown["summary-contact-customers"].startswith(number(contact, code, "#,##0") + " ")
    profit = number(summary["contact_profit_at_risk"], code)
    assert shown["summary-contact-profit-at-risk"] == profit
    assert shown["summary-site-only-customers"] == plural("report.customers", site_only, code)
    # a decimal comma in Russian, a decimal point in English
    mark, other = {"ru": (",", "."), "en": (".", ",")}[code]
    assert mark in profit and other not in profit
    months = plural("months", horizon(summary), code)
    assert shown["unit-note"] == message("report.unit_note", code, months=months)


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_screen_says_how_often_the_model_is_right(language, reports, warehouse):
    """Out of fold, in plain words: of the riskiest band, the share that really bought less; of
    all who bought less, the share the contact list reaches (rpt_model_quality)."""
    code = language.code
    [quality, features, scores] = views(warehouse, "model_quality", "customer_features", "summary")
    [row] = quality.itertuples()
    # the synthetic customers are all scored out of fold: the shares recomputed from them
    declined = features["activity_declined"].astype(bool)
    assert row.out_of_fold_customers == len(features)
    assert row.declined_customers == int(declined.sum())
    shown = parse(reports[code]).by_id
    assert shown["summary-high-band-precision"] == percent(
        row.high_band_declined_share, code, "#,##0%"
    )
    assert shown["summary-contact-reach"] == percent(
        row.declined_on_contact_list_share, code, "#,##0%"
    )
    assert 0 < row.declined_on_contact_list <= row.declined_at_risk <= row.declined_customers


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_profit_kept_is_an_assumption_over_the_contact_list_only(language, reports, summary):
    code = language.code
    share = float(summary["lever_success_share"])
    kept = share * float(summary["contact_profit_at_risk"])  # each listed customer once
    shown = parse(reports[code]).by_id["assumed-kept"]
    values = {
        "share": percent(share, code, "#,##0%"),
        "kept": number(kept, code),
        "months": plural("months", horizon(summary), code),
    }
    if "lever_success_share_low" in summary.index:  # the summary states the assumption's range
        low, high = (float(summary[f"lever_success_share_{end}"]) for end in ("low", "high"))
        assert low < share < high
        at_stake = float(summary["contact_profit_at_risk"])
        values |= {"low": number(low * at_stake, code), "high": number(high * at_stake, code)}
        assert shown == message("report.first.kept_range", code, **values)
    else:
        assert shown == message("report.first.kept", code, **values)
    # the unit is named once on the page, in the note
    page = parse(reports[code])
    assert [text for text in page.texts if "unit" in text or "единиц" in text] == [
        page.by_id["unit-note"]
    ]
    for confusing in ("money.csv", "«Прибыль»", "ед."):
        assert confusing not in _visible_text(reports[code])


def test_first_screen_writes_large_numbers_as_each_locale_does(warehouse, tmp_path, monkeypatch):
    """1 297 customers and 12 345,7 of profit: Russian groups thousands with a no-break space
    (what babel writes) and marks decimals with a comma; English writes 1,297 and 12,345.7."""
    large = shutil.copyfile(warehouse, tmp_path / "large.duckdb")
    with duckdb.connect(str(large)) as con:
        con.execute(
            "update reporting.rpt_summary set contact_customers = 1297, "
            "contact_profit_at_risk = 12345.678, site_only_customers = 2021"
        )
    stub_figures(monkeypatch)
    render(large, tmp_path / "out", generated_at=GENERATED_AT)
    ru = parse((tmp_path / "out" / "report.html").read_text(encoding="utf-8")).by_id
    en = parse((tmp_path / "out" / "report.en.html").read_text(encoding="utf-8")).by_id
    assert ru["summary-contact-profit-at-risk"] == "12\N{NO-BREAK SPACE}345,7"
    assert en["summary-contact-profit-at-risk"] == "12,345.7"
    assert ru["summary-contact-profit-at-risk"] == number(12345.678, "ru")
    assert ru["summary-contact-customers"] == "1\N{NO-BREAK SPACE}297 клиентов"
    assert en["summary-contact-customers"] == "1,297 customers"
    assert ru["summary-site-only-customers"] == "2\N{NO-BREAK SPACE}021 клиент"
    assert en["summary-site-only-customers"] == "2,021 customers"


def expected_groups(recommendations: pd.DataFrame) -> pd.DataFrame:
    """The targeted segments with customers at risk, and a grid cell holding more than any of
    them, by the profit at risk of their customers at risk."""
    at_risk = recommendations[recommendations["targeted_customers"] > 0]
    targeted = at_risk[at_risk["segment_family"] == "targeted"]
    cells = at_risk[
        (at_risk["segment_family"] != "targeted")
        & (at_risk["targeted_profit_at_risk"] > targeted["targeted_profit_at_risk"].max())
    ]
    return pd.concat([targeted, cells]).sort_values(
        ["targeted_profit_at_risk", "segment_name"], ascending=[False, True]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_screen_ranks_the_groups_by_profit_at_risk(language, reports, warehouse):
    code = language.code
    [recommendations] = views(warehouse, "segment_recommendations")
    groups = expected_groups(recommendations)
    assert len(groups) >= 3
    rows = [row for row in parse(reports[code]).tables["top-groups"] if row]
    assert rows == [
        [
            segment_name(row.segment_name, code),
            number(row.targeted_customers, code, "#,##0"),
            number(row.targeted_with_consent, code, "#,##0"),
            number(row.targeted_profit_at_risk, code),
            getattr(row, f"headline_{code}"),
        ]
        for row in groups.itertuples()
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_group_without_customers_at_risk_shows_no_profit_at_risk(language, technical, warehouse):
    """A low-risk cell says nobody in it is at risk: its row shows 0 customers at risk and 0
    profit at risk of them, not the expected loss of all its customers."""
    code = language.code
    [recommendations] = views(warehouse, "segment_recommendations")
    calm = recommendations[recommendations["targeted_customers"] == 0]
    assert len(calm) > 0
    rows = parse(technical[code]).tables["all-recommendations"]
    for row in calm.itertuples():
        shown = row_starting(
            rows, message(f"report.family.{row.segment_family}", code),
            segment_name(row.segment_name, code),
        )  # fmt: skip
        assert shown[3:5] == [number(0, code, "#,##0"), number(0, code)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_list_link_points_to_its_csv(language, reports, output_dir):
    page = parse(reports[language.code])
    assert page.attributes["contact-list-link"]["href"] == language.contact_list
    assert (output_dir / language.contact_list).is_file()


# ---------------------------------------------------------------------------------------------
# the contact list beside the report


def has_actions() -> bool:
    """Whether the contact list's contract carries each customer's next best action."""
    return set(ACTION_COLUMNS) <= set(data.relations()["contact_list"])


def csv_columns() -> list[str]:
    """The contact list CSV's columns: CONTACT_LIST_COLUMNS, and the action after the reasons
    when the list carries actions."""
    columns = list(CONTACT_LIST_COLUMNS)
    if has_actions():
        columns.insert(columns.index("reasons") + 1, "action")
    return columns


def read_contact_list(path: Path, code: str) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), "a spreadsheet needs the byte order mark to read UTF-8"
    return list(
        csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter={"ru": ";", "en": ","}[code])
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_list_csv_holds_every_row_of_rpt_contact_list(
    language, output_dir, warehouse, summary
):
    code = language.code
    [expected] = views(warehouse, "contact_list")
    header, *rows = read_contact_list(output_dir / language.contact_list, code)
    months = plural("months", horizon(summary), code)
    assert header == [
        message(f"report.csv.{column}", code, months=months)
        if column == "profit_at_risk"
        else message(f"report.csv.{column}", code)
        for column in csv_columns()
    ]
    assert all(len(row) == len(header) for row in rows)
    assert len(rows) == len(expected) == int(summary["contact_customers"])
    column = dict(zip(csv_columns(), zip(*rows, strict=True), strict=True))
    assert list(column["customer_id"]) == [str(c) for c in expected["customer_id"]]
    assert list(column["priority_rank"]) == [str(r) for r in expected["priority_rank"]]
    assert list(column["risk_band"]) == [band_name(b, code) for b in expected["risk_band"]]
    assert list(column["reasons"]) == list(expected[f"reasons_{code}"].fillna(""))
    assert list(column["segments"]) == [
        ", ".join(segment_name(s, code) for s in segments.split(", ") if s)
        for segments in expected["segments"].fillna("")
    ]
    # numbers as plain decimals with the locale's decimal mark, the values of the view
    decimal = {"ru": ",", "en": "."}[code]
    for name in ("decline_probability", "profit", "profit_at_risk", "cumulative_profit_at_risk"):
        for text, value in zip(column[name], expected[name], strict=True):
            assert re.fullmatch(rf"-?\d+(\{decimal}\d+)?", text), (name, text)
            assert float(text.replace(",", ".")) == pytest.approx(value), (name, text)


def test_the_russian_contact_list_opens_in_a_russian_spreadsheet(output_dir):
    lines = (output_dir / "contact_list.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("место;id клиента;вероятность снижения активности;риск;")
    first = lines[1].split(";")
    assert re.fullmatch(r"0,\d+", first[2]), first  # 0,845: a comma, never 0.845
    assert "." not in "".join(first[:7])
    en = (output_dir / "contact_list.en.csv").read_text(encoding="utf-8-sig").splitlines()
    assert en[0].startswith("rank,customer id,probability of decline,risk,")
    assert re.fullmatch(r"0\.\d+", en[1].split(",")[2])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_customer_who_does_not_allow_offers_is_never_on_the_contact_list(
    language, reports, output_dir, warehouse
):
    code = language.code
    features, site, targets = views(
        warehouse, "customer_features", "site_personalisation_targets", "retention_targets"
    )
    opted_out = {str(c) for c in features.loc[~features["allow_offers"], "customer_id"]}
    site_ids = [str(c) for c in site["customer_id"]]
    assert site_ids and set(site_ids) <= opted_out
    _, *rows = read_contact_list(output_dir / language.contact_list, code)
    listed = [row[CONTACT_LIST_COLUMNS.index("customer_id")] for row in rows]
    assert listed and not set(listed) & opted_out
    tables = parse(reports[code]).tables
    contacted = [row[1] for row in tables["retention-targets"] if row]
    assert contacted == [str(c) for c in targets["customer_id"]]
    assert not set(contacted) & opted_out
    # the at-risk customers without consent have their own table: the site's
    assert [row[1] for row in tables["site-targets"] if row] == site_ids


# ---------------------------------------------------------------------------------------------
# one language per file


def _words(text: str) -> list[str]:
    """The literal pieces of a message around its {placeholders}, trimmed, with a letter."""
    pieces = (p.strip(" \t\n,.;:()«»\"'—-") for p in re.split(r"\{\w+\}", text))
    return [p for p in pieces if re.search(r"[^\W\d_]", p)]


def _texts(code: str) -> list[str]:
    """Every text people read in language `code`: messages, and the names of labels.yml."""
    found = []
    for entry in messages().values():
        forms = entry[code]
        found += list(forms.values()) if isinstance(forms, dict) else [forms]
    names = labels()
    for group in ("features", "risk_bands", "profit_levels"):
        found += [entry[code] for entry in names[group].values()]
    for reason in names["reasons"].values():  # its words; not its settings (features, by, …)
        found += [v[code] for v in reason.values() if isinstance(v, dict) and code in v]
    found += [entry[code] for entry in setting("targeted_segments").values()]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sentence_of_the_other_language_leaks_in(language, reports):
    code = language.code
    [other] = [lg.code for lg in REPORT_LANGUAGES if lg.code != code]
    own = "\n".join(_texts(code))
    page = parse(reports[code])
    shown = "\n".join(page.texts)
    nodes = set(page.texts) | {cell for row in page.rows for cell in row}
    leaked = []
    for text in _texts(other):
        for words in _words(text):
            if words in own:  # the same in both (a name, an acronym) or quoted on purpose
                continue
            # a phrase anywhere in the page; a single word only as a whole text of its own
            found = words in shown if " " in words else words in nodes
            if found:
                leaked.append(words)
    assert leaked == []


def test_the_leak_check_would_see_a_leak(reports):
    """The check above finds an English sentence put into the Russian page."""
    page = parse(
        reports["ru"].replace("</footer>", message("report.first.quality_note", "en") + "</footer>")
    )
    shown = "\n".join(page.texts)
    assert any(w in shown for w in _words(message("report.first.quality_note", "en")))


# ---------------------------------------------------------------------------------------------
# what the page is made of


def figures_in(template: str) -> int:
    return (TEMPLATE_DIR / template).read_text(encoding="utf-8").count('m.figure("')


@pytest.mark.parametrize("language", LANGUAGES)
def test_figures_are_inline_pngs(language, reports, technical):
    for html, template in (
        (reports[language.code], TEMPLATE_NAME),
        (technical[language.code], TECHNICAL_TEMPLATE_NAME),
    ):
        page = parse(html)
        drawn = figures_in(template)
        assert drawn >= 1  # the marketers' page: the coverage curve; the rest is technical
        assert html.count(INLINE_PNG) == drawn
        assert len(page.images) == drawn  # no image from anywhere else
        for src in page.images:
            png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert figures_in(TEMPLATE_NAME) + figures_in(TECHNICAL_TEMPLATE_NAME) == 14


def test_the_figures_are_drawn_in_each_language(reports, technical):
    for pages in (reports, technical):
        ru, en = (parse(pages[code]).images for code in ("ru", "en"))
        assert len(ru) == len(en)
        assert [i for i, (a, b) in enumerate(zip(ru, en, strict=True)) if a == b] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_needs_nothing_from_outside(language, reports, technical):
    for html in (reports[language.code], technical[language.code]):
        assert "http://" not in html and "https://" not in html
        assert "<link" not in html and "<script" not in html and "url(" not in html
        assert "@import" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_text_from_the_warehouse_is_escaped(language, reports, technical):
    escaped = INJECTED.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    html = technical[language.code]
    assert INJECTED not in html
    # once from rpt_data_defects, once from rpt_segment_recommendations
    assert html.count(escaped) == 2
    tables = parse(html).tables
    assert sum(INJECTED in cell for row in tables["all-recommendations"] for cell in row) == 1
    # the marketers' page prints the recommendations of its groups: escaped where it does
    html = reports[language.code]
    assert INJECTED not in html
    shown = sum(INJECTED in cell for row in parse(html).tables["recommendations"] for cell in row)
    assert html.count(escaped) == shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_tables_show_the_warehouse_numbers(language, reports, technical, warehouse, summary):
    code = language.code
    rows = parse(technical[code]).rows
    board, counts, segments, targets, defects = views(
        warehouse, "model_leaderboard", "layer_counts", "segment_summary", "retention_targets",
        "data_defects",
    )  # fmt: skip
    for row in board.itertuples():
        name = message(f"model.family.{row.model_family}", code)
        if row.is_selected:
            name += " " + message("report.selected", code)
        scores = [
            row.cv_roc_auc_mean,
            row.cv_roc_auc_std,
            row.oof_roc_auc,
            row.holdout_roc_auc,
            row.oof_brier_score,
            row.oof_calibration_error,
        ]
        shown = row_starting(rows, str(row.cv_rank), name)
        assert shown[2:8] == [number(v, code, "0.000") for v in scores]
        assert shown[9] == number(row.scoring_seconds_per_1000, code, "#,##0.00")
    market_money = counts.loc[counts["relation"] == "raw.market_money", "row_count"].iloc[0]
    raw = message("plots.layers.raw", code)  # the layers named as the figure names them
    assert row_starting(rows, raw, "raw.market_money")[2] == number(market_money, code, "#,##0")
    for row in segments.itertuples():
        shown = row_starting(
            rows,
            message(f"report.family.{row.segment_family}", code),
            segment_name(row.segment_name, code),
            number(row.customers, code, "#,##0"),
            percent(row.customer_share, code),
        )
        assert shown[4:] == [
            number(row.mean_decline_probability, code, "0.000"),
            number(row.monthly_profit, code),
            number(row.profit_at_risk, code),
            percent(row.profit_at_risk_share, code),
        ]
    first = targets.iloc[0]
    contacts = parse(reports[code]).tables["retention-targets"]
    assert row_starting(contacts, "1", str(first["customer_id"]))[2:5] == [
        percent(first["decline_probability"], code, "#,##0%"),
        number(first["profit_at_risk"], code),
        first[f"reasons_{code}"],
    ]
    assert len([row for row in contacts if row]) <= 20  # the top of the list; the rest: the CSV
    for row in defects.itertuples():
        kind = "report.defect." + re.sub(r"[^a-z0-9]+", "_", row.defect).strip("_")
        shown = row_starting(rows, row.file_name, row.column_name or "—", message(kind, code))
        assert shown[3:] == [
            row.delivered_value or "—",
            number(row.rows_affected, code, "#,##0"),
            number(row.customers_affected, code, "#,##0"),
            message(kind + ".handling", code),
        ]


def test_rendering_is_deterministic_but_for_the_generated_at_line(
    reports, technical, output_dir, cli_run
):
    _, _, published = cli_run
    for language in REPORT_LANGUAGES:
        # the marketers' page has no date: the same bytes
        now = (published / language.output).read_text(encoding="utf-8")
        assert now == reports[language.code]
        before, after = message("report.generated", language.code).split("{generated_at}")
        after = after.split("{warehouse}")[0]
        stamp = re.compile(re.escape(before) + r"[^<]*?" + re.escape(after))
        fixed = technical[language.code]
        assert before + GENERATED_AT + after in fixed
        now = (published / language.technical).read_text(encoding="utf-8")
        assert GENERATED_AT not in now and stamp.search(now)
        assert stamp.sub("", now) == stamp.sub("", fixed)
        # the contact lists have no date: the same bytes
        csv_now = (published / language.contact_list).read_bytes()
        assert csv_now == (output_dir / language.contact_list).read_bytes()


# ---------------------------------------------------------------------------------------------
# failures: a missing warehouse or table stops the report with a message naming it


def test_missing_warehouse_is_an_error(tmp_path, capsys):
    output = tmp_path / "out"
    assert main(["--warehouse", str(tmp_path / "nowhere.duckdb"), "--output-dir", str(output)]) == 1
    assert "warehouse not found" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize(
    "relation",
    [
        "reporting.rpt_feature_importance",
        "reporting.rpt_retention_targets",
        "reporting.rpt_data_defects",
        "reporting.rpt_contact_list",
        "reporting.rpt_site_personalisation_targets",
        "reporting.rpt_summary",
        "reporting.rpt_model_quality",
    ],
)
def test_missing_table_is_an_error_naming_it(warehouse, tmp_path, relation, capsys):
    broken = shutil.copyfile(warehouse, tmp_path / "broken.duckdb")
    with duckdb.connect(str(broken)) as con:
        con.execute(f"drop table {relation}")
    output = tmp_path / "out"
    with pytest.raises(WarehouseError, match=re.escape(f"table {relation}")):
        render(broken, output)
    assert main(["--warehouse", str(broken), "--output-dir", str(output)]) == 1
    error = capsys.readouterr().err
    assert f"table {relation}" in error and str(broken) in error
    assert not output.exists()


def test_a_warehouse_locked_by_a_writer_is_an_error_not_a_traceback(warehouse, tmp_path):
    locked = shutil.copyfile(warehouse, tmp_path / "locked.duckdb")
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]);"
         " print('open', flush=True); sys.stdin.read()", str(locked)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(WarehouseError, match="cannot open warehouse .*locked.duckdb"):
            render(locked, tmp_path / "out")
    finally:
        writer.communicate("", timeout=30)


def test_a_view_that_no_longer_binds_is_an_error_naming_it(warehouse, tmp_path):
    broken = shutil.copyfile(warehouse, tmp_path / "broken.duckdb")
    with duckdb.connect(str(broken)) as con:
        con.execute("create table main.counts as select * from reporting.rpt_layer_counts")
        con.execute("drop table reporting.rpt_layer_counts")
        con.execute("create view reporting.rpt_layer_counts as select * from main.counts")
        con.execute("drop table main.counts")
    with pytest.raises(WarehouseError, match="cannot read reporting.rpt_layer_counts"):
        render(broken, tmp_path / "out")


@pytest.mark.parametrize(
    "column",
    [
        "rpt_risk_bands.max_probability",
        "rpt_summary.contact_customers",
        "rpt_segment_recommendations.headline_en",
        "rpt_contact_list.reasons_ru",
    ],
)
def test_missing_column_is_an_error_naming_it(warehouse, tmp_path, column):
    broken = shutil.copyfile(warehouse, tmp_path / "broken.duckdb")
    table, name = column.split(".")
    with duckdb.connect(str(broken)) as con:
        con.execute(f"alter table reporting.{table} drop column {name}")
    with pytest.raises(WarehouseError, match=re.escape(f"column reporting.{column}")):
        render(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_draft_marks_the_parts_whose_tables_are_missing(warehouse, tmp_path):
    draft = shutil.copyfile(warehouse, tmp_path / "draft.duckdb")
    dropped = ("rpt_contact_list", "rpt_retention_targets", "rpt_feature_importance")
    with duckdb.connect(str(draft)) as con:
        for table in dropped:
            con.execute(f"drop table reporting.{table}")
    output = tmp_path / "draft"
    assert main(["--draft", "--warehouse", str(draft), "--output-dir", str(output)]) == 0
    # no contact list without rpt_contact_list
    assert sorted(p.name for p in output.iterdir()) == sorted(
        name for lg in REPORT_LANGUAGES for name in (lg.output, lg.technical)
    )
    for language in REPORT_LANGUAGES:
        code = language.code
        before, after = message("report.not_built", code).split("{missing}")
        pattern = '<p class="not-built">' + re.escape(before) + "(.*?)" + re.escape(after)
        html = (output / language.output).read_text(encoding="utf-8")
        page = parse(html)
        assert page.headings == [
            f"{i}. {message(f'report.section.{a}', code)}" for i, a in enumerate(SECTIONS, 1)
        ]
        # in the order of the page: the first screen, the contacts, the offers
        assert re.findall(pattern, html) == [
            f"table reporting.{table}"
            for table in ("rpt_contact_list", "rpt_retention_targets", "rpt_contact_list")
        ]
        assert (
            "contact-list-link" not in page.by_id and "summary-contact-customers" not in page.by_id
        )
        # the parts whose tables exist are all there: the groups (their grid is on the
        # technical page); no coverage curve without the list
        assert "recommendations" in page.tables and "site-targets" not in page.tables
        assert html.count(INLINE_PNG) == 0
        html = (output / language.technical).read_text(encoding="utf-8")
        assert re.findall(pattern, html) == ["table reporting.rpt_feature_importance"]
        # segments 3 (the grid among them), features 2, correlations 1, data 1; not the model's 6
        assert html.count(INLINE_PNG) == 7


# ---------------------------------------------------------------------------------------------
# the command line


def test_command_line_writes_the_reports_into_the_directory(cli_run):
    code, out, directory = cli_run
    assert code == 0
    assert f"report written to {directory}: {', '.join(REPORT_FILES)} in " in out
    assert sorted(p.name for p in directory.iterdir()) == sorted(REPORT_FILES)
    for language in REPORT_LANGUAGES:
        html = (directory / language.output).read_text(encoding="utf-8")
        assert f'<html lang="{language.code}">' in html and INLINE_PNG in html


def test_command_line_needs_an_output_directory(warehouse, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--warehouse", str(warehouse)])
    assert exit_.value.code == 2
    assert "--output-dir" in capsys.readouterr().err


def test_module_entry_point_fails_clearly(tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "one_click.report", "--warehouse", str(tmp_path / "none.duckdb"),
         "--output-dir", str(tmp_path / "none")],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert missing.returncode == 1
    assert "warehouse not found" in missing.stderr and "none.duckdb" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "none").exists()


# ---------------------------------------------------------------------------------------------
# every month renders: empty lists say so


@pytest.fixture(scope="module", params=VARIANTS)
def empty_month(request, tmp_path_factory) -> tuple[str, Path, Path]:
    """(variant, warehouse, output directory) of a synthetic month with an empty list."""
    directory = tmp_path_factory.mktemp(request.param)
    warehouse = build_report_warehouse(directory / "synthetic.duckdb", variant=request.param)
    with pytest.MonkeyPatch.context() as patch:
        # the pages' words and lists are what these tests read; the figures of an empty month:
        # test_report_plots.py
        stub_figures(patch)
        render(warehouse, directory / "out", generated_at=GENERATED_AT)
    return request.param, warehouse, directory / "out"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_month_renders_and_says_who_is_to_be_contacted(language, empty_month):
    variant, warehouse, output = empty_month
    code = language.code
    assert sorted(p.name for p in output.iterdir()) == sorted(REPORT_FILES)
    [summary, contacts, site, recommendations] = views(
        warehouse, "summary", "contact_list", "site_personalisation_targets",
        "segment_recommendations",
    )  # fmt: skip
    page = parse((output / language.output).read_text(encoding="utf-8"))
    nobody = message("report.nobody_to_contact", code)
    header, *rows = read_contact_list(output / language.contact_list, code)
    assert len(header) == len(csv_columns())
    if variant == "empty_segment":
        assert len(contacts) > 0 and "summary-nobody" not in page.by_id
        assert len(rows) == len(contacts)
        # the empty segment is not among the groups; the technical page lists it with nobody
        shown = [row[0] for row in page.tables["top-groups"] if row]
        assert segment_name(EMPTY_SEGMENT, code) not in shown
        html = (output / language.technical).read_text(encoding="utf-8")
        empty = row_starting(
            parse(html).tables["segment-summary"],
            message("report.family.targeted", code), segment_name(EMPTY_SEGMENT, code),
        )  # fmt: skip
        assert empty[2] == number(0, code, "#,##0")
        return
    assert contacts.empty and int(summary.iloc[0]["contact_customers"]) == 0
    why = {"no_consent": "report.nobody.no_consent", "no_risk": "report.nobody.no_risk"}[variant]
    assert page.by_id["summary-nobody"] == f"{nobody}: {message(why, code)}."
    assert page.by_id["contacts-nobody"] == f"{nobody}."
    assert "retention-targets" not in page.tables and "contact-list-link" not in page.by_id
    # the CSV: its headings, and the sentence in its first cell
    assert rows == [[nobody] + [""] * (len(header) - 1)]
    if variant == "no_consent":  # the site's list is all there is
        assert len(site) > 0
        assert [row[1] for row in page.tables["site-targets"] if row] == [
            str(c) for c in site["customer_id"]
        ]
    else:
        assert site.empty and "site-targets" not in page.tables
        assert page.by_id["site-nobody"] == message("report.contacts.site_nobody", code)
        assert (recommendations["targeted_customers"] == 0).all()
        assert page.by_id["groups-nobody"] == message("report.nobody.groups", code)


# ---------------------------------------------------------------------------------------------
# what to offer: rendered from the contact list's actions when it carries them


def test_what_to_offer_waits_for_the_actions_or_lists_them(reports):
    for code, html in reports.items():
        page = parse(html)
        if has_actions():
            assert "offers-pending" not in page.by_id and '<ul id="offers">' in html
        else:
            assert page.by_id["offers-pending"] == message("report.offers.pending", code)


def test_what_to_offer_lists_each_action_once_with_its_customers(warehouse, tmp_path, monkeypatch):
    with_actions = shutil.copyfile(warehouse, tmp_path / "actions.duckdb")
    actions = {
        "bonus": ("личные бонусы вместо скидок", "personal bonuses instead of discounts"),
        "basket": ("напоминание о корзине", "a basket reminder"),
    }
    with duckdb.connect(str(with_actions)) as con:
        for column in ("action_code", "action_ru", "action_en", "action_reason_ru"):
            con.execute(
                f"alter table reporting.rpt_contact_list add column if not exists {column} varchar"
            )
        con.execute(
            "update reporting.rpt_contact_list set action_code = "
            "case when priority_rank % 3 = 0 then 'basket' else 'bonus' end"
        )
        for code, (ru, en) in actions.items():
            con.execute(
                "update reporting.rpt_contact_list set action_ru = ?, action_en = ?, "
                "action_reason_ru = 'причина ' || action_code where action_code = ?",
                [ru, en, code],
            )
        listed = con.execute(
            "select action_code, count(*), sum(profit_at_risk) from reporting.rpt_contact_list "
            "group by all order by 3 desc"
        ).fetchall()
    added = ("action_code", "action_ru", "action_en", "action_reason_ru")
    columns = {
        **data.relations(),
        "contact_list": tuple(dict.fromkeys((*data.relations()["contact_list"], *added))),
    }
    monkeypatch.setattr(data, "relations", lambda project=None: columns)
    stub_figures(monkeypatch)
    render(with_actions, tmp_path / "out", generated_at=GENERATED_AT)
    for language in REPORT_LANGUAGES:
        code = language.code
        html = (tmp_path / "out" / language.output).read_text(encoding="utf-8")
        items = re.findall(r"<li><strong>(.*?)</strong> — (.*?)</li>", html)
        assert [words for words, _ in items] == [
            actions[action][0 if code == "ru" else 1] for action, _, _ in listed
        ]
        for (_, text), (action, customers, profit) in zip(items, listed, strict=True):
            assert text.startswith(plural("report.customers", customers, code) + ", ")
            assert number(profit, code) in text
            assert (f"причина {action}" in text) == (code == "ru")
        header, *rows = read_contact_list(tmp_path / "out" / language.contact_list, code)
        assert message("report.csv.action", code) in header
        assert {row[header.index(message("report.csv.action", code))] for row in rows} == {
            words[0 if code == "ru" else 1] for words in actions.values()
        }


# ---------------------------------------------------------------------------------------------
# what worked: this month's control group, the earlier campaigns' measured effect, realized
# accuracy


def _section(html: str, anchor: str) -> str:
    """The visible text of one section of a page (from its heading to the next)."""
    start = html.index(f'<h2 id="{anchor}">')
    end = html.find("<h2 ", start + 1)
    return _visible_text(html[start : end if end > 0 else None])


def _points(value, code: str) -> str:
    return number(float(value) * 100, code)


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_worked_states_the_control_group_and_what_it_detects(language, reports, warehouse):
    code = language.code
    [design] = views(warehouse, "campaign_design")
    row = design.iloc[0]
    text = _section(reports[code], "worked")
    expected = message(
        "report.worked.design",
        code,
        contacted=plural("report.customers", int(row["contacted_customers"]), code),
        control=plural("report.customers", int(row["control_customers"]), code),
        mde=_points(row["minimal_detectable_effect"], code),
        months=plural("months", 3, code),
    )
    assert " ".join(expected.split()) in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_worked_shows_the_measured_effect_with_its_interval(language, reports, warehouse):
    code = language.code
    [results] = views(warehouse, "campaign_results")
    final = results[(results["outcome_read"] == "final") & (results["group_level"] != "segment")]
    rows = [row for row in parse(reports[code]).tables["worked-results"] if row]
    assert len(rows) == len(final)
    unclear = message("report.worked.unclear", code)
    for row, (_, result) in zip(rows, final.iterrows(), strict=True):
        assert row[1:3] == [
            number(result["contacted_customers"], code, "#,##0"),
            number(result["control_customers"], code, "#,##0"),
        ]
        if result["is_informative"]:
            assert row[5] == message(
                "report.worked.interval",
                code,
                difference=_points(result["difference"], code),
                low=_points(result["difference_low"], code),
                high=_points(result["difference_high"], code),
            )
            assert row[6].startswith(number(result["profit_kept"], code))
        else:
            assert row[5] == row[6] == unclear
    # the whole campaign first, then the actions in words, never their codes
    assert rows[0][0] == message("report.worked.whole", code)
    assert not any("_" in row[0] for row in rows)
    assert message("report.col.profit_kept_measured", code) in reports[code]


@pytest.fixture(scope="module")
def no_outcome(tmp_path_factory) -> Path:
    """The output directory of the pages of a month before any campaign's outcome arrived."""
    directory = tmp_path_factory.mktemp("no_outcome")
    warehouse = build_report_warehouse(directory / "synthetic.duckdb", outcomes=False)
    with pytest.MonkeyPatch.context() as patch:
        stub_figures(patch)  # what these tests read is the pages' words
        render(warehouse, directory / "out", generated_at=GENERATED_AT)
    return directory / "out"


@pytest.mark.parametrize("language", LANGUAGES)
def test_before_any_outcome_what_worked_says_so_plainly(language, no_outcome):
    code = language.code
    html = (no_outcome / language.output).read_text(encoding="utf-8")
    text = _section(html, "worked")
    assert message("report.worked.none", code, months=plural("months", 3, code)) in text
    assert 'id="worked-results"' not in html
    assert 'id="worked-design"' in html
    technical_html = (no_outcome / language.technical).read_text(encoding="utf-8")
    assert 'id="realized-none"' in technical_html
    assert 'id="realized-warning"' not in technical_html


@pytest.mark.parametrize("language", LANGUAGES)
def test_realized_accuracy_below_the_bar_warns_on_the_technical_page(
    language, technical, warehouse
):
    code = language.code
    [performance] = views(warehouse, "realized_performance")
    assert bool(performance["below_quality_bar"].iloc[0])
    html = technical[code]
    assert message("report.realized.warning", code) in html
    assert number(performance["roc_auc"].iloc[0], code, "0.000") in _visible_text(html)
    assert 'id="realized-calibration"' in html


# ---------------------------------------------------------------------------------------------
# the quality gate and the statistics the month's labels cannot support


# the synthetic model's training month (synthetic_warehouse.PREVIOUS_MONTH) as people name it
TRAINING_MONTH_NAMES = {"ru": "октябрь 2026", "en": "October 2026"}


def _changed(warehouse: Path, target: Path, *statements: str, **values) -> Path:
    """A copy of the synthetic warehouse at `target` with `statements` run on it."""
    changed = shutil.copyfile(warehouse, target)
    with duckdb.connect(str(changed)) as con:
        for statement in statements:
            con.execute(statement, values or None)
    return changed


def _pages(warehouse: Path, directory: Path, monkeypatch) -> dict[str, tuple[str, str]]:
    """Language code -> (marketers' page, technical page) rendered from `warehouse`."""
    stub_figures(monkeypatch)
    render(warehouse, directory, generated_at=GENERATED_AT)
    return {
        lg.code: tuple(
            (directory / name).read_text(encoding="utf-8") for name in (lg.output, lg.technical)
        )
        for lg in REPORT_LANGUAGES
    }


def _plain(text: str) -> str:
    return " ".join(text.split())


def test_a_month_the_gate_kept_the_earlier_model_says_so_on_both_pages(
    warehouse, tmp_path, monkeypatch
):
    from one_click.ml import gate

    bar = float(setting("min_selected_roc_auc"))
    decision = gate.judge(bar - 0.06, bar - 0.08, bar - 0.04, bar, kept_model=True)
    assert decision.decision == gate.KEEP_KEPT_MODEL
    kept = _changed(
        warehouse,
        tmp_path / "kept.duckdb",
        "update reporting.rpt_summary set quality_gate_note = $note, "
        "model_trained_in_this_build = false",
        note=decision.message,
    )
    pages = _pages(kept, tmp_path / "out", monkeypatch)
    for code, (report, technical_page) in pages.items():
        plain = message(
            "report.gate.keep_kept_model", code, training_month=TRAINING_MONTH_NAMES[code]
        )
        marketers = parse(report)
        # on the first screen, in plain words: no code name, no English note
        assert marketers.by_id["quality-gate"] == _plain(plain)
        assert report.index('id="quality-gate"') < report.index('id="summary-contact-customers"')
        assert decision.message not in _visible_text(report)
        # the technical page: the same words, and what the refresh said
        technical_page = parse(technical_page)
        said = message(
            "report.gate.technical", code, bar=number(bar, code, "0.000"), note=decision.message
        )
        assert technical_page.by_id["quality-gate-note"] == _plain(said)
        assert technical_page.by_id["quality-gate"].startswith(_plain(plain))
    russian = _visible_text(pages["ru"][0]).replace(INJECTED, "")
    assert _latin_words(russian) - LATIN_ALLOWED == set()


@pytest.mark.parametrize(
    ("estimate", "lower", "upper", "key"),
    [
        # the estimate below the bar, the interval reaching it: published with a warning
        (-0.005, -0.02, 0.01, "report.gate.publish_below_bar"),
        # the whole interval below and no kept model: published anyway, loudly
        (-0.06, -0.08, -0.04, "report.gate.publish_first_below_bar"),
        # passed: nothing to say
        (0.01, -0.005, 0.025, None),
    ],
)
def test_a_new_model_below_the_bar_is_said_so(
    warehouse, tmp_path, monkeypatch, estimate, lower, upper, key
):
    bar = float(setting("min_selected_roc_auc"))
    trained = _changed(
        warehouse,
        tmp_path / "trained.duckdb",
        "update reporting.rpt_summary set model_trained_in_this_build = true, "
        "selected_oof_roc_auc = $estimate, selected_oof_roc_auc_lower = $lower, "
        "selected_oof_roc_auc_upper = $upper",
        estimate=bar + estimate,
        lower=bar + lower,
        upper=bar + upper,
    )
    for code, (report, technical_page) in _pages(trained, tmp_path / "out", monkeypatch).items():
        if key is None:
            assert 'id="quality-gate"' not in report + technical_page
            continue
        assert parse(report).by_id["quality-gate"] == _plain(message(key, code))
        assert parse(technical_page).by_id["quality-gate"].startswith(_plain(message(key, code)))
        assert "WARNING" in parse(technical_page).by_id["quality-gate-note"]


def test_a_model_the_gate_passed_or_did_not_judge_is_not_warned_about(reports, technical):
    # the synthetic month is scored by the kept model (make score): the gate did not judge it
    for html in (*reports.values(), *technical.values()):
        assert 'id="quality-gate"' not in html


def test_skipped_permutation_importance_is_said_not_shown_empty(warehouse, tmp_path, monkeypatch):
    note = (
        "skipped: all 40 customers of this month have the same label (declined); it needs both "
        "classes"
    )
    skipped = _changed(
        warehouse,
        tmp_path / "skipped.duckdb",
        "update reporting.rpt_feature_importance set permutation_importance_mean = null, "
        "permutation_importance_std = null, permutation_rank = null, permutation_note = $note",
        note=note,
    )
    for code, (_, technical_page) in _pages(skipped, tmp_path / "out", monkeypatch).items():
        page = parse(technical_page)
        assert page.by_id["permutation-skipped"] == _plain(
            message("report.model.permutation_skipped", code, note=note)
        )
        rows = [row for row in page.tables["feature-importance"] if row]
        assert len(rows) == len(views(skipped, "feature_importance")[0])
        assert {len(row) for row in rows} == {3}  # rank, feature, mean |SHAP|: no empty columns
        assert not any("—" in cell for row in rows for cell in row)
        table = technical_page[technical_page.index('id="feature-importance"') :]
        table = table[: table.index("</table>")]
        for title in ("report.col.permutation", "report.col.permutation_rank"):
            assert message(title, code) not in table


def test_permutation_importance_is_shown_when_the_labels_support_it(technical):
    for code, html in technical.items():
        page = parse(html)
        assert "permutation-skipped" not in page.by_id
        rows = [row for row in page.tables["feature-importance"] if row]
        assert {len(row) for row in rows} == {6}
        assert message("report.col.permutation", code) in html


def test_the_importance_figure_draws_shap_alone_when_permutation_was_skipped(warehouse):
    [importance] = views(warehouse, "feature_importance")
    importance[["permutation_importance_mean", "permutation_importance_std"]] = float("nan")
    tr = Translator.of("ru")
    alone = plots.feature_importance(importance, permutation=False, tr=tr)
    both = plots.feature_importance(views(warehouse, "feature_importance")[0], tr=tr)
    assert alone.startswith("data:image/png;base64,")
    # half as wide: one panel, not two side by side
    width = {
        name: int.from_bytes(base64.b64decode(uri.split(",", 1)[1])[16:20], "big")
        for name, uri in (("alone", alone), ("both", both))
    }
    assert width["alone"] < 0.7 * width["both"]


# ---------------------------------------------------------------------------------------------
# what worked, over every published month


def test_what_worked_shows_every_earlier_campaigns_latest_reads(warehouse, tmp_path, monkeypatch):
    [results] = views(warehouse, "campaign_results")
    final = results[(results["outcome_read"] == "final") & (results["group_level"] == "all")]
    latest = final["campaign_month"].max()
    whole = final.iloc[0]
    # two earlier campaigns read in earlier months (their final read), the first informative; an
    # early read of a campaign whose final read has arrived (not shown again); a newer early read
    columns = ", ".join(results.columns)
    insert = (
        f"insert into reporting.rpt_campaign_results ({columns}) select {columns} from incoming"
    )
    earlier = pd.DataFrame(
        [
            {**whole, "campaign_month": "2026-05", "outcome_month": "2026-08"},
            {
                **whole,
                "campaign_month": "2026-04",
                "outcome_month": "2026-07",
                "contacted_customers": 111,
                "is_informative": False,
            },
        ]
    )
    early = results[results["outcome_read"] == "early"].iloc[0]
    early_rows = pd.DataFrame(
        [
            {**early, "campaign_month": latest, "outcome_month": "2026-09"},
            {**early, "campaign_month": "2026-11", "outcome_month": "2026-12", "difference": 7.5},
        ]
    )
    changed = shutil.copyfile(warehouse, tmp_path / "months.duckdb")
    with duckdb.connect(str(changed)) as con:
        for frame in (earlier, early_rows):
            con.register("incoming", frame)
            con.execute(insert)
            con.unregister("incoming")
    for code, (report, _) in _pages(changed, tmp_path / "out", monkeypatch).items():
        page = parse(report)
        tr = Translator.of(code)
        # the newest final read in detail, as before
        assert page.by_id["worked-intro"] == _plain(
            message("report.worked.results_intro", code, month=tr.month(latest))
        )
        # the earlier campaigns, newest first, one line each
        rows = [row for row in page.tables["worked-earlier"] if row]
        assert [row[0] for row in rows] == [tr.month("2026-05"), tr.month("2026-04")]
        assert rows[0][1] == number(whole["contacted_customers"], code, "#,##0")
        assert rows[1][1] == number(111, code, "#,##0")
        assert rows[0][5].startswith(_points(whole["difference"], code))
        assert rows[1][5] == rows[1][6] == message("report.worked.unclear", code)
        # the first signs of the campaigns still waiting for their final read, newest first
        early_ids = re.findall(r'id="(worked-early-[0-9-]+)"', report)
        expected = sorted(
            set(results.loc[results["outcome_read"] == "early", "campaign_month"]) | {"2026-11"},
            reverse=True,
        )
        assert early_ids == [f"worked-early-{month}" for month in expected]
        assert f"worked-early-{latest}" not in report
        assert number(7.5, code) in page.by_id["worked-early-2026-11"]


def test_one_campaign_alone_shows_no_earlier_campaigns(reports):
    for html in reports.values():
        assert 'id="worked-results"' in html
        assert 'id="worked-earlier"' not in html
