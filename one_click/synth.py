"""Synthetic deliveries: new customers drawn from a model fitted to the delivered files.

    python -m one_click.synth --customers N --out DIR [--format csv|parquet] [--seed S]
                              [--source DIR]
    python -m one_click.synth --next-of DELIVERY --out DIR [--month YYYY-MM] [--ahead 1 3]
                              [--assignment FILE|HISTORY ...] [--effect ACTION=SHARE ...]
                              [--format csv|parquet] [--seed S] [--source DIR]

writes the four files of a delivery of N customers to DIR: as delivered (`<file>.csv`, with the
separator, decimal mark, CRLF line ends and number formatting of the delivered files) or as
`<file>.parquet` with the column types of var shop_files. `generate()` is the same from Python.
Nothing about the shop is written here: file layouts and types come from var shop_files, the
words from var shop_vocabulary, the impossible-revenue threshold from var
max_plausible_monthly_revenue, and every number from the delivered files in `source` (default:
the project's seeds).

The second form draws the next months of a published population (`generate_next()`): the
customers of DELIVERY (the delivery of month --month, default var delivery_month) one and three
months on (--ahead), each month to DIR/YYYY-MM/: the same ids; every revenue and site-time
period moves one back (this month's current is next month's previous) and the newest is drawn
from the customer's last one; the other features drift slightly; the label is drawn from a known
true probability (`World`). A customer contacted in a campaign (--assignment: the published
history's warehouse/history, or month=YYYY-MM/assignment.parquet files: month, customer_id, arm,
action_code) has the effect of its action planted on the decline probability of the months
within the target's horizon after the campaign: --effect loyalty_bonus=-0.10 (10 points less),
--effect all=-0.10 for every action (action codes: labels.yml `actions:`); zero unless given.
The same effect moves the revenue of those months: scaled by 1 - the effect (-0.10: 10 % more
revenue kept), so that the early read, the current month's revenue a month after the campaign,
sees it too. The truth of each month is written beside its four files, DIR/YYYY-MM/_truth.parquet
(not a delivered file: the validation and the refresh read the four files only): customer_id,
month, features_month, decline_probability (what the label was drawn from),
base_decline_probability (without the campaign), treated, campaign_month, action_code,
planted_effect (the difference of the two, the planted effect kept within [0, 1]), declined (the
drawn label), base_revenue (the current month's revenue without the campaign) and revenue (as
delivered, with it).

What is fitted, and how (`fit(source)`)
---------------------------------------
- The target rate: the share of customers of each activity value.
- Per activity class, a Gaussian copula over everything a customer has: the numbers of the
  customer file, revenue for each revenue period, minutes for each site-time period, profit,
  and the categories (service tier, consent, favourite category) as codes.
  - Marginals: the class's empirical distribution. Numbers come from its quantile function
    interpolated linearly between the order statistics (so a drawn value lies between two
    delivered ones and is usually new, never outside the delivered range: shares stay shares),
    then rounded as the column is written: integer columns to whole numbers, the others to the
    decimals the delivered values have, a fitted share of them to whole numbers (as the shop
    writes, e.g. most previous-month revenues). Categories come from their class frequencies.
  - Dependence: the correlation of the normal scores (probit of the mid-ranks) in the class.
  The copula is fitted on the customers without a defect: a customer inactive in some month or
  with an impossible revenue is not behaviour to reproduce. The defects are put back afterwards.
- The defects, at the delivered rates: each misspelling of var shop_vocabulary.corrections as
  the share of rows of its file and column written the misspelt way (every previous-month label
  of market_time, none of market_money's); impossible revenues (above
  max_plausible_monthly_revenue) as a share of the revenue rows, with their periods and their
  ratio to the customer's other months; inactive customers (zero revenue in some period) as a
  share of each class, with the delivered patterns of zero periods. A delivery has at least one
  impossible revenue and one inactive customer when the source has any.
- The layout: the order of the period rows within a customer (the share of each order), the
  first id (after the delivered ones), whether a whole number is written with a decimal.

Why draws from a copula, not copies of delivered customers
----------------------------------------------------------
Jittered copies put near-duplicates of one delivered customer in different folds of a
cross-validation: the model search then "recognises" customers and reports a ROC-AUC of 1.0.
Copula draws are new customers: their marginals, correlations and class signal are the
delivered ones, but no drawn customer is any delivered customer plus noise.

Scale
-----
Customers are drawn and written in chunks of `chunk_customers` (250,000): memory is bounded by
one chunk. How many customers of each class and defect every chunk gets is planned up front
from the seed; chunk k then draws from its own generator, SeedSequence(seed, spawn_key=(1, k)).
The output is a function of (source, customers, seed, chunk size): the same seed gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from one_click.project import project_dir, setting

CUSTOMERS_FILE = "market_file"  # one row per customer, with the target
REVENUE_FILE = "market_money"  # monthly revenue, the file with the impossible value
TARGET_VOCABULARY = "activity"  # the shop_vocabulary list of the target column
CHUNK_CUSTOMERS = 250_000
FORMATS = ("csv", "parquet")
_ARROW_TYPES = {"integer": pa.int32(), "double": pa.float64(), "varchar": pa.string()}
_MAX_DECIMALS = 6


# ---------------------------------------------------------------------------------------------
# The delivered files, as var shop_files describes them


@dataclass(frozen=True)
class Layout:
    """shop_files and shop_vocabulary, with the names this module needs derived from them."""

    files: dict[str, dict[str, Any]]
    vocabulary: dict[str, Any]

    @classmethod
    def from_project(cls) -> Layout:
        return cls(setting("shop_files"), setting("shop_vocabulary"))

    def columns(self, file: str) -> dict[str, str]:
        return self.files[file]["columns"]

    @property
    def id(self) -> str:
        return self.files[CUSTOMERS_FILE]["key"][0]

    @property
    def target(self) -> str:
        vocabularies = self.files[CUSTOMERS_FILE]["vocabulary"]
        return next(c for c, v in vocabularies.items() if v == TARGET_VOCABULARY)

    @property
    def target_labels(self) -> list[str]:
        """The activity values, the positive class (activity declined) first."""
        labels = self.vocabulary[TARGET_VOCABULARY]
        return sorted(labels, key=lambda label: not labels[label])

    @property
    def category_columns(self) -> list[str]:
        vocabularies = self.files[CUSTOMERS_FILE]["vocabulary"]
        return [c for c in vocabularies if c != self.target]

    def known_values(self, column: str) -> list[str]:
        """The values of a customer-file column in vocabulary order."""
        return list(self.vocabulary[self.files[CUSTOMERS_FILE]["vocabulary"][column]])

    @property
    def period_files(self) -> list[str]:
        return [f for f, spec in self.files.items() if "periods" in spec]

    def periods(self, file: str) -> list[str]:
        return list(setting(self.files[file]["periods"]))

    def period_column(self, file: str) -> str:
        return next(c for c in self.files[file]["key"] if c != self.id)

    def value_columns(self, file: str) -> list[str]:
        return [c for c in self.columns(file) if c not in self.files[file]["key"]]

    def period_label(self, period: str) -> str:
        """The correctly spelt delivered label of a period."""
        return next(label for label, p in self.vocabulary["periods"].items() if p == period)

    def corrections(self, column: str) -> dict[str, str]:
        return dict(self.vocabulary["corrections"].get(column) or {})

    @property
    def customer_files(self) -> list[str]:
        """Files with one row per customer: the customer file first."""
        others = [f for f in self.files if f != CUSTOMERS_FILE and f not in self.period_files]
        return [CUSTOMERS_FILE, *others]


@dataclass(frozen=True)
class Series:
    """One number of a customer: a column of a file, for one period in a period file."""

    file: str
    column: str
    period: str | None
    integer: bool

    @property
    def name(self) -> str:
        """Its column in customer_table()."""
        return self.column if self.period is None else f"{self.column} {self.period}"


def _series(layout: Layout) -> list[Series]:
    series = []
    for file in layout.customer_files:
        for column, kind in layout.columns(file).items():
            if column != layout.id and kind in ("integer", "double"):
                series.append(Series(file, column, None, kind == "integer"))
        if file == CUSTOMERS_FILE:
            for period_file in layout.period_files:
                for column in layout.value_columns(period_file):
                    kind = layout.columns(period_file)[column]
                    for period in layout.periods(period_file):
                        series.append(Series(period_file, column, period, kind == "integer"))
    return series


def _read_texts(source: Path, layout: Layout) -> dict[str, pd.DataFrame]:
    """Every delivered file as text, exactly as written."""
    return {
        file: pd.read_csv(
            source / f"{file}.csv",
            sep=spec["separator"],
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
        )
        for file, spec in layout.files.items()
    }


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    return (text.str.replace(decimal, ".", regex=False) if decimal != "." else text).astype(float)


def _customer_frame(texts: dict[str, pd.DataFrame], layout: Layout) -> pd.DataFrame:
    ident = layout.id
    customers = texts[CUSTOMERS_FILE]
    frame = pd.DataFrame(index=pd.Index(customers[ident].astype(int).to_numpy(), name=ident))
    frame[layout.target] = customers[layout.target].to_numpy()
    for column in layout.category_columns:
        frame[column] = customers[column].replace(layout.corrections(column)).to_numpy()
    for series in _series(layout):
        text = texts[series.file]
        decimal = layout.files[series.file]["decimal"]
        if series.period is None:
            values = pd.Series(_numbers(text[series.column], decimal).to_numpy(), text[ident])
        else:
            column = layout.period_column(series.file)
            labels = text[column].replace(layout.corrections(column))
            rows = text[labels.map(layout.vocabulary["periods"]) == series.period]
            values = pd.Series(_numbers(rows[series.column], decimal).to_numpy(), rows[ident])
        values.index = values.index.astype(int)
        frame[series.name] = values.reindex(frame.index).to_numpy()
    return frame


def customer_table(source: Path | str) -> pd.DataFrame:
    """One row per customer of the delivery in `source` (CSV files), index id.

    The customer file's columns (categories with the misspellings corrected), then one column
    per series (`Series.name`): revenue and minutes per period, profit.
    """
    layout = Layout.from_project()
    return _customer_frame(_read_texts(Path(source), layout), layout)


# ---------------------------------------------------------------------------------------------
# The fitted model


@dataclass(frozen=True)
class Precision:
    """How a series is written: rounded to `decimals`, a share `whole_share` to whole numbers."""

    decimals: int
    whole_share: float


@dataclass(frozen=True)
class ClassModel:
    """The copula of one activity class, and the class's share of inactive customers."""

    label: str
    share: float
    marginals: tuple[np.ndarray, ...]  # sorted values of a series, or cumulative category shares
    cholesky: np.ndarray  # of the correlation of the normal scores
    inactive_rate: float
    inactive_patterns: tuple[tuple[int, ...], ...]  # revenue periods (indices) that are zero
    inactive_weights: np.ndarray


