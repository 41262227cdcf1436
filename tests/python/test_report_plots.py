"""The report's figures in Russian and in English (one_click/report/plots.py).

Every drawing function draws from small frames (synthetic_warehouse.frames) in both languages
and returns a PNG data URI; its words are the messages of one_click/messages/plots.yml and
models.yml, its names come from labels.yml, its numbers are written as the language writes
them; a missing message or a name without a label raises KeyError naming it. The keys of
plots.yml and the keys plots.py looks up are the same set.
"""

from __future__ import annotations

import ast
import base64
import inspect
import re
import struct
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure
from synthetic_warehouse import VARIANTS
from synthetic_warehouse import frames as synthetic_frames

from one_click import i18n
from one_click.i18n import MESSAGES_DIR, Translator
from one_click.labels import LANGUAGES
from one_click.ml.candidates import FAMILIES
from one_click.ml.features import TARGET
from one_click.project import setting
from one_click.report import plots
from one_click.report.render import feature_columns

PLOTS_SOURCE = Path(plots.__file__)
PNG_PREFIX = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LETTERS = re.compile(r"[^\W\d_]")
PLURAL_FORMS = {"ru": {"one", "few", "many"}, "en": {"one", "other"}}


# ---------------------------------------------------------------------------------------------
# small frames and every figure drawn from them


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return synthetic_frames(seed=3, customers=60)


