"""The report's figures: matplotlib on the Agg canvas, each returned as a PNG data URI.

Figures are `matplotlib.figure.Figure`s drawn on the Agg canvas directly rather than through
pyplot, so no global state or GUI backend is involved. Nothing here is random: the beeswarm
spreads its points by a fixed rule.

Every figure is drawn in one language, the `tr` (one_click.i18n.Translator) it is given: its
texts are the messages of one_click/messages/plots.yml, the names of features, segments, bands,
levels and model families come from tr (labels.yml, var targeted_segments, messages/models.yml),
and every number, the ticks of the axes too, is written as the language writes it (1 983,6 in
Russian, 1,983.6 in English). A name without a label or a missing message raises KeyError
rather than print a column name. DejaVu Sans (matplotlib's default font) has Cyrillic, so the
shop's delivered values (categories, tiers) print as they are.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from babel.numbers import format_decimal, format_percent
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter
from sklearn.metrics import roc_auc_score, roc_curve

from one_click.i18n import Translator
from one_click.labels import labels
from one_click.ml.features import TARGET
from one_click.project import risk_bands

DPI = 100
DECLINED_COLOUR = "#c8553d"
KEPT_COLOUR = "#2f6690"
NEUTRAL_COLOUR = "#8d99ae"
LAYER_COLOURS = {
    "raw": "#8d99ae",
    "staging": "#3a7ca5",
    "mart": "#2f6690",
}
# layer -> the message naming it in the legend
LAYER_NAMES = {
    "raw": "plots.layers.raw",
    "staging": "plots.layers.staging",
    "mart": "plots.layers.mart",
}
# risk bands, lowest first, by how many bands there are
BAND_COLOURS = {
    2: [KEPT_COLOUR, DECLINED_COLOUR],
    3: ["#7fa99b", "#e9b44c", DECLINED_COLOUR],
}
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "svg.hashsalt": "one_click",
}


def family_name(tr: Translator, family: str) -> str:
    """A model family (one_click/ml/candidates.py) as messages/models.yml names it."""
    return tr.t(f"model.family.{family}")


def column_name(tr: Translator, column: str) -> str:
    """A column of customers.customer_features: the target by its message, every other one by
    its feature label (KeyError naming the column if labels.yml has none)."""
    return tr.t("plots.target") if column == TARGET else tr.feature(column)


def _wrap(text: str, width: int) -> str:
    """A long name over several lines of at most `width` characters (words kept whole)."""
    return textwrap.fill(str(text), width, break_long_words=False, break_on_hyphens=False)


def _decimals(values: Sequence[float], most: int = 6) -> int:
    """The fewest decimals that write every tick value exactly (0.25 needs 2, 1000 none)."""
    for digits in range(most + 1):
        scaled = np.asarray(values, dtype=float) * 10**digits
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6 * np.maximum(1, np.abs(scaled))):
            return digits
    return most


class _Numbers(Formatter):
    """Tick labels written as `tr`'s language writes numbers (or shares, `percent`), with as
    many decimals as the ticks need."""

    KINDS = {0: "int", 1: "number", 2: "number2", 3: "number3"}

    def __init__(self, tr: Translator, percent: bool = False) -> None:
        self.tr = tr
        self.percent = percent

    def format_ticks(self, values):
        self.set_locs(values)
        return [self(value, i) for i, value in enumerate(values)]

    def __call__(self, value, pos=None) -> str:
        shown = [v for v in (self.locs if len(self.locs) else [value]) if np.isfinite(v)]
        digits = _decimals([100 * v for v in shown] if self.percent else shown)
        value = 0.0 if round(float(value), digits + (2 if self.percent else 0)) == 0 else value
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        if self.percent:
            return format_percent(value, format=pattern + "%", locale=self.tr.locale)
        if digits in self.KINDS:
            return self.tr.number(value, self.KINDS[digits])
        return format_decimal(value, format=pattern, locale=self.tr.locale)


def _numbers(tr: Translator, *axes, percent: bool = False) -> None:
    """Write the ticks of these axes (ax.xaxis, ax.yaxis, a colorbar's) in tr's language."""
    for axis in axes:
        axis.set_major_formatter(_Numbers(tr, percent))


def _text_inches(texts: Sequence[str], fontsize: float) -> float:
    """About how wide the longest of `texts` prints, in inches (DejaVu Sans, Cyrillic)."""
    return max((len(t) for t in texts), default=0) * fontsize * 0.6 / 72


def to_data_uri(fig: Figure) -> str:
    """The figure as a base64 PNG data URI (no timestamp or software metadata: deterministic)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _grid(
    count: int,
    columns: int,
    cell_width: float,
    cell_height: float,
    *,
    left: float = 0.7,
    gap: float = 0.75,
    wspace: float = 0.3,
):
    """Small multiples laid out by hand (constrained layout is slow with many axes). Each cell
    is cell_width x cell_height inches, `gap` inches of it between rows (for the x labels and
    the next title); the left margin and the title band are in inches too."""
    rows = max(1, math.ceil(count / columns))
    width, height = cell_width * columns, cell_height * rows + 0.8
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    fig.subplots_adjust(
        left=left / width,
        right=1 - 0.15 / width,
        top=1 - 0.8 / height,
        bottom=(gap - 0.2) / height,
        hspace=gap / (cell_height - gap),  # matplotlib: a fraction of the axes' height
        wspace=wspace,
    )
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig, axes[:count]


def _title(fig: Figure, text: str) -> None:
    """The title of a hand-laid figure, centred in its title band."""
    fig.suptitle(text, y=1 - 0.25 / fig.get_figheight(), va="center", fontsize=11)


# ---------------------------------------------------------------------------------------------
# 1. data loading


def layer_row_counts(counts: pd.DataFrame, *, tr: Translator) -> str:
    """Rows in every relation, raw to model, coloured by layer."""
    with matplotlib.rc_context(STYLE):
        fig = _figure(8, 0.35 * len(counts) + 1)
        ax = fig.subplots()
        positions = np.arange(len(counts))[::-1]
        colours = [LAYER_COLOURS.get(layer, NEUTRAL_COLOUR) for layer in counts["layer"]]
        ax.barh(positions, counts["row_count"], color=colours)
        ax.set_yticks(positions, counts["relation"])  # the relations' own names
        for y, value in zip(positions, counts["row_count"], strict=True):
            ax.text(value, y, " " + tr.number(value, "int"), va="center", fontsize=8)
        ax.set_xlabel(tr.t("plots.layers.rows"))
        ax.set_xlim(0, counts["row_count"].max() * 1.15 or 1)
        _numbers(tr, ax.xaxis)
        handles = [
            Patch(color=c, label=tr.t(LAYER_NAMES[layer]))
            for layer, c in LAYER_COLOURS.items()
            if layer in set(counts["layer"])
        ]
        ax.legend(handles=handles, loc="lower right", frameon=False)
        ax.set_title(tr.t("plots.layers.title"))
        return to_data_uri(fig)


# ---------------------------------------------------------------------------------------------
# 2. features by target


def numeric_by_target(
    features: pd.DataFrame, columns: Sequence[str], target: str, *, tr: Translator
) -> str:
    """A box plot per numeric feature: customers whose activity was kept against declined."""
    titles = [_wrap(column_name(tr, column), 28) for column in columns]
    groups = [False, True]
    ticks = [_wrap(tr.t("plots.numeric.kept"), 14), _wrap(tr.t("plots.numeric.declined"), 14)]
    with matplotlib.rc_context(STYLE):
        fig, axes = _grid(len(columns), 4, 3.0, 2.6, gap=0.95)
        for ax, column, title in zip(axes, columns, titles, strict=True):
            data = [features.loc[features[target] == g, column].dropna().to_numpy() for g in groups]
            boxes = ax.boxplot(
                data,
                tick_labels=ticks,
                patch_artist=True,
                widths=0.6,
                flierprops={"markersize": 2, "alpha": 0.4},
                medianprops={"color": "black"},
            )
            for patch, group in zip(boxes["boxes"], groups, strict=True):
                patch.set_facecolor(DECLINED_COLOUR if group else KEPT_COLOUR)
                patch.set_alpha(0.75)
            _numbers(tr, ax.yaxis)
            ax.set_title(title)
        _title(fig, tr.t("plots.numeric.title"))
        return to_data_uri(fig)


def category_declined_share(
    features: pd.DataFrame, columns: Sequence[str], target: str, *, tr: Translator
) -> str:
    """For each categorical feature, the share of customers whose activity declined per value."""
    overall = features[target].astype(float).mean()
    titles = [column_name(tr, column) for column in columns]
    with matplotlib.rc_context(STYLE):
        heights = [features[c].nunique() for c in columns]
        fig = _figure(9, 0.38 * sum(heights) + 1.0 * len(columns) + 0.5)
        axes = np.atleast_1d(
            fig.subplots(len(columns), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
        ).ravel()
        for ax, column, title in zip(axes, columns, titles, strict=True):
            # grouped by the delivered value, named once below (a flag by its words)
            shares = (
                features.assign(_value=features[column].astype(str))
                .groupby("_value")[target]
                .agg(share=lambda s: s.astype(float).mean(), customers="size")
                .sort_values(["share"], kind="stable")
            )
            positions = np.arange(len(shares))
            ax.barh(positions, shares["share"], color=DECLINED_COLOUR, alpha=0.8)
            # the delivered values, named in the report's language (a category, a tier)
            ax.set_yticks(positions, [tr.value(column, value) for value in shares.index])
            for y, (share, n) in enumerate(zip(shares["share"], shares["customers"], strict=True)):
                text = tr.t(
                    "plots.categories.bar",
                    share=tr.number(share, "percent"),
                    customers=tr.number(n, "int"),
                )
                ax.text(share, y, " " + text, va="center", fontsize=8)
            ax.axvline(overall, color="black", linestyle="--", linewidth=1)
            ax.set_xlim(0, 1.15)
            _numbers(tr, ax.xaxis, percent=True)
            ax.set_title(title, loc="left")
        axes[-1].set_xlabel(tr.t("plots.categories.axis", overall=tr.number(overall, "percent")))
        return to_data_uri(fig)


# ---------------------------------------------------------------------------------------------
# 3. correlations


def correlation_heatmap(correlations: pd.DataFrame, *, tr: Translator) -> str:
    """Spearman correlations as a heatmap with every coefficient written in its cell."""
    n = len(correlations)
    names = [column_name(tr, c) for c in correlations.columns]
    with matplotlib.rc_context(STYLE):
        fig = _figure(0.55 * n + 3, 0.5 * n + 2)
        ax = fig.subplots()
        image = ax.imshow(correlations.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
        ticks = np.arange(n)
        ax.set_xticks(ticks, names, rotation=60, ha="right", rotation_mode="anchor")
        ax.set_yticks(ticks, names)
        for i in range(n):
            for j in range(n):
                value = correlations.iat[i, j]
                if np.isfinite(value):
                    colour = "white" if abs(value) > 0.6 else "black"
                    ax.text(
                        j,
                        i,
                        tr.number(value, "number2"),  # no "-0,00"
                        ha="center",
                        va="center",
                        fontsize=6.5,
                        color=colour,
                        # inside its cell: the layout need not measure it (it would, twice)
                        in_layout=False,
                    )
        fig.colorbar(
            image,
            ax=ax,
            shrink=0.6,
            label=tr.t("plots.correlations.colorbar"),
            format=_Numbers(tr),
        )
        ax.set_title(tr.t("plots.correlations.title"))
        return to_data_uri(fig)


# ---------------------------------------------------------------------------------------------
# 4. model


def _family_styles(families: Sequence[str], selected: str) -> dict[str, dict]:
    palette = colormaps["tab10"]
    return {
        family: {
            "color": palette(i % 10),
            "linewidth": 2.6 if family == selected else 1.3,
            "alpha": 1.0 if family == selected else 0.8,
        }
        for i, family in enumerate(families)
    }


def roc_curves(predictions: pd.DataFrame, selected: str, *, tr: Translator) -> str:
    """Out-of-fold ROC curve of every candidate; the selected model drawn thicker."""
    families = sorted(predictions["model_family"].unique())
    styles = _family_styles(families, selected)
    with matplotlib.rc_context(STYLE):
        fig = _figure(6.5, 5.5)
        ax = fig.subplots()
        for family in families:
            rows = predictions[predictions["model_family"] == family]
            y = rows["activity_declined"].astype(int).to_numpy()
            p = rows["oof_probability"].astype(float).to_numpy()
            fpr, tpr, _ = roc_curve(y, p)
            auc = roc_auc_score(y, p)
            name = tr.t(
                "plots.roc.selected" if family == selected else "plots.roc.candidate",
                family=family_name(tr, family),
                auc=tr.number(auc, "auc"),
            )
            ax.plot(fpr, tpr, label=name, **styles[family])
        ax.plot(
            [0, 1],
            [0, 1],
            color="grey",
            linestyle=":",
            linewidth=1,
            label=tr.t("plots.roc.chance"),
        )
        ax.set_xlabel(tr.t("plots.roc.x"))
        ax.set_ylabel(tr.t("plots.roc.y"))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.set_aspect("equal")
        _numbers(tr, ax.xaxis, ax.yaxis)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        ax.set_title(tr.t("plots.roc.title"))
        return to_data_uri(fig)


def reliability_diagram(
    calibration: pd.DataFrame, brier: dict[str, float], selected: str, *, tr: Translator
) -> str:
    """Observed decline rate against the predicted probability, per candidate, with Brier scores."""
    families = sorted(calibration["model_family"].unique())
    styles = _family_styles(families, selected)
    with matplotlib.rc_context(STYLE):
        fig = _figure(6.5, 6.5)
        ax, counts_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
        ax.plot(
            [0, 1],
            [0, 1],
            color="grey",
            linestyle=":",
            linewidth=1,
            label=tr.t("plots.reliability.perfect"),
        )
        for family in families:
            rows = calibration[calibration["model_family"] == family]
            score = brier.get(family)
            name = family_name(tr, family)
            if score is not None:
                name = tr.t(
                    "plots.reliability.candidate", family=name, score=tr.number(score, "number3")
                )
            ax.plot(
                rows["mean_predicted"],
                rows["observed_rate"],
                marker="o",
                markersize=3,
                label=name,
                **styles[family],
            )
        ax.set_ylabel(tr.t("plots.reliability.y"))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.set_title(tr.t("plots.reliability.title"))
        chosen = calibration[calibration["model_family"] == selected]
        counts_ax.bar(
            chosen["mean_predicted"],
            chosen["customers"],
            width=0.04,
            color=styles.get(selected, {}).get("color", NEUTRAL_COLOUR),
        )
        counts_ax.set_ylabel(tr.t("plots.customer_count"))
        counts_ax.set_xlabel(
            _wrap(tr.t("plots.reliability.x", family=family_name(tr, selected)), 80)
        )
        _numbers(tr, ax.xaxis, ax.yaxis, counts_ax.xaxis, counts_ax.yaxis)
        return to_data_uri(fig)


def feature_importance(
    importance: pd.DataFrame, top: int = 15, *, permutation: bool = True, tr: Translator
) -> str:
    """Mean |SHAP| and permutation importance (± std) side by side, in SHAP order; the SHAP panel
    alone when permutation importance was skipped (`permutation` False: the month's labels could
    not measure it)."""
    shown = importance.sort_values(["shap_rank", "feature"]).head(top)
    names = [tr.feature(f) for f in shown["feature"]]
    positions = np.arange(len(shown))[::-1]
    with matplotlib.rc_context(STYLE):
        if not permutation:
            fig = _figure(6, 0.32 * len(shown) + 1.5)
            shap_ax = fig.subplots()
        else:
            fig = _figure(10, 0.32 * len(shown) + 1.5)
            shap_ax, perm_ax = fig.subplots(1, 2, sharey=True)
        shap_ax.barh(positions, shown["mean_abs_shap"], color=DECLINED_COLOUR, alpha=0.85)
        shap_ax.set_yticks(positions, names)
        shap_ax.set_xlabel(_wrap(tr.t("plots.importance.shap_axis"), 40))
        shap_ax.set_title(tr.t("plots.importance.shap_title"))
        if not permutation:
            _numbers(tr, shap_ax.xaxis)
            return to_data_uri(fig)
        perm_ax.barh(
            positions,
            shown["permutation_importance_mean"],
            xerr=shown["permutation_importance_std"],
            color=KEPT_COLOUR,
            alpha=0.85,
            error_kw={"elinewidth": 1, "capsize": 2},
        )
        perm_ax.axvline(0, color="black", linewidth=0.8)
        perm_ax.set_xlabel(_wrap(tr.t("plots.importance.permutation_axis"), 40))
        perm_ax.set_title(tr.t("plots.importance.permutation_title"))
        _numbers(tr, shap_ax.xaxis, perm_ax.xaxis)
        return to_data_uri(fig)


def _swarm_offsets(values: np.ndarray, bins: int = 80, spread: float = 0.4) -> np.ndarray:
    """Vertical offsets that spread points sharing an x bin: 0, +s, -s, +2s, ..., with the step
    s chosen so the most crowded bin just fills +-spread."""
    offsets = np.zeros(len(values))
    if len(values) == 0:
        return offsets
    low, high = float(np.min(values)), float(np.max(values))
    width = (high - low) / bins or 1.0
    keys = np.floor((values - low) / width).astype(int)
    step = min(0.05, 2 * spread / max(1, np.bincount(keys - keys.min()).max()))
    seen: dict[int, int] = {}
    for index in np.argsort(values, kind="stable"):
        k = int(keys[index])
        n = seen.get(k, 0)
        seen[k] = n + 1
        offsets[index] = ((n + 1) // 2) * step * (1 if n % 2 else -1)
    return offsets


def _spread_within(groups: np.ndarray, values: np.ndarray, spread: float = 0.3) -> np.ndarray:
    """Horizontal offsets for a strip plot: a swarm of `values` within each group."""
    offsets = np.zeros(len(values))
    for group in np.unique(groups):
        inside = groups == group
        offsets[inside] = _swarm_offsets(values[inside], spread=spread)
    return offsets


def _is_category(rows: pd.DataFrame) -> bool:
    """A feature whose values are words (feature_label), not numbers or true/false: its
    feature_value is a code, so it is drawn by its labels and not coloured by value."""
    labels = rows["feature_label"].astype(str)
    numeric = pd.to_numeric(labels, errors="coerce").notna() | labels.str.lower().isin(
        ["true", "false"]
    )
    return not bool(numeric.all())


def _normalised(values: pd.Series) -> np.ndarray:
    """Feature values scaled to [0, 1] between their 5th and 95th percentiles (NaN: a category)."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if numbers.notna().sum() == 0:
        return np.full(len(values), np.nan)
    low, high = np.nanpercentile(numbers, [5, 95])
    if high <= low:
        low, high = float(numbers.min()), float(numbers.max())
    if high <= low:
        return np.full(len(values), 0.5)
    return np.clip((numbers.to_numpy() - low) / (high - low), 0, 1)


def shap_beeswarm(
    shap_values: pd.DataFrame, order: Sequence[str], top: int = 15, *, tr: Translator
) -> str:
    """One row per feature: every customer's SHAP value, coloured by the feature's value."""
    features = list(order)[:top]
    names = [tr.feature(f) for f in features]
    cmap = colormaps["coolwarm"]
    with matplotlib.rc_context(STYLE):
        fig = _figure(9, 0.42 * len(features) + 1.5)
        ax = fig.subplots()
        for row, feature in enumerate(features):
            y = len(features) - 1 - row
            rows = shap_values[shap_values["feature"] == feature]
            x = rows["shap_value"].astype(float).to_numpy()
            if _is_category(rows):
                colours = [NEUTRAL_COLOUR] * len(rows)
            else:
                colours = [
                    cmap(v) if np.isfinite(v) else NEUTRAL_COLOUR
                    for v in _normalised(rows["feature_value"])
                ]
            ax.scatter(x, y + _swarm_offsets(x), c=colours, s=7, linewidths=0, alpha=0.85)
        ax.set_yticks(np.arange(len(features))[::-1], names)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_xlabel(tr.t("plots.beeswarm.axis"))
        _numbers(tr, ax.xaxis)
        bar = fig.colorbar(
            ScalarMappable(norm=Normalize(0, 1), cmap=cmap),
            ax=ax,
            shrink=0.6,
            ticks=[0, 1],
            aspect=30,
        )
        bar.ax.set_yticklabels([tr.t("plots.beeswarm.low"), tr.t("plots.beeswarm.high")])
        bar.set_label(tr.t("plots.beeswarm.colorbar"))
        ax.set_title(tr.t("plots.beeswarm.title"))
        return to_data_uri(fig)


def shap_dependence(shap_values: pd.DataFrame, features: Sequence[str], *, tr: Translator) -> str:
    """SHAP value against the feature's value for the most important features."""
    names = [tr.feature(f) for f in features]
    with matplotlib.rc_context(STYLE):
        fig, axes = _grid(len(features), len(features), 3.6, 3.2, left=0.8, wspace=0.25)
        for ax, feature, name in zip(axes, features, names, strict=True):
            rows = shap_values[shap_values["feature"] == feature]
            shap = rows["shap_value"].astype(float).to_numpy()
            if not _is_category(rows):
                x = rows["feature_value"].to_numpy(dtype=float)
                distinct = np.unique(x)
                if 1 < len(distinct) <= 30:  # a count: spread the points sharing a value
                    x = x + _spread_within(x, shap) * np.diff(distinct).min()
                ax.scatter(x, shap, s=8, color=DECLINED_COLOUR, alpha=0.5, linewidths=0)
                _numbers(tr, ax.xaxis)
            else:  # a category: one column of points per value, named in the language
                values = rows["feature_label"].astype(str)
                categories = sorted(values.unique())
                x = values.map({c: i for i, c in enumerate(categories)}).to_numpy(dtype=float)
                x = x + _spread_within(x, shap)
                ax.scatter(x, shap, s=8, color=DECLINED_COLOUR, alpha=0.5, linewidths=0)
                ticks = [tr.value(feature, value) for value in categories]
                ax.set_xticks(range(len(categories)), ticks, rotation=30, ha="right")
            ax.axhline(0, color="grey", linewidth=0.8)
            _numbers(tr, ax.yaxis)
            ax.set_xlabel(_wrap(name, 44))
            ax.set_title(_wrap(name, 40))
        axes[0].set_ylabel(tr.t("plots.dependence.y"))
        _title(fig, tr.t("plots.dependence.title"))
        return to_data_uri(fig)


def probability_by_band(histogram: pd.DataFrame, bands: pd.DataFrame, *, tr: Translator) -> str:
    """Histogram of the decline probability of every customer, stacked by risk band, from the
    customers counted per band and bin (reporting.rpt_probability_histogram)."""
    names = list(bands["risk_band"])  # lowest probabilities first
    counts = dict(zip(bands["risk_band"], bands["customers"], strict=True))
    entries = {
        name: tr.t(
            "plots.bands.entry",
            band=tr.band(name),
            customers=tr.plural("plots.customers", counts[name]),
        )
        for name in names
    }
    colours = BAND_COLOURS.get(len(names)) or [
        colormaps["RdYlGn_r"](0.1 + 0.8 * i / max(1, len(names) - 1)) for i in range(len(names))
    ]
    with matplotlib.rc_context(STYLE):
        fig = _figure(8, 3.6)
        ax = fig.subplots()
        edges = np.linspace(0, 1, 41)
        bottom = np.zeros(len(edges) - 1)
        for name, colour in zip(names, colours, strict=False):
            rows = histogram[histogram["risk_band"] == name]
            heights = np.zeros(len(edges) - 1)
            heights[rows["probability_bin"].to_numpy(dtype=int)] = rows["customers"].to_numpy()
            ax.bar(
                edges[:-1],
                heights,
                width=np.diff(edges),
                bottom=bottom,
                align="edge",
                color=colour,
                label=entries[name],
            )
            bottom += heights
        ax.set_xlim(0, 1)
        ax.set_xlabel(tr.t("plots.bands.x"))
        ax.set_ylabel(tr.t("plots.customer_count"))
        _numbers(tr, ax.xaxis, ax.yaxis)
        ax.legend(title=tr.t("plots.risk_band"), frameon=False)
        ax.set_title(tr.t("plots.bands.title"))
        return to_data_uri(fig)


# ---------------------------------------------------------------------------------------------
# 5. segments


def _level_order(values: Sequence[str], known: Sequence[str]) -> list[str]:
    """The values in the order of `known` (lowest first), or sorted when one is not known."""
    unique = list(dict.fromkeys(values))
    if set(unique) <= set(known):
        return [k for k in known if k in unique]
    return sorted(unique)


def _profit_at_risk(tr: Translator, horizon) -> str:
    """The name of the profit at risk over `horizon` months (without the months in a draft
    that lacks them)."""
    if horizon is None or pd.isna(horizon):
        return tr.t("plots.profit_at_risk")
    return tr.plural("plots.profit_at_risk_over", int(horizon))


def risk_profit_heatmap(matrix: pd.DataFrame, horizon, *, tr: Translator) -> str:
    """Customers and profit at risk (over `horizon` months) in every risk band × profit level
    cell."""
    # the bands (var risk_bands) and the profit levels (one_click/labels.yml), lowest first
    risks = _level_order(matrix["risk_band"], list(risk_bands())[::-1])
    profits = _level_order(matrix["profit_level"], list(labels()["profit_levels"])[::-1])
    risk_names = [tr.band(r) for r in risks[::-1]]
    profit_names = [_wrap(tr.level(p), 10) for p in profits]
    panels = [
        ("customers", tr.t("plots.customer_count"), "Blues", "int"),
        ("profit_at_risk", _profit_at_risk(tr, horizon), "Reds", "number"),
    ]
    with matplotlib.rc_context(STYLE):
        fig = _figure(10, 0.9 * len(risks) + 2)
        axes = fig.subplots(1, 2)
        for ax, (column, title, cmap, kind) in zip(axes, panels, strict=True):
            grid = (
                matrix.pivot_table(
                    index="risk_band", columns="profit_level", values=column, aggfunc="sum"
                )
                .reindex(index=risks[::-1], columns=profits)
                .fillna(0)
            )
            image = ax.imshow(grid.to_numpy(dtype=float), cmap=cmap, aspect="auto")
            ax.set_xticks(range(len(profits)), profit_names)
            ax.set_yticks(range(len(risks)), risk_names)
            ax.set_xlabel(tr.t("plots.matrix.profit_level"))
            ax.set_ylabel(tr.t("plots.risk_band"))
            top = float(grid.to_numpy().max()) or 1.0
            for i in range(grid.shape[0]):
                for j in range(grid.shape[1]):
                    value = float(grid.iat[i, j])
                    ax.text(
                        j,
                        i,
                        tr.number(value, kind),
                        ha="center",
                        va="center",
                        color="white" if value > 0.6 * top else "black",
                    )
            fig.colorbar(image, ax=ax, shrink=0.8, format=_Numbers(tr))
            ax.set_title(title)
        fig.suptitle(tr.t("plots.matrix.title"))
        return to_data_uri(fig)


def segment_overview(summary: pd.DataFrame, horizon, *, tr: Translator) -> str:
    """Profit at risk of every segment, annotated with its size and mean probability."""
    rows = summary.sort_values("profit_at_risk", kind="stable")
    names = [_wrap(tr.segment(n), 28) for n in rows["segment_name"]]
    positions = np.arange(len(rows))
    with matplotlib.rc_context(STYLE):
        fig = _figure(10, 0.45 * len(rows) + 1.3)
        ax = fig.subplots()
        ax.barh(positions, rows["profit_at_risk"], color=DECLINED_COLOUR, alpha=0.85)
        ax.set_yticks(positions, names)
        for y, (value, n, p) in enumerate(
            zip(
                rows["profit_at_risk"],
                rows["customers"],
                rows["mean_decline_probability"],
                strict=True,
            )
        ):
            text = tr.plural(
                "plots.segments.bar",
                n,
                value=tr.number(value, "number"),
                probability=tr.number(p, "number2"),
            )
            ax.text(value, y, " " + text, va="center", fontsize=8)
        ax.set_xlim(0, float(rows["profit_at_risk"].max() or 1) * 1.9)
        ax.set_xlabel(_profit_at_risk(tr, horizon))
        _numbers(tr, ax.xaxis)
        ax.set_title(tr.t("plots.segments.title"))
        return to_data_uri(fig)


def segment_profiles(profiles: pd.DataFrame, segments: Sequence[str], *, tr: Translator) -> str:
    """Per segment, the standardised difference from the rest on every profiled feature."""
    features = sorted(profiles["feature"].unique())
    names = [tr.feature(f) for f in features]
    titles = [_wrap(tr.segment(segment), 24) for segment in segments]
    with matplotlib.rc_context(STYLE):
        # up to three side by side; four as two by two
        columns = len(segments) if len(segments) <= 3 else math.ceil(len(segments) / 2)
        # the feature names take the left margin; the panels keep their width
        left = max(2.5, _text_inches(names, 9) + 0.3)
        fig, axes = _grid(
            len(segments),
            columns,
            3.4 + (left - 2.5) / max(1, columns),
            0.26 * len(features) + 1.5,
            left=left,
            gap=0.95,
            wspace=0.12,
        )
        positions = np.arange(len(features))[::-1]
        # one scale for every panel, so the segments compare at a glance
        reach = float(profiles["standardized_difference"].abs().max()) * 1.1
        reach = reach if np.isfinite(reach) and reach > 0 else 1.0
        for index, (ax, segment, title) in enumerate(zip(axes, segments, titles, strict=True)):
            rows = profiles[profiles["segment_name"] == segment].set_index("feature")
            rows = rows.reindex(features)
            difference = rows["standardized_difference"].astype(float).fillna(0).to_numpy()
            significant = rows["is_significant"].fillna(False).astype(bool).to_numpy()
            colours = [
                (DECLINED_COLOUR if d > 0 else KEPT_COLOUR) if s else "#d9d9d9"
                for d, s in zip(difference, significant, strict=True)
            ]
            ax.barh(positions, difference, color=colours)
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_xlim(-reach, reach)
            if index % columns == 0:
                ax.set_yticks(positions, names)
            else:
                ax.set_yticks(positions, [])
            _numbers(tr, ax.xaxis)
            ax.set_title(title)
            ax.set_xlabel(tr.t("plots.profiles.axis"))
        _title(fig, tr.t("plots.profiles.title"))
        return to_data_uri(fig)


def retention_curve(curve: pd.DataFrame, *, tr: Translator) -> str:
    """Share of all profit at risk covered by contacting the customers down to each rank; with
    nobody on the list, an empty frame that says so."""
    with matplotlib.rc_context(STYLE):
        fig = _figure(8, 3.8)
        ax = fig.subplots()
        ax.set_title(tr.t("plots.retention.title"))
        ax.set_xlabel(tr.t("plots.retention.x"))
        ax.set_ylabel(tr.t("plots.retention.y"))
        _numbers(tr, ax.yaxis, percent=True)
        if curve.empty:
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1.02)
            ax.set_xticks([])
            ax.text(0.5, 0.5, tr.t("plots.retention.empty"), ha="center", va="center")
            return to_data_uri(fig)
        total = float(curve["cumulative_profit_at_risk"].iloc[-1]) or 1.0
        share = curve["cumulative_profit_at_risk"].to_numpy(dtype=float) / total
        ranks = curve["priority_rank"].to_numpy(dtype=float)
        ax.plot(ranks, share, color=DECLINED_COLOUR, linewidth=2)
        ax.plot(
            [0, ranks[-1]],
            [0, 1],
            color="grey",
            linestyle=":",
            linewidth=1,
            label=tr.t("plots.retention.random"),
        )
        for fraction in (0.5, 0.8):
            index = min(int(np.searchsorted(share, fraction)), len(ranks) - 1)
            rank = int(ranks[index])
            ax.axhline(fraction, color="grey", linewidth=0.6)
            ax.annotate(
                tr.plural(
                    "plots.retention.covered", rank, share=_Numbers(tr, percent=True)(fraction)
                ),
                (rank, fraction),
                xytext=(8, -14),
                textcoords="offset points",
                fontsize=8,
            )
            ax.plot([rank], [fraction], marker="o", color=DECLINED_COLOUR)
        ax.set_xlim(0, ranks[-1])
        ax.set_ylim(0, 1.02)
        _numbers(tr, ax.xaxis)
        ax.legend(loc="lower right", frameon=False)
        return to_data_uri(fig)