@dataclass(frozen=True)
class Misspelling:
    file: str
    column: str
    correct: str
    misspelt: str
    rate: float  # share of the rows with this value written the misspelt way


@dataclass(frozen=True)
class Model:
    layout: Layout
    series: tuple[Series, ...]
    precisions: tuple[Precision, ...]
    categories: tuple[tuple[str, tuple[str, ...]], ...]  # (column, values in code order)
    classes: tuple[ClassModel, ...]
    misspellings: tuple[Misspelling, ...]
    impossible_rate: float  # per revenue row
    impossible_periods: np.ndarray  # weights over the revenue periods
    impossible_ratios: np.ndarray  # impossible value / mean of the customer's other months
    period_orders: dict[str, tuple[np.ndarray, np.ndarray]]  # file -> (orders, weights)
    first_id: int
    bare_whole_numbers: dict[tuple[str, str], bool]  # (file, column): "5" rather than "5.0"

    def revenue_series(self) -> list[int]:
        return [i for i, s in enumerate(self.series) if s.file == REVENUE_FILE]


def _precision(values: np.ndarray) -> Precision:
    decimals = next(
        d for d in range(_MAX_DECIMALS + 1) if np.allclose(values, np.round(values, d), atol=1e-9)
    )
    if decimals == 0:
        return Precision(0, 0.0)
    # whole numbers among the values inside the range (the ends are point masses, e.g. a share
    # of 0), beyond the 1 in 10**decimals that rounding alone gives
    inner = values[(values > values.min()) & (values < values.max())]
    whole = float(np.mean(inner == np.round(inner))) if inner.size else 0.0
    chance = 10.0**-decimals
    return Precision(decimals, max(0.0, (whole - chance) / (1 - chance)))