def _feature_columns(features: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The model's features, numeric and categorical, as the report splits them
    (render.feature_columns); six of the numeric ones, to keep the figures small."""
    numeric, categorical = feature_columns(features)
    return numeric[:6], categorical


def _selected(frames) -> str:
    board = frames["model_leaderboard"]
    return str(board.loc[board["is_selected"].astype(bool), "model_family"].iloc[0])


def _order(frames) -> list[str]:
    importance = frames["feature_importance"]
    return list(importance.sort_values(["shap_rank", "feature"])["feature"])


def _targeted(frames) -> list[str]:
    """The synthetic targeted segments that var targeted_segments names."""
    summary = frames["segment_summary"]
    names = summary.loc[summary["segment_family"] == "targeted", "segment_name"]
    named = [name for name in names if name in setting("targeted_segments")]
    assert len(named) >= 2, f"too few synthetic segments are in var targeted_segments: {named}"
    return named


def _summary(frames) -> pd.DataFrame:
    summary = frames["segment_summary"]
    return summary[summary["segment_name"].isin(_targeted(frames))]


def _profiles(frames) -> pd.DataFrame:
    profiles = frames["segment_profiles"]
    targeted = profiles["segment_family"] == "targeted"
    return profiles[targeted & profiles["segment_name"].isin(_targeted(frames))]


def _correlations(frames) -> pd.DataFrame:
    features = frames["customer_features"]
    numeric, _ = _feature_columns(features)
    return features[[*numeric, TARGET]].astype(float).corr(method="spearman")


def _brier(frames) -> dict[str, float]:
    board = frames["model_leaderboard"]
    return dict(zip(board["model_family"], board["oof_brier_score"], strict=True))


# figure -> how it is drawn from the frames in the language of tr
FIGURES = {
    "layer_row_counts": lambda f, tr: plots.layer_row_counts(f["layer_counts"], tr=tr),
    "numeric_by_target": lambda f, tr: plots.numeric_by_target(
        f["customer_features"], _feature_columns(f["customer_features"])[0], TARGET, tr=tr
    ),
    "category_declined_share": lambda f, tr: plots.category_declined_share(
        f["customer_features"], _feature_columns(f["customer_features"])[1], TARGET, tr=tr
    ),
    "correlation_heatmap": lambda f, tr: plots.correlation_heatmap(_correlations(f), tr=tr),
    "roc_curves": lambda f, tr: plots.roc_curves(f["candidate_predictions"], _selected(f), tr=tr),
    "reliability_diagram": lambda f, tr: plots.reliability_diagram(
        f["model_calibration"], _brier(f), _selected(f), tr=tr
    ),
    "feature_importance": lambda f, tr: plots.feature_importance(f["feature_importance"], tr=tr),
    "shap_beeswarm": lambda f, tr: plots.shap_beeswarm(f["shap_values"], _order(f), tr=tr),
    "shap_dependence": lambda f, tr: plots.shap_dependence(f["shap_values"], _order(f)[:3], tr=tr),
    "probability_by_band": lambda f, tr: plots.probability_by_band(
        f["probability_histogram"], f["risk_bands"], tr=tr
    ),
    "risk_profit_heatmap": lambda f, tr: plots.risk_profit_heatmap(
        f["risk_profit_matrix"], 3, tr=tr
    ),
    "segment_overview": lambda f, tr: plots.segment_overview(_summary(f), 3, tr=tr),
    "segment_profiles": lambda f, tr: plots.segment_profiles(_profiles(f), _targeted(f), tr=tr),
    "retention_curve": lambda f, tr: plots.retention_curve(f["retention_curve"], tr=tr),
}


def _public_drawing_functions() -> list[str]:
    """The functions of plots.py that return a figure (a data URI) and take `tr`."""
    return sorted(
        name
        for name, function in inspect.getmembers(plots, inspect.isfunction)
        if function.__module__ == plots.__name__
        and not name.startswith("_")
        and "tr" in inspect.signature(function).parameters
        and name not in {"family_name", "column_name"}
    )


@pytest.fixture
def drawn(monkeypatch) -> list[Figure]:
    """The figures plots.py turns into data URIs, kept to read their texts."""
    kept: list[Figure] = []
    original = plots.to_data_uri

    def keep(fig: Figure) -> str:
        uri = original(fig)  # draws the figure: its tick labels are set from here on
        kept.append(fig)
        return uri

    monkeypatch.setattr(plots, "to_data_uri", keep)
    return kept


def _png_size(uri: str) -> tuple[int, int]:
    assert uri.startswith(PNG_PREFIX), uri[:40]
    data = base64.b64decode(uri.removeprefix(PNG_PREFIX), validate=True)
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _labels(fig: Figure) -> list[str]:
    """Every text of a figure that is a word of the report: titles, axis and colorbar labels,
    legends, annotations (not tick labels: those may be the shop's delivered values)."""
    texts = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return [t for t in texts if t.strip()]


def _ticks(fig: Figure) -> list[str]:
    return [
        t.get_text()
        for ax in fig.axes
        for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]
        if t.get_text().strip()
    ]


# ---------------------------------------------------------------------------------------------
# every figure in both languages


def test_every_drawing_function_is_tested_and_requires_tr():
    assert sorted(FIGURES) == _public_drawing_functions()
    for name in FIGURES:
        parameter = inspect.signature(getattr(plots, name)).parameters["tr"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameter.default is inspect.Parameter.empty, name


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_every_figure_is_a_png_in_its_language(figure, language, frames, drawn):
    uri = FIGURES[figure](frames, Translator.of(language))
    width, height = _png_size(uri)
    assert width > 100 and height > 100
    [fig] = drawn
    labels, ticks = _labels(fig), _ticks(fig)
    assert labels, f"{figure} has no title or label"
    worded = [text for text in labels if LETTERS.search(text)]
    if language == "ru":
        # every word in Russian; a decimal comma, never a decimal point
        assert [t for t in worded if not CYRILLIC.search(t)] == []
        assert [t for t in labels + ticks if re.search(r"\d\.\d", t)] == []
    else:
        # no Russian word (delivered values appear only as tick labels); a decimal point
        assert [t for t in worded if CYRILLIC.search(t)] == []
        assert [t for t in labels + ticks if re.search(r"\d,\d{1,2}(?!\d)", t)] == []


def test_numbers_follow_the_locale(frames, drawn):
    """The layer counts print their row counts grouped as the language groups thousands."""
    counts = frames["layer_counts"].assign(row_count=lambda f: f["row_count"] * 100 + 7)
    for code in ("ru", "en"):
        tr = Translator.of(code)
        plots.layer_row_counts(counts, tr=tr)
        written = {t.strip() for t in _labels(drawn[-1])}
        assert {tr.number(n, "int") for n in counts["row_count"]} <= written
    ru, en = (Translator.of(code).number(1983.6) for code in ("ru", "en"))
    assert ru != en


# ---------------------------------------------------------------------------------------------
# what is missing fails


class _Recording(Translator):
    """A Translator that remembers every message key it is asked for."""

    def __init__(self, language) -> None:
        super().__init__(language)
        self.keys: list[str] = []

    def t(self, key: str, **values) -> str:
        self.keys.append(key)
        return super().t(key, **values)

    def plural(self, key: str, count, **values) -> str:
        self.keys.append(key)
        return super().plural(key, count, **values)


@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_a_missing_message_fails(figure, frames, monkeypatch):
    recording = _Recording(Translator.of("en").language)
    FIGURES[figure](frames, recording)
    assert recording.keys, f"{figure} looked up no message"
    for key in dict.fromkeys(recording.keys):
        trimmed = {k: v for k, v in i18n.messages().items() if k != key}
        monkeypatch.setattr(i18n, "messages", lambda trimmed=trimmed: trimmed)
        with pytest.raises(KeyError, match=re.escape(repr(key))):
            FIGURES[figure](frames, Translator.of("ru"))
        monkeypatch.undo()


def _with_unlabelled(frames, name: str) -> dict[str, pd.DataFrame]:
    """The frames with a feature `name` that labels.yml does not know, in every frame that
    lists features."""
    changed = dict(frames)
    features = frames["customer_features"]
    changed["customer_features"] = features.assign(**{name: features["tenure_days"] + 1})
    for frame, column in [
        ("feature_importance", "feature"),
        ("shap_values", "feature"),
        ("segment_profiles", "feature"),
    ]:
        first = frames[frame][column].iloc[0]
        changed[frame] = frames[frame].replace({column: {first: name}})
    return changed


UNLABELLED = "column_without_label"
FEATURE_FIGURES = {
    "numeric_by_target": lambda f, tr: plots.numeric_by_target(
        f["customer_features"], [UNLABELLED], TARGET, tr=tr
    ),
    "category_declined_share": lambda f, tr: plots.category_declined_share(
        f["customer_features"], [UNLABELLED], TARGET, tr=tr
    ),
    "correlation_heatmap": lambda f, tr: plots.correlation_heatmap(
        f["customer_features"][[UNLABELLED, TARGET]].astype(float).corr(), tr=tr
    ),
    "feature_importance": FIGURES["feature_importance"],
    "shap_beeswarm": FIGURES["shap_beeswarm"],
    "shap_dependence": lambda f, tr: plots.shap_dependence(f["shap_values"], [UNLABELLED], tr=tr),
    "segment_profiles": FIGURES["segment_profiles"],
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("figure", sorted(FEATURE_FIGURES))
def test_a_feature_without_a_label_fails(figure, language, frames):
    changed = _with_unlabelled(frames, UNLABELLED)
    with pytest.raises(KeyError, match=UNLABELLED):
        FEATURE_FIGURES[figure](changed, Translator.of(language))


def test_an_unknown_segment_band_or_family_fails(frames):
    tr = Translator.of("ru")
    summary = _summary(frames).assign(segment_name="no_such_segment")
    with pytest.raises(KeyError, match="no_such_segment"):
        plots.segment_overview(summary, 3, tr=tr)
    with pytest.raises(KeyError, match="no_such_segment"):
        plots.segment_profiles(_profiles(frames), ["no_such_segment"], tr=tr)
    predictions = frames["candidate_predictions"].replace({"model_family": {"knn": "no_family"}})
    with pytest.raises(KeyError, match="model.family.no_family"):
        plots.roc_curves(predictions, _selected(frames), tr=tr)
    bands = frames["risk_bands"].replace({"risk_band": {"medium": "no_band"}})
    histogram = frames["probability_histogram"].replace({"risk_band": {"medium": "no_band"}})
    with pytest.raises(KeyError, match="no_band"):
        plots.probability_by_band(histogram, bands, tr=tr)


# ---------------------------------------------------------------------------------------------
# the messages


def _message_file(name: str) -> dict:
    return yaml.safe_load((MESSAGES_DIR / name).read_text(encoding="utf-8"))


def _string_literals(source: str) -> tuple[set[str], list[str]]:
    """The string constants of a module, and the f-strings that begin like a plots. key."""
    constants, formatted = set(), []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            constants.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and str(head.value).startswith("plots."):
                formatted.append(ast.unparse(node))
    return constants, formatted


def test_every_plots_message_is_used_and_every_used_one_exists():
    defined = set(_message_file("plots.yml"))
    constants, formatted = _string_literals(PLOTS_SOURCE.read_text(encoding="utf-8"))
    used = {c for c in constants if re.fullmatch(r"plots\.[a-z_]+(\.[a-z_]+)*", c)}
    assert formatted == [], "a key built at run time cannot be checked: spell it out"
    assert sorted(used - defined) == [], "looked up but not in plots.yml"
    assert sorted(defined - used) == [], "in plots.yml but never looked up"


def test_plots_messages_are_complete_in_both_languages():
    for key, entry in _message_file("plots.yml").items():
        assert key.startswith("plots."), key
        assert set(entry) == set(LANGUAGES), key
        placeholders = {}
        for language in LANGUAGES:
            text = entry[language]
            if isinstance(text, dict):
                assert set(text) == PLURAL_FORMS[language], (key, language)
                forms = list(text.values())
                assert all("{count}" in form for form in forms), (key, language)
            else:
                forms = [text]
            for form in forms:
                assert isinstance(form, str) and form.strip(), (key, language)
                # Russian words in Russian (names and acronyms aside), none in English
                words = re.sub(r"\{\w+\}|\b(?:AUC|SHAP|ROC)\b", "", form)
                if language == "ru":
                    assert CYRILLIC.search(form) or not LETTERS.search(words), (key, form)
                else:
                    assert not CYRILLIC.search(form), (key, form)
            placeholders[language] = sorted(
                {name for form in forms for name in re.findall(r"\{(\w+)\}", form)}
            )
        assert placeholders["ru"] == placeholders["en"], key


def test_every_model_family_has_a_name():
    models = _message_file("models.yml")
    assert sorted(models) == sorted(f"model.family.{family}" for family in FAMILIES)
    for family in FAMILIES:
        names = {code: plots.family_name(Translator.of(code), family) for code in LANGUAGES}
        assert CYRILLIC.search(names["ru"]) and not CYRILLIC.search(names["en"]), names


def test_the_target_is_named_and_features_by_their_labels():
    for code in LANGUAGES:
        tr = Translator.of(code)
        assert plots.column_name(tr, TARGET) == tr.t("plots.target")
        assert plots.column_name(tr, "tenure_days") == tr.feature("tenure_days")
        with pytest.raises(KeyError, match=UNLABELLED):
            plots.column_name(tr, UNLABELLED)


# ---------------------------------------------------------------------------------------------
# every figure's labels and legend match its data


def _axis_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels() if t.get_text()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_category_chart_labels_each_bar_by_its_own_value(language, frames, drawn):
    """The consent chart's two bars read «разрешает…» and «не разрешает…», as their values are
    (they once both read «не разрешает»); every category chart names exactly its values."""
    tr = Translator.of(language)
    features = frames["customer_features"]
    _, categorical = _feature_columns(features)
    assert "allow_offers" in categorical
    plots.category_declined_share(features, categorical, TARGET, tr=tr)
    [fig] = drawn
    for ax, column in zip(fig.axes, categorical, strict=True):
        expected = {tr.value(column, value) for value in features[column].astype(str).unique()}
        shown = _axis_labels(ax)
        assert len(shown) == len(set(shown)) == len(expected), (column, shown)
        assert set(shown) == expected, column
    consent = _axis_labels(fig.axes[categorical.index("allow_offers")])
    assert sorted(consent) == sorted(tr.value("allow_offers", flag) for flag in (True, False))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_grid_and_the_segments_name_what_they_draw(language, frames, drawn):
    tr = Translator.of(language)
    matrix = frames["risk_profit_matrix"]
    plots.risk_profit_heatmap(matrix, 3, tr=tr)
    summary = _summary(frames)
    plots.segment_overview(summary, 3, tr=tr)
    grid, overview = drawn
    for ax in grid.axes[:2]:
        assert set(_axis_labels(ax)) == {tr.band(b) for b in matrix["risk_band"].unique()}
        shown = {t.get_text().replace("\n", " ") for t in ax.get_xticklabels()}
        assert shown == {tr.level(level) for level in matrix["profit_level"].unique()}
    names = {label.replace("\n", " ") for label in _axis_labels(overview.axes[0])}
    assert names == {tr.segment(name) for name in summary["segment_name"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_legends_name_what_is_drawn(language, frames, drawn):
    tr = Translator.of(language)
    counts = frames["layer_counts"]
    plots.layer_row_counts(counts, tr=tr)
    plots.retention_curve(frames["retention_curve"], tr=tr)
    layers, curve = drawn
    legend = [t.get_text() for t in layers.axes[0].get_legend().get_texts()]
    assert legend == [
        tr.t(plots.LAYER_NAMES[layer])
        for layer in plots.LAYER_COLOURS
        if layer in set(counts["layer"])
    ]
    assert [t.get_text() for t in curve.axes[0].get_legend().get_texts()] == [
        tr.t("plots.retention.random")
    ]


# ---------------------------------------------------------------------------------------------
# an empty month: the figures of the lists draw with no row


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_contact_list_draws_a_curve_that_says_so(language, frames, drawn):
    tr = Translator.of(language)
    uri = plots.retention_curve(frames["retention_curve"].iloc[0:0], tr=tr)
    assert _png_size(uri)[0] > 0
    [fig] = drawn
    assert tr.t("plots.retention.empty") in _labels(fig)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("figure", ["retention_curve", "risk_profit_heatmap", "segment_overview",
                                    "segment_profiles"])  # fmt: skip
def test_the_figures_of_the_lists_draw_every_empty_month(figure, variant):
    made_up = synthetic_frames(seed=3, customers=60, variant=variant)
    for language in LANGUAGES:
        assert _png_size(FIGURES[figure](made_up, Translator.of(language)))[0] > 0