def _normal_scores(values: np.ndarray) -> np.ndarray:
    return ndtri(rankdata(values) / (len(values) + 1))


def _cholesky(correlation: np.ndarray) -> np.ndarray:
    """Cholesky factor of the nearest positive-definite correlation matrix."""
    correlation = np.nan_to_num(correlation)  # a constant column correlates with nothing
    np.fill_diagonal(correlation, 1.0)
    eigenvalues, vectors = np.linalg.eigh(correlation)
    fixed = vectors @ np.diag(np.clip(eigenvalues, 1e-6, None)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return np.linalg.cholesky(fixed / np.outer(scale, scale))


def _misspellings(texts: dict[str, pd.DataFrame], layout: Layout) -> list[Misspelling]:
    found = []
    for file, text in texts.items():
        for column in layout.columns(file):
            for misspelt, correct in layout.corrections(column).items():
                wrong = int((text[column] == misspelt).sum())
                right = int((text[column] == correct).sum())
                rate = wrong / (wrong + right) if wrong + right else 0.0
                found.append(Misspelling(file, column, correct, misspelt, rate))
    return found


def _period_orders(texts, layout: Layout) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    orders = {}
    for file in layout.period_files:
        text, column = texts[file], layout.period_column(file)
        index = {p: i for i, p in enumerate(layout.periods(file))}
        codes = text[column].replace(layout.corrections(column)).map(layout.vocabulary["periods"])
        per_customer = Counter(
            tuple(index[p] for p in group) for _, group in codes.groupby(text[layout.id].to_numpy())
        )
        ordered = sorted(per_customer)
        weights = np.array([per_customer[o] for o in ordered], dtype=float)
        orders[file] = (np.array(ordered), weights / weights.sum())
    return orders


def _bare_whole_numbers(texts, layout: Layout) -> dict[tuple[str, str], bool]:
    bare = {}
    for file, text in texts.items():
        decimal = layout.files[file]["decimal"]
        for column, kind in layout.columns(file).items():
            if kind == "double":
                written = text[column].str.contains(decimal, regex=False)
                bare[(file, column)] = not written.all()
    return bare


def fit(source: Path | str | None = None) -> Model:
    """The model of the delivery in `source` (default: the project's seeds)."""
    source = Path(source) if source is not None else project_dir() / "seeds"
    layout = Layout.from_project()
    texts = _read_texts(source, layout)
    frame = _customer_frame(texts, layout)
    series = _series(layout)
    revenue = [s.name for s in series if s.file == REVENUE_FILE]
    limit = float(setting("max_plausible_monthly_revenue"))
    amounts = frame[revenue].to_numpy()
    impossible = amounts > limit
    inactive = amounts == 0
    clean = ~(impossible.any(axis=1) | inactive.any(axis=1))

    # impossible revenues: how often, in which period, how far above the customer's own months
    ratios = []
    for row, column in zip(*np.nonzero(impossible), strict=True):
        others = np.delete(amounts[row], column)
        others = others[(others > 0) & (others <= limit)]
        if others.size:
            ratios.append(amounts[row, column] / others.mean())
    periods = impossible.sum(axis=0).astype(float)

    categories = []
    for column in layout.category_columns:
        seen = set(frame[column])
        known = [v for v in layout.known_values(column) if v in seen]
        categories.append((column, tuple(known + sorted(seen - set(known)))))
    codes = {
        column: frame[column].map({v: i for i, v in enumerate(values)}).to_numpy(dtype=float)
        for column, values in categories
    }

    classes = []
    for label in layout.target_labels:
        members = (frame[layout.target] == label).to_numpy()
        if not members.any():
            continue
        rows = members & clean
        columns = [frame[s.name].to_numpy()[rows] for s in series]
        columns += [codes[column][rows] for column, _ in categories]
        marginals = [np.sort(c) for c in columns[: len(series)]]
        for column, values in categories:
            shares = np.bincount(codes[column][rows].astype(int), minlength=len(values))
            marginals.append(np.cumsum(shares) / shares.sum())
        scores = np.column_stack([_normal_scores(c) for c in columns])
        zeros = Counter(tuple(map(int, np.flatnonzero(r))) for r in inactive[members] if r.any())
        patterns = sorted(zeros)
        weights = np.array([zeros[p] for p in patterns], dtype=float)
        classes.append(
            ClassModel(
                label=label,
                share=float(members.mean()),
                marginals=tuple(marginals),
                cholesky=_cholesky(np.corrcoef(scores, rowvar=False)),
                inactive_rate=float(inactive[members].any(axis=1).mean()),
                inactive_patterns=tuple(patterns),
                inactive_weights=weights / weights.sum() if patterns else weights,
            )
        )

    return Model(
        layout=layout,
        series=tuple(series),
        precisions=tuple(_precision(frame[s.name].to_numpy()[clean]) for s in series),
        categories=tuple(categories),
        classes=tuple(classes),
        misspellings=tuple(_misspellings(texts, layout)),
        impossible_rate=float(impossible.mean()),
        impossible_periods=periods / periods.sum() if periods.sum() else periods,
        impossible_ratios=np.array(ratios),
        period_orders=_period_orders(texts, layout),
        first_id=int(frame.index.max()) + 1,
        bare_whole_numbers=_bare_whole_numbers(texts, layout),
    )


# ---------------------------------------------------------------------------------------------
# Drawing customers


@dataclass(frozen=True)
class _ChunkPlan:
    first_id: int
    class_counts: np.ndarray
    inactive_counts: np.ndarray  # per class
    impossible_count: int


def _plan(model: Model, customers: int, chunk_customers: int, seed: int) -> list[_ChunkPlan]:
    """Per chunk: its customers of each class and of each defect, drawn from the seed."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    shares = np.array([c.share for c in model.classes])
    inactive_rates = np.array([c.inactive_rate for c in model.classes])
    periods = len(model.revenue_series())
    plans = []
    for start in range(0, customers, chunk_customers):
        size = min(chunk_customers, customers - start)
        counts = rng.multinomial(size, shares / shares.sum())
        plans.append(
            _ChunkPlan(
                first_id=model.first_id + start,
                class_counts=counts,
                inactive_counts=rng.binomial(counts, inactive_rates),
                impossible_count=int(rng.binomial(size * periods, model.impossible_rate)),
            )
        )
    if not plans:
        return plans
    # at least one of each defect the source has, in the first chunk
    first = plans[0]
    if model.impossible_rate > 0 and sum(p.impossible_count for p in plans) == 0:
        plans[0] = first = _ChunkPlan(first.first_id, first.class_counts, first.inactive_counts, 1)
    if inactive_rates.any() and sum(p.inactive_counts.sum() for p in plans) == 0:
        candidates = np.flatnonzero((inactive_rates > 0) & (first.class_counts > 0))
        if candidates.size:
            inactive = first.inactive_counts.copy()
            inactive[candidates[np.argmax(inactive_rates[candidates])]] = 1
            plans[0] = _ChunkPlan(
                first.first_id, first.class_counts, inactive, first.impossible_count
            )
    return plans


def _round(values: np.ndarray, precision: Precision, integer: bool, rng) -> np.ndarray:
    if integer or precision.decimals == 0:
        return np.rint(values)
    rounded = np.round(values, precision.decimals)
    if precision.whole_share > 0:
        whole = rng.random(len(values)) < precision.whole_share
        rounded[whole] = np.rint(values[whole])
    return rounded


def _draw(model: Model, plan: _ChunkPlan, rng: np.random.Generator):
    """(class codes, series values, category codes) of the chunk's customers, defects in."""
    size = int(plan.class_counts.sum())
    n_series = len(model.series)
    labels = rng.permutation(np.repeat(np.arange(len(model.classes)), plan.class_counts))
    values = np.empty((size, n_series))
    codes = np.empty((size, len(model.categories)), dtype=np.int64)
    for index, klass in enumerate(model.classes):
        rows = np.flatnonzero(labels == index)
        uniform = ndtr(rng.standard_normal((rows.size, klass.cholesky.shape[0])) @ klass.cholesky.T)
        for j, marginal in enumerate(klass.marginals):
            if j < n_series:
                positions = (np.arange(marginal.size) + 0.5) / marginal.size
                values[rows, j] = np.interp(uniform[:, j], positions, marginal)
            else:
                codes[rows, j - n_series] = np.minimum(
                    np.searchsorted(marginal, uniform[:, j], side="right"), marginal.size - 1
                )
    for j, (series, precision) in enumerate(zip(model.series, model.precisions, strict=True)):
        values[:, j] = _round(values[:, j], precision, series.integer, rng)

    revenue = np.array(model.revenue_series())
    impossible = rng.choice(size, min(plan.impossible_count, size), replace=False)
    for row in impossible:
        period = rng.choice(revenue.size, p=model.impossible_periods)
        ratio = rng.choice(model.impossible_ratios)
        column = revenue[period]
        others = values[row, np.delete(revenue, period)].mean()
        values[row, column] = np.round(ratio * others, model.precisions[column].decimals)
    for index, klass in enumerate(model.classes):
        candidates = np.setdiff1d(np.flatnonzero(labels == index), impossible)
        count = min(int(plan.inactive_counts[index]), candidates.size)
        for row in rng.choice(candidates, count, replace=False):
            pattern = klass.inactive_patterns[
                rng.choice(len(klass.inactive_patterns), p=klass.inactive_weights)
            ]
            values[row, revenue[list(pattern)]] = 0.0
    return labels, values, codes


def _strings(values: list[str], codes: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(values)).cast(
        pa.string()
    )


def _misspell(model: Model, file: str, column: str, values: list[str], codes, rng):
    """`values` and `codes` with the fitted share of each misspelt value written misspelt."""
    values = list(values)
    for m in model.misspellings:
        if m.file == file and m.column == column and m.rate > 0 and m.correct in values:
            hit = (codes == values.index(m.correct)) & (rng.random(codes.size) < m.rate)
            codes = np.where(hit, len(values), codes)
            values.append(m.misspelt)
    return values, codes


def _column(series: Series, values: np.ndarray) -> pa.Array:
    if series.integer:
        return pa.array(values.astype(np.int32))
    return pa.array(values)


def _tables(model: Model, plan: _ChunkPlan, rng: np.random.Generator) -> dict[str, pa.Table]:
    """The chunk's rows of every file, typed as var shop_files says."""
    labels, values, codes = _draw(model, plan, rng)
    ids = np.arange(plan.first_id, plan.first_id + labels.size, dtype=np.int32)
    return _customer_tables(model, ids, labels, values, codes, rng)


def _customer_tables(
    model: Model, ids: np.ndarray, labels, values, codes, rng: np.random.Generator
) -> dict[str, pa.Table]:
    """The rows of every file of these customers: class codes, series values and category
    codes as _draw gives them; the misspellings and the order of the period rows drawn."""
    layout = model.layout
    size = labels.size
    position = {s.name: j for j, s in enumerate(model.series) if s.period is None}
    of_period = {(s.file, s.column, s.period): j for j, s in enumerate(model.series)}
    tables = {}
    for file in layout.customer_files:
        data: dict[str, pa.Array] = {}
        for column in layout.columns(file):
            if column == layout.id:
                data[column] = pa.array(ids)
            elif file == CUSTOMERS_FILE and column == layout.target:
                data[column] = _strings([c.label for c in model.classes], labels)
            elif column in position:
                j = position[column]
                data[column] = _column(model.series[j], values[:, j])
            else:
                k = next(i for i, (c, _) in enumerate(model.categories) if c == column)
                words, column_codes = _misspell(
                    model, file, column, list(model.categories[k][1]), codes[:, k], rng
                )
                data[column] = _strings(words, column_codes)
        tables[file] = pa.table(data)
    for file in layout.period_files:
        periods = layout.periods(file)
        orders, weights = model.period_orders[file]
        order = orders[rng.choice(len(orders), size, p=weights)].ravel()
        customer = np.repeat(np.arange(size), len(periods))
        column = layout.period_column(file)
        words, period_codes = _misspell(
            model, file, column, [layout.period_label(p) for p in periods], order, rng
        )
        data = {layout.id: pa.array(ids[customer]), column: _strings(words, period_codes)}
        for value_column in layout.value_columns(file):
            j = np.array([of_period[(file, value_column, p)] for p in periods])[order]
            data[value_column] = _column(model.series[j[0]], values[customer, j])
        tables[file] = pa.table({c: data[c] for c in layout.columns(file)})
    return tables


# ---------------------------------------------------------------------------------------------
# Writing


def _schema(layout: Layout, file: str) -> pa.Schema:
    return pa.schema([(c, _ARROW_TYPES[kind]) for c, kind in layout.columns(file).items()])


def _as_text(model: Model, file: str, table: pa.Table) -> pa.Table:
    """Doubles written as the shop writes them: its decimal mark, "5.0" or "5" as delivered."""
    decimal = model.layout.files[file]["decimal"]
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_floating(column.type):
            column = pc.cast(column, pa.string())
            if not model.bare_whole_numbers[(file, name)]:
                whole = pc.invert(pc.match_substring(column, "."))
                column = pc.if_else(whole, pc.binary_join_element_wise(column, ".0", ""), column)
            if decimal != ".":
                column = pc.replace_substring(column, ".", decimal)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


class _CsvWriter:
    def __init__(self, model: Model, file: str, path: Path):
        self.model, self.file = model, file
        spec = model.layout.files[file]
        self.options = pa_csv.WriteOptions(
            delimiter=spec["separator"], eol="\r\n", quoting_style="none", quoting_header="none"
        )
        self.sink = pa.OSFile(str(path), "wb")
        self.writer: pa_csv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        table = _as_text(self.model, self.file, table)
        if self.writer is None:
            self.writer = pa_csv.CSVWriter(self.sink, table.schema, write_options=self.options)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.sink.close()


class _ParquetWriter:
    def __init__(self, model: Model, file: str, path: Path):
        self.writer = pq.ParquetWriter(str(path), _schema(model.layout, file))

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()


def generate(
    customers: int,
    out: Path | str,
    fmt: str = "csv",
    seed: int | None = None,
    source: Path | str | None = None,
    chunk_customers: int = CHUNK_CUSTOMERS,
) -> Path:
    """Write a delivery of `customers` new customers to `out` (created), return `out`.

    fmt "csv" writes `<file>.csv` as delivered, "parquet" `<file>.parquet`. The model is
    fitted from the delivery in `source` (default: the project's seeds); seed: default the
    project's one seed (var random_seed).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if customers < 1 or chunk_customers < 1:
        raise ValueError("customers and chunk_customers must be positive")
    seed = int(setting("random_seed")) if seed is None else seed
    model = fit(source)
    out = Path(out)

    def chunks():
        for index, plan in enumerate(_plan(model, customers, chunk_customers, seed)):
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, index)))
            yield _tables(model, plan, rng)

    return _write(model, out, fmt, chunks())


def _write(model: Model, out: Path, fmt: str, chunks) -> Path:
    """Write the tables of every chunk (file -> table) as the delivery's files in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    writer_class = _CsvWriter if fmt == "csv" else _ParquetWriter
    parts = {file: out / f"{file}.{fmt}.part" for file in model.layout.files}
    writers = {file: writer_class(model, file, path) for file, path in parts.items()}
    try:
        for tables in chunks:
            for file, table in tables.items():
                writers[file].write(table.cast(_schema(model.layout, file)))
    finally:
        for writer in writers.values():
            writer.close()
    for file, part in parts.items():
        os.replace(part, out / f"{file}.{fmt}")
    return out


# ---------------------------------------------------------------------------------------------
# The next months of a published population


class SynthError(ValueError):
    """Bad input to the next-month draw: the message names the file, the column, the problem."""


def _month_index(month: str, what: str) -> int:
    try:
        year, number = (int(part) for part in month.split("-"))
    except ValueError:
        raise SynthError(f"{what}: month {month!r} is not YYYY-MM") from None
    if not 1 <= number <= 12:
        raise SynthError(f"{what}: month {month!r} is not YYYY-MM")
    return year * 12 + number - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class World:
    """How a population moves on by a month, and the true probability of its label.

    Fitted on the delivery the copula is fitted on (`fit`), customers without a defect:
    - every series has its pooled marginal (sorted values of both classes); a value moves by a
      Gaussian step on its normal score, z' = rho z + sqrt(1 - rho^2) e, read back through the
      marginal, so the marginals stay the delivered ones month after month. The newest period of
      a period file is drawn so from the customer's newest value, with rho the delivered
      correlation of the normal scores of the two newest periods; the older periods take the
      values of the period before (this month's current is next month's previous). Every other
      series drifts with rho = DRIFT_CORRELATION; a category is drawn again from its shares
      with probability 1 - DRIFT_CORRELATION.
    - the true decline probability: a logistic regression of the label on the series (clipped
      to their delivered range, standardised) and the categories (one-hot). The label of month
      N is the activity of the three months before N: it is drawn from the true probability at
      the features of month N - var profit_at_risk_months (the horizon of the target; the
      first month known before that), plus the planted effect of a campaign, so that month M's
      scores meet in M + 3's labels the outcome they predicted.
    """

    model: Model
    marginals: tuple[np.ndarray, ...]
    lowest: np.ndarray
    highest: np.ndarray
    correlations: np.ndarray  # per series
    shifts: tuple[tuple[int, ...], ...]  # per period column: its series, newest period first
    category_shares: tuple[np.ndarray, ...]  # cumulative
    centre: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray
    intercept: float

    def features(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        numbers = (np.clip(values, self.lowest, self.highest) - self.centre) / self.scale
        dummies = [
            (codes[:, j, None] == np.arange(1, len(words))).astype(float)
            for j, (_, words) in enumerate(self.model.categories)
        ]
        return np.column_stack([numbers, *dummies])

    def decline_probability(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The true probability that a customer with these features declines."""
        logit = self.features(values, codes) @ self.coefficients + self.intercept
        return 1 / (1 + np.exp(-logit))


DRIFT_CORRELATION = 0.98  # a month's drift of a customer's features other than the periods
TRUTH_FILE = "_truth.parquet"  # beside the delivered files; not a delivered file


def _quantiles(values: np.ndarray, marginal: np.ndarray) -> np.ndarray:
    """Where each value lies in the marginal (mid-rank share, inside (0, 1))."""
    n = marginal.size
    ranks = np.searchsorted(marginal, values, "left") + np.searchsorted(marginal, values, "right")
    return np.clip(ranks / 2 / n, 0.5 / n, 1 - 0.5 / n)


def _from_quantiles(uniform: np.ndarray, marginal: np.ndarray) -> np.ndarray:
    positions = (np.arange(marginal.size) + 0.5) / marginal.size
    return np.interp(uniform, positions, marginal)


def fit_world(source: Path | str | None = None) -> World:
    """The world of the delivery in `source` (default: the project's seeds)."""
    from sklearn.linear_model import LogisticRegression

    model = fit(source)
    source = Path(source) if source is not None else project_dir() / "seeds"
    layout = model.layout
    frame = _customer_frame(_read_texts(source, layout), layout)
    values = frame[[s.name for s in model.series]].to_numpy(dtype=float)
    revenue = model.revenue_series()
    limit = float(setting("max_plausible_monthly_revenue"))
    clean = ~((values[:, revenue] > limit) | (values[:, revenue] == 0)).any(axis=1)
    values = values[clean]
    codes = _category_codes(model, frame[clean], source)
    marginals = tuple(np.sort(values[:, j]) for j in range(values.shape[1]))

    correlations = np.full(len(model.series), DRIFT_CORRELATION)
    shifts = []
    for file in layout.period_files:
        for column in layout.value_columns(file):
            chain = tuple(
                next(
                    j
                    for j, s in enumerate(model.series)
                    if (s.file, s.column, s.period) == (file, column, period)
                )
                for period in layout.periods(file)
            )
            shifts.append(chain)
            if len(chain) > 1:
                scores = [_normal_scores(values[:, j]) for j in chain[:2]]
                correlations[chain[0]] = float(np.corrcoef(*scores)[0, 1])

    world = World(
        model=model,
        marginals=marginals,
        lowest=values.min(axis=0),
        highest=values.max(axis=0),
        correlations=correlations,
        shifts=tuple(shifts),
        category_shares=tuple(
            np.cumsum(np.bincount(codes[:, j], minlength=len(words))) / len(codes)
            for j, (_, words) in enumerate(model.categories)
        ),
        centre=values.mean(axis=0),
        scale=np.where(values.std(axis=0) > 0, values.std(axis=0), 1.0),
        coefficients=np.zeros(0),
        intercept=0.0,
    )
    declined = (frame[layout.target][clean] == layout.target_labels[0]).to_numpy()
    regression = LogisticRegression(max_iter=2000).fit(world.features(values, codes), declined)
    return replace(
        world, coefficients=regression.coef_[0], intercept=float(regression.intercept_[0])
    )


def _category_codes(model: Model, frame: pd.DataFrame, where: Path) -> np.ndarray:
    codes = np.empty((len(frame), len(model.categories)), dtype=np.int64)
    for j, (column, words) in enumerate(model.categories):
        index = {word: i for i, word in enumerate(words)}
        mapped = frame[column].map(index)
        if mapped.isna().any():
            unknown = sorted(set(frame[column][mapped.isna()]))
            raise SynthError(
                f"{where / CUSTOMERS_FILE}: column {column}: {', '.join(map(repr, unknown))} "
                f"not among the values of the delivery the generator is fitted on"
            )
        codes[:, j] = mapped.to_numpy()
    return codes


def _read_delivery(directory: Path, layout: Layout) -> dict[str, pd.DataFrame]:
    """The four files of a delivery, CSV as delivered or Parquet, as text."""
    from one_click.validate import delivered_files

    found = delivered_files(directory)
    texts = {}
    for file, spec in layout.files.items():
        path = found.get(file)
        if path is None:
            raise SynthError(f"{directory}: no {file}.csv or {file}.parquet (or both)")
        if path.suffix == ".csv":
            texts[file] = pd.read_csv(
                path, sep=spec["separator"], dtype=str, keep_default_na=False, encoding="utf-8"
            )
        else:
            table = pq.read_table(path).to_pandas()
            texts[file] = table.astype(str)
    return texts


@dataclass
class Population:
    """A month of the same customers: ids (ascending), labels (declined), series and codes."""

    month: int
    ids: np.ndarray
    declined: np.ndarray
    values: np.ndarray
    codes: np.ndarray


def read_population(directory: Path | str, month: str, world: World) -> Population:
    """The customers of the delivery in `directory` (CSV or Parquet), of month `month`."""
    directory = Path(directory)
    layout = world.model.layout
    frame = _customer_frame(_read_delivery(directory, layout), layout).sort_index()
    names = [s.name for s in world.model.series]
    missing = frame[names].isna().any()
    if missing.any():
        raise SynthError(
            f"{directory}: column {missing.idxmax()}: a customer without this period's value"
        )
    return Population(
        month=_month_index(month, str(directory)),
        ids=frame.index.to_numpy(dtype=np.int32),
        declined=(frame[layout.target] == layout.target_labels[0]).to_numpy(),
        values=frame[names].to_numpy(dtype=float),
        codes=_category_codes(world.model, frame, directory),
    )


ASSIGNMENT_COLUMNS = ("month", "customer_id", "arm", "action_code")
ARMS = ("contacted", "control")


def read_assignments(paths: list[Path | str]) -> pd.DataFrame:
    """The campaign assignments of the files in `paths` (a file, or a history directory whose
    month=YYYY-MM/assignment.parquet are read): month, customer_id, arm, action_code. A file in
    a month=YYYY-MM folder without a month column (as the history is written) is of that month."""
    from one_click.labels import actions
    from one_click.layout import ASSIGNMENT_FILE, PARTITION

    files = []
    for path in map(Path, paths):
        files += sorted(path.glob(f"{PARTITION}*/{ASSIGNMENT_FILE}")) if path.is_dir() else [path]
    frames = []
    known = set(actions())
    for file in files:
        if not file.is_file():
            raise SynthError(f"{file}: assignment file not found")
        try:
            table = pq.read_table(file)
        except (pa.ArrowInvalid, OSError) as error:
            raise SynthError(f"{file}: not a Parquet file ({error})") from None
        partition = file.parent.name
        if "month" not in table.column_names and partition.startswith(PARTITION):
            # the published history's files: the month is their folder's (Hive partitioning)
            month = partition.removeprefix(PARTITION)
            table = table.append_column("month", pa.array([month] * table.num_rows, pa.string()))
        missing = [c for c in ASSIGNMENT_COLUMNS if c not in table.column_names]
        if missing:
            raise SynthError(f"{file}: column {missing[0]} missing (expected {ASSIGNMENT_COLUMNS})")
        frame = table.select(list(ASSIGNMENT_COLUMNS)).to_pandas()
        for month in frame["month"].unique():
            _month_index(str(month), f"{file}: column month")
        arms = set(frame["arm"]) - set(ARMS)
        if arms:
            raise SynthError(f"{file}: column arm: {sorted(arms)} not one of {ARMS}")
        actions_seen = set(frame["action_code"]) - known
        if actions_seen:
            raise SynthError(
                f"{file}: column action_code: {sorted(actions_seen)} not an action of labels.yml"
            )
        frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ASSIGNMENT_COLUMNS})
    return pd.concat(frames, ignore_index=True)


ALL_ACTIONS = "all"


def parse_effects(items: list[str] | dict[str, float] | None) -> dict[str, float]:
    """Action code -> the planted change of a contacted customer's decline probability (a share:
    -0.10 is 10 points less), from "CODE=POINTS" items; "all=POINTS" for every action, a
    named action overriding it. Zero for every action unless set."""
    from one_click.labels import actions

    codes = list(actions())
    if isinstance(items, dict):
        pairs = list(items.items())
    else:
        pairs = []
        for item in items or []:
            code, sep, number = item.partition("=")
            try:
                effect = float(number) if sep else math.nan
            except ValueError:
                effect = math.nan
            pairs.append((code.strip(), effect))
    effects = dict.fromkeys(codes, 0.0)
    for code, effect in sorted(pairs, key=lambda pair: pair[0] != ALL_ACTIONS):
        if code != ALL_ACTIONS and code not in effects:
            raise SynthError(
                f"effect {code!r}: not an action of labels.yml "
                f"({', '.join(codes)}) or {ALL_ACTIONS}"
            )
        if not -1 <= effect <= 1:
            raise SynthError(f"effect {code!r}: expected CODE=SHARE with a share in [-1, 1]")
        effects.update(dict.fromkeys(codes, effect) if code == ALL_ACTIONS else {code: effect})
    return effects


def _step(world: World, now: Population, rng: np.random.Generator) -> Population:
    """The same customers a month later (their label drawn apart, by _labels)."""
    model = world.model
    size = now.ids.size
    values = now.values.copy()
    codes = now.codes.copy()
    shifted = set()
    for chain in world.shifts:
        for older, newer in zip(chain[:0:-1], chain[-2::-1], strict=True):
            values[:, older] = now.values[:, newer]
            shifted.add(older)
    for j, series in enumerate(model.series):
        rho = world.correlations[j]
        score = ndtri(_quantiles(now.values[:, j], world.marginals[j]))
        moved = rho * score + np.sqrt(1 - rho**2) * rng.standard_normal(size)
        drawn = _from_quantiles(ndtr(moved), world.marginals[j])
        drawn = _round(drawn, model.precisions[j], series.integer, rng)
        if j not in shifted:
            values[:, j] = drawn
    # an impossible revenue now and then, in the newest month, as delivered
    revenue = model.revenue_series()
    current = _current_revenue(world)
    hit = np.flatnonzero(rng.random(size) < model.impossible_rate)
    if hit.size and model.impossible_ratios.size:
        others = values[np.ix_(hit, [j for j in revenue if j != current])].mean(axis=1)
        ratios = rng.choice(model.impossible_ratios, hit.size)
        values[hit, current] = np.round(ratios * others, model.precisions[current].decimals)
    for j, shares in enumerate(world.category_shares):
        redraw = rng.random(size) >= DRIFT_CORRELATION
        drawn = np.minimum(np.searchsorted(shares, rng.random(size), "right"), shares.size - 1)
        codes[:, j] = np.where(redraw, drawn, codes[:, j])
    return Population(now.month + 1, now.ids, now.declined, values, codes)


def _current_revenue(world: World) -> int:
    """The series of the newest revenue period."""
    revenue = world.model.revenue_series()
    return next(chain[0] for chain in world.shifts if chain[0] in revenue)


def _revenue_effect(
    world: World,
    population: Population,
    assignments: pd.DataFrame,
    effects: dict[str, float],
    inverse: bool = False,
) -> np.ndarray:
    """The population's series with the planted effect on revenue: each revenue period of a
    month within the target's horizon after a campaign that contacted the customer is scaled by
    1 - the effect of its action (-0.10: 10 % more revenue kept), rounded as the series is
    written. `inverse` takes it out again (a delivery read back holds it)."""
    values = population.values.copy()
    revenue = set(world.model.revenue_series())
    for chain in world.shifts:
        if chain[0] not in revenue:
            continue
        for age, j in enumerate(chain):  # the newest period is the population's month
            _, _, effect = _treatment(
                replace(population, month=population.month - age), assignments, effects
            )
            changed = (effect != 0) & (effect < 1)  # a revenue scaled to 0 cannot come back
            factor = (1 - effect[changed]) ** (-1 if inverse else 1)
            values[changed, j] = np.round(
                values[changed, j] * factor, world.model.precisions[j].decimals
            )
    return values


def _treatment(population: Population, assignments: pd.DataFrame, effects: dict[str, float]):
    """(campaign month, action, planted effect) per customer: the latest campaign within the
    target's horizon before this month that contacted them (var profit_at_risk_months)."""
    horizon = int(setting("profit_at_risk_months"))
    size = population.ids.size
    campaign = np.full(size, None, dtype=object)
    action = np.full(size, None, dtype=object)
    effect = np.zeros(size)
    if assignments.empty:
        return campaign, action, effect
    months = assignments["month"].map(lambda m: _month_index(str(m), "assignment"))
    active = assignments.assign(index=months)
    active = active[
        (active["arm"] == ARMS[0])
        & (active["index"] < population.month)
        & (active["index"] >= population.month - horizon)
    ]
    active = active.sort_values("index", kind="stable").drop_duplicates("customer_id", keep="last")
    rows = np.searchsorted(population.ids, active["customer_id"].to_numpy())
    campaign[rows] = active["month"].astype(str).to_numpy()
    action[rows] = active["action_code"].to_numpy()
    effect[rows] = active["action_code"].map(effects).to_numpy(dtype=float)
    return campaign, action, effect


def _truth(
    population: Population, base: np.ndarray, features_month: int, assignments, effects, rng
) -> pa.Table:
    """The month's labels drawn from the true probability (`base`, at the features of
    `features_month`, plus the planted effect), and that truth as a table."""
    campaign, action, effect = _treatment(population, assignments, effects)
    probability = np.clip(base + effect, 0.0, 1.0)
    population.declined = rng.random(base.size) < probability
    return pa.table(
        {
            "customer_id": pa.array(population.ids, pa.int32()),
            "month": pa.array([_month_name(population.month)] * base.size, pa.string()),
            "features_month": pa.array([_month_name(features_month)] * base.size, pa.string()),
            "decline_probability": pa.array(probability),
            "base_decline_probability": pa.array(base),
            "treated": pa.array(pd.notna(campaign)),
            "campaign_month": pa.array(campaign, pa.string()),
            "action_code": pa.array(action, pa.string()),
            "planted_effect": pa.array(probability - base),
            "declined": pa.array(population.declined),
        }
    )


def _write_population(
    world: World, population: Population, out: Path, fmt: str, seed: int, chunk_customers: int
) -> Path:
    model = world.model
    labels_of = {c.label: i for i, c in enumerate(model.classes)}
    declined, kept = (labels_of[label] for label in model.layout.target_labels)
    labels = np.where(population.declined, declined, kept)

    def chunks():
        for index, start in enumerate(range(0, population.ids.size, chunk_customers)):
            rows = slice(start, start + chunk_customers)
            rng = np.random.default_rng(
                np.random.SeedSequence(seed, spawn_key=(3, population.month, index))
            )
            yield _customer_tables(
                model,
                population.ids[rows],
                labels[rows],
                population.values[rows],
                population.codes[rows],
                rng,
            )

    return _write(model, out, fmt, chunks())


def generate_next(
    population: Path | str,
    out: Path | str,
    month: str | None = None,
    ahead: tuple[int, ...] = (1, 3),
    fmt: str = "csv",
    seed: int | None = None,
    assignments: list[Path | str] | pd.DataFrame = (),
    effects: list[str] | dict[str, float] | None = None,
    source: Path | str | None = None,
    chunk_customers: int = CHUNK_CUSTOMERS,
) -> dict[str, Path]:
    """Draw the deliveries `ahead` months after the delivery in `population` (of `month`,
    default var delivery_month): the same customers, month by month. Each goes to
    out/YYYY-MM/ (the four files, CSV as delivered or Parquet) with the truth beside them in
    TRUTH_FILE. A customer contacted in a campaign of `assignments` (files or history
    directories, see read_assignments) has the effect of its action (`effects`, parse_effects)
    planted on the labels of the months within the target's horizon after the campaign, and on
    their revenue (_revenue_effect; taken out of the delivery in `population` first).

    The month M+k is drawn from M+k-1 with the generator SeedSequence(seed, spawn_key=(2, its
    month)): the same seed gives the same deliveries, and M+2 drawn from M is M+2 drawn from
    the delivery of M+1. Returns {month: directory}.
    """
    if fmt not in FORMATS:
        raise SynthError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if not ahead or min(ahead) < 1:
        raise SynthError(f"ahead {ahead}: months after the delivery, each 1 or more")
    seed = int(setting("random_seed")) if seed is None else seed
    month = str(setting("delivery_month")) if month is None else month
    plan = parse_effects(effects)
    if isinstance(assignments, pd.DataFrame):
        assigned = assignments
    else:
        assigned = read_assignments(list(assignments))
    world = fit_world(source)
    now = read_population(population, month, world)
    strangers = ~np.isin(assigned["customer_id"].to_numpy(), now.ids)
    if strangers.any():
        raise SynthError(
            f"assignment: column customer_id: customer "
            f"{assigned['customer_id'].to_numpy()[strangers][0]} is not in the population"
        )
    # the state is the world without the campaigns: a delivery read back holds their effect on
    # revenue, taken out here and put back into each month written
    now.values = _revenue_effect(world, now, assigned, plan, inverse=True)
    horizon = int(setting("profit_at_risk_months"))
    # the true probability at each month's features: month N's label is drawn at N - horizon's
    # (the earliest month known for the first months)
    truths = {now.month: world.decline_probability(now.values, now.codes)}
    out = Path(out)
    written = {}
    for step in range(1, max(ahead) + 1):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, now.month + 1)))
        now = _step(world, now, rng)
        truths[now.month] = world.decline_probability(now.values, now.codes)
        features_month = max(now.month - horizon, min(truths))
        truth = _truth(now, truths[features_month], features_month, assigned, plan, rng)
        truths = {m: p for m, p in truths.items() if m > now.month - horizon}
        if step in ahead:
            name = _month_name(now.month)
            delivered = replace(now, values=_revenue_effect(world, now, assigned, plan))
            current = _current_revenue(world)
            truth = truth.append_column(
                "base_revenue", pa.array(now.values[:, current])
            ).append_column("revenue", pa.array(delivered.values[:, current]))
            directory = _write_population(world, delivered, out / name, fmt, seed, chunk_customers)
            pq.write_table(truth, directory / TRUTH_FILE)
            written[name] = directory
    return written


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m one_click.synth",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--customers", type=int, help="a delivery of this many new customers")
    what.add_argument(
        "--next-of", type=Path, metavar="DELIVERY", help="the next months of this delivery"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--seed", type=int, default=None, help="default: var random_seed")
    parser.add_argument("--source", type=Path, default=None, help="default: the project's seeds")
    parser.add_argument("--month", default=None, help="--next-of: its month (var delivery_month)")
    parser.add_argument(
        "--ahead", type=int, nargs="+", default=[1, 3], help="--next-of: months on (1 3)"
    )
    parser.add_argument(
        "--assignment",
        type=Path,
        action="append",
        default=[],
        help="--next-of: a campaign assignment file, or the history directory",
    )
    parser.add_argument(
        "--effect",
        action="append",
        default=[],
        metavar="ACTION=SHARE",
        help="--next-of: the planted effect of an action (or all) on the decline probability",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    seed = int(setting("random_seed")) if args.seed is None else args.seed
    if args.customers is not None:
        generate(args.customers, args.out, args.format, seed, args.source)
        done = f"{args.out}: {args.customers:,} customers as {args.format} (seed {seed})"
    else:
        try:
            written = generate_next(
                args.next_of,
                args.out,
                args.month,
                tuple(args.ahead),
                args.format,
                seed,
                args.assignment,
                args.effect,
                args.source,
            )
        except SynthError as error:
            print(f"one_click.synth: {error}", file=sys.stderr)
            return 2
        months = ", ".join(f"{month} ({path})" for month, path in written.items())
        done = f"the months after {args.next_of}: {months}, as {args.format} (seed {seed})"
    seconds = time.perf_counter() - started
    print(f"{done} in {seconds:.1f} s, peak RSS {_peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
