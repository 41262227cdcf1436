"""Synthetic deliveries (one_click.synth): valid, deterministic, like the delivered data, new.

Every expectation is measured on the delivered files (the seeds), not typed in: a rate is
compared with the delivered rate, a distribution with the delivered distribution.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from deliveries import DELIVERED_FILES, PROJECT_DIR, read_rows, write_rows
from scipy.stats import ks_2samp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from one_click import labels, monthly, stats, synth, validate
from one_click.project import setting

CUSTOMERS = 3000
SEED = 42
SEEDS = PROJECT_DIR / "seeds"
FILES = setting("shop_files")
VOCABULARY = setting("shop_vocabulary")
LAYOUT = synth.Layout.from_project()
DECLINED = LAYOUT.target_labels[0]


def _binomial_tolerance(rate: float, n: int, sds: float = 4.0) -> float:
    return sds * math.sqrt(rate * (1 - rate) / n)


@pytest.fixture(scope="module")
def model() -> synth.Model:
    return synth.fit(SEEDS)


@pytest.fixture(scope="module")
def series_names(model) -> list[str]:
    return [s.name for s in model.series]


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory) -> Path:
    return synth.generate(CUSTOMERS, tmp_path_factory.mktemp("csv"), "csv", SEED)


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory) -> Path:
    return synth.generate(CUSTOMERS, tmp_path_factory.mktemp("parquet"), "parquet", SEED)


@pytest.fixture(scope="module")
def delivered() -> pd.DataFrame:
    return synth.customer_table(SEEDS)


@pytest.fixture(scope="module")
def synthetic(csv_dir) -> pd.DataFrame:
    return synth.customer_table(csv_dir)


def _validator():
    """validate_delivery (CSV or Parquet) once validate.py has it, else validate_seeds (CSV)."""
    return getattr(validate, "validate_delivery", None) or validate.validate_seeds


def _files(directory: Path, fmt: str) -> dict[str, bytes]:
    return {file: (directory / f"{file}.{fmt}").read_bytes() for file in FILES}


# ---------------------------------------------------------------------------------------------
# Format and validity


def test_csv_delivery_passes_validation(csv_dir):
    report = _validator()(csv_dir)
    assert report.errors == [], report.format()
    assert sorted(p.name for p in csv_dir.iterdir()) == sorted(DELIVERED_FILES)


def test_several_chunks_make_one_valid_delivery(tmp_path):
    # 2,500 customers in chunks of 700: ids run on across chunks, headers are written once
    out = synth.generate(2500, tmp_path, "csv", SEED, chunk_customers=700)
    report = _validator()(out)
    assert report.errors == [], report.format()
    ids = synth.customer_table(out).index
    assert ids.is_unique and ids.is_monotonic_increasing and len(ids) == 2500
    for file in FILES:
        header = read_rows(out / f"{file}.csv")[0]
        assert sum(row == header for row in read_rows(out / f"{file}.csv")) == 1


def test_csv_bytes_are_written_as_delivered(csv_dir):
    def shapes(rows: list[str]) -> set[str]:
        return {re.sub(r"\d+", "9", row) for row in rows}

    for file, spec in FILES.items():
        written = (csv_dir / f"{file}.csv").read_bytes()
        delivered = (SEEDS / f"{file}.csv").read_bytes()
        assert written.endswith(b"\r\n") and b"\n" not in written.replace(b"\r\n", b"")
        assert written.split(b"\r\n", 1)[0] == delivered.split(b"\r\n", 1)[0]  # the header
        # every number is written in a shape the delivered file uses ("4889.0", "0,98", "5")
        ours = pd.read_csv(csv_dir / f"{file}.csv", sep=spec["separator"], dtype=str)
        theirs = pd.read_csv(SEEDS / f"{file}.csv", sep=spec["separator"], dtype=str)
        for column, kind in spec["columns"].items():
            if kind != "varchar":
                assert shapes(ours[column]) <= shapes(theirs[column]), (file, column)


def test_rows_per_customer_and_their_order(csv_dir):
    customers = read_rows(csv_dir / f"{synth.CUSTOMERS_FILE}.csv")[1:-1]
    ids = [int(row.split(",", 1)[0]) for row in customers]
    assert ids == sorted(ids) and len(set(ids)) == CUSTOMERS
    assert min(ids) > int(pd.read_csv(SEEDS / f"{synth.CUSTOMERS_FILE}.csv")[LAYOUT.id].max())
    for file, spec in FILES.items():
        rows = read_rows(csv_dir / f"{file}.csv")[1:-1]
        file_ids = [int(row.split(spec["separator"], 1)[0]) for row in rows]
        periods = len(setting(spec["periods"])) if "periods" in spec else 1
        # each customer's rows together, customers in id order
        assert file_ids == [i for i in ids for _ in range(periods)], file


def test_parquet_has_the_declared_types_and_the_csv_values(csv_dir, parquet_dir):
    types = {"integer": "int32", "double": "double", "varchar": "string"}
    for file, spec in FILES.items():
        table = pq.read_table(parquet_dir / f"{file}.parquet")
        assert table.schema.names == list(spec["columns"])
        assert [str(t) for t in table.schema.types] == [types[k] for k in spec["columns"].values()]
        from_csv = pd.read_csv(
            csv_dir / f"{file}.csv", sep=spec["separator"], decimal=spec["decimal"]
        )
        pd.testing.assert_frame_equal(
            table.to_pandas(), from_csv, check_dtype=False, check_exact=True
        )
    if hasattr(validate, "validate_delivery"):
        report = validate.validate_delivery(parquet_dir)
        assert report.errors == [], report.format()


def test_cli_writes_a_delivery(tmp_path, capsys):
    assert synth.main(["--customers", "200", "--out", str(tmp_path), "--seed", "3"]) == 0
    assert "200 customers as csv (seed 3)" in capsys.readouterr().out
    assert _validator()(tmp_path).errors == []


# ---------------------------------------------------------------------------------------------
# Determinism


@pytest.mark.parametrize("fmt", synth.FORMATS)
def test_same_seed_same_bytes_other_seed_other_data(tmp_path, fmt, csv_dir, parquet_dir):
    first = {"csv": csv_dir, "parquet": parquet_dir}[fmt]
    again = synth.generate(CUSTOMERS, tmp_path / "again", fmt, SEED)
    assert _files(again, fmt) == _files(first, fmt)
    other = synth.generate(CUSTOMERS, tmp_path / "other", fmt, SEED + 1)
    for file, data in _files(other, fmt).items():
        assert data != _files(first, fmt)[file], file


# ---------------------------------------------------------------------------------------------
# The delivered defects, at the delivered rates


def _misspelt_share(frame: pd.DataFrame, column: str, misspelt: str, correct: str):
    """(share of the rows with this value written misspelt, how many rows have it)."""
    rows = frame[column].isin([misspelt, correct])
    return float((frame[column][rows] == misspelt).mean()), int(rows.sum())


def test_misspellings_at_the_delivered_share(csv_dir):
    for file, spec in FILES.items():
        ours = pd.read_csv(csv_dir / f"{file}.csv", sep=spec["separator"], dtype=str)
        theirs = pd.read_csv(SEEDS / f"{file}.csv", sep=spec["separator"], dtype=str)
        for column in spec["columns"]:
            for misspelt, correct in (VOCABULARY["corrections"].get(column) or {}).items():
                delivered, _ = _misspelt_share(theirs, column, misspelt, correct)
                written, rows = _misspelt_share(ours, column, misspelt, correct)
                assert rows > 0, (file, column, correct)
                assert abs(written - delivered) <= _binomial_tolerance(delivered, rows), (
                    file,
                    column,
                    misspelt,
                    written,
                    delivered,
                )
                if delivered > 0:
                    assert written > 0, (file, column, misspelt)  # e.g. the service tier


def _revenue(model) -> list[str]:
    return [s.name for s in model.series if s.file == synth.REVENUE_FILE]


def test_impossible_revenue_and_inactive_customers_are_there(synthetic, delivered, model):
    revenue = _revenue(model)
    limit = setting("max_plausible_monthly_revenue")
    assert (delivered[revenue] > limit).to_numpy().sum() >= 1  # what is reproduced
    assert (synthetic[revenue] > limit).to_numpy().sum() >= 1
    inactive = (synthetic[revenue] == 0).any(axis=1)
    rate = (delivered[revenue] == 0).any(axis=1).mean()
    assert 1 <= inactive.sum() <= CUSTOMERS * rate + 4 * math.sqrt(CUSTOMERS * rate)
    # apart from these, revenue stays in the delivered plausible range
    plausible = synthetic[revenue][(synthetic[revenue] > 0) & (synthetic[revenue] <= limit)]
    assert plausible.max().max() <= delivered[revenue][delivered[revenue] <= limit].max().max()


def test_one_impossible_revenue_even_in_a_small_delivery(tmp_path, model):
    small = synth.customer_table(synth.generate(50, tmp_path, "csv", SEED))
    assert (small[_revenue(model)] > setting("max_plausible_monthly_revenue")).to_numpy().sum() >= 1


def test_rates_follow_the_source_not_constants(tmp_path, seeds_dir):
    # a source whose market_time spells the previous month right on every row
    [(misspelt, correct)] = VOCABULARY["corrections"][LAYOUT.period_column("market_time")].items()
    path = seeds_dir / "market_time.csv"
    write_rows(path, [row.replace(misspelt, correct) for row in read_rows(path)])
    out = synth.generate(500, tmp_path, "csv", SEED, source=seeds_dir)
    text = (out / "market_time.csv").read_text(encoding="utf-8")
    assert misspelt not in text and correct in text


# ---------------------------------------------------------------------------------------------
# Like the delivered data


def test_target_rate_is_the_delivered_rate(synthetic, delivered):
    rate = (delivered[LAYOUT.target] == DECLINED).mean()
    written = (synthetic[LAYOUT.target] == DECLINED).mean()
    assert abs(written - rate) <= _binomial_tolerance(rate, CUSTOMERS)


def test_marginals_close_to_the_delivered_ones(synthetic, delivered, series_names):
    for name in series_names:
        assert ks_2samp(synthetic[name], delivered[name]).statistic < 0.05, name
    for column in LAYOUT.category_columns:
        shares = synthetic[column].value_counts(normalize=True)
        expected = delivered[column].value_counts(normalize=True)
        assert (shares.reindex(expected.index) - expected).abs().max() < 0.04, column


def test_correlations_close_to_the_delivered_ones(synthetic, delivered, series_names):
    ours = synthetic[series_names].corr(method="spearman")
    theirs = delivered[series_names].corr(method="spearman")
    assert (ours - theirs).abs().to_numpy().max() < 0.12
    # and there is dependence to reproduce: independent columns would miss it by far more
    assert np.abs(theirs.to_numpy()[np.triu_indices(len(series_names), 1)]).max() > 0.3


def test_customers_are_new_not_copies(synthetic, delivered, series_names):
    ours = {tuple(row) for row in synthetic[series_names].itertuples(index=False)}
    theirs = {tuple(row) for row in delivered[series_names].itertuples(index=False)}
    assert not ours & theirs
    # no closer to a delivered customer than delivered customers are to one another (a jittered
    # copy would sit next to its original)
    centre, spread = (
        delivered[series_names].median(),
        delivered[series_names].quantile([0.25, 0.75]),
    )
    scale = (spread.loc[0.75] - spread.loc[0.25]).replace(0, 1)
    known = ((delivered[series_names] - centre) / scale).to_numpy()
    drawn = ((synthetic[series_names] - centre) / scale).to_numpy()
    neighbours = NearestNeighbors(n_neighbors=2).fit(known)
    between_delivered = neighbours.kneighbors(known)[0][:, 1]
    to_delivered = neighbours.kneighbors(drawn, n_neighbors=1)[0][:, 0]
    assert np.percentile(to_delivered, 5) > 0.8 * np.percentile(between_delivered, 5)


def _cv_roc_auc(frame: pd.DataFrame, estimator) -> float:
    features = pd.get_dummies(
        frame.drop(columns=[LAYOUT.target]), columns=LAYOUT.category_columns, dtype=float
    )
    label = (frame[LAYOUT.target] == DECLINED).astype(int)
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED)
    return float(cross_val_score(estimator, features, label, cv=folds, scoring="roc_auc").mean())


def test_the_signal_survives_without_leakage(synthetic):
    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    boosted = HistGradientBoostingClassifier(random_state=SEED)
    for estimator in (linear, boosted):
        auc = _cv_roc_auc(synthetic, estimator)
        assert 0.7 < auc < 0.99, (estimator, auc)


# ---------------------------------------------------------------------------------------------
# The next months of a published population (generate_next)

MONTH = "2026-10"
NEXT, LATER = "2026-11", "2027-01"  # one and three months on
HORIZON = setting("profit_at_risk_months")
ACTIONS = list(labels.actions())


@pytest.fixture(scope="module")
def world() -> synth.World:
    return synth.fit_world(SEEDS)


@pytest.fixture(scope="module")
def next_months(csv_dir, tmp_path_factory) -> dict[str, Path]:
    return synth.generate_next(csv_dir, tmp_path_factory.mktemp("next"), MONTH, seed=SEED)


def _periods(frame: pd.DataFrame, file: str, column: str) -> list[str]:
    return [f"{column} {period}" for period in LAYOUT.periods(file)]


def _truth(directory: Path) -> pd.DataFrame:
    return pq.read_table(directory / synth.TRUTH_FILE).to_pandas()


def test_next_months_are_valid_deliveries_with_the_truth_beside(next_months):
    assert list(next_months) == [NEXT, LATER]
    for directory in next_months.values():
        report = validate.validate_delivery(directory, mode="train")
        assert report.errors == [] and report.warnings == [], report.format()
        names = sorted(p.name for p in directory.iterdir())
        assert names == sorted([*DELIVERED_FILES, synth.TRUTH_FILE])


def test_same_customers_periods_move_one_back(csv_dir, next_months):
    now = synth.customer_table(csv_dir)
    after = {month: synth.customer_table(d) for month, d in next_months.items()}
    for frame in after.values():
        assert frame.index.equals(now.index)
    for file in LAYOUT.period_files:
        for column in LAYOUT.value_columns(file):
            names = _periods(now, file, column)
            # next month's previous is this month's current, and so on back
            for newer, older in zip(names, names[1:], strict=False):
                assert after[NEXT][older].equals(now[newer]), (file, older)
            # three months on, the oldest period held is the first month drawn
            gap = len(names) - 1
            if gap >= 2:
                assert after[LATER][names[2]].equals(after[NEXT][names[0]]), file
            # the newest period is new, yet follows the customer's last one
            changed = (after[NEXT][names[0]] != now[names[0]]).mean()
            assert changed > 0.5, (file, column)
            assert after[NEXT][names[0]].corr(now[names[0]], method="spearman") > 0.2


def test_other_features_drift_slightly(csv_dir, next_months, model):
    now = synth.customer_table(csv_dir)
    after = synth.customer_table(next_months[NEXT])
    for series in model.series:
        if series.period is None:
            name = series.name
            assert now[name].corr(after[name], method="spearman") > 0.9, name
            assert ks_2samp(now[name], after[name]).statistic < 0.05, name
    moved = [
        s.name for s in model.series if s.period is None and (now[s.name] != after[s.name]).any()
    ]
    assert moved, "no feature drifted"
    for column in LAYOUT.category_columns:
        kept = (now[column] == after[column]).mean()
        assert 0.9 < kept < 1.0, column


def test_label_drawn_from_the_truth(next_months, world, csv_dir):
    truth = _truth(next_months[LATER])
    frame = synth.customer_table(next_months[LATER])
    declined = (frame[LAYOUT.target] == DECLINED).to_numpy()
    assert (truth["declined"].to_numpy() == declined).all()
    # the label of month M + horizon is drawn at month M's features: the scores of M meet it
    assert set(truth["features_month"]) == {MONTH}
    population = synth.read_population(csv_dir, MONTH, world)
    expected = world.decline_probability(population.values, population.codes)
    np.testing.assert_allclose(truth["base_decline_probability"], expected)
    # labels follow their probability: the share declined within sampling error of its mean
    p = truth["decline_probability"]
    assert abs(declined.mean() - p.mean()) <= 4 * math.sqrt((p * (1 - p)).sum()) / len(p)
    assert (truth["planted_effect"] == 0).all() and not truth["treated"].any()  # no campaign


def test_next_months_deterministic_and_continued_from_a_delivery(csv_dir, next_months, tmp_path):
    again = synth.generate_next(csv_dir, tmp_path / "again", MONTH, seed=SEED)
    for month, directory in next_months.items():
        for name in [*DELIVERED_FILES, synth.TRUTH_FILE]:
            assert (again[month] / name).read_bytes() == (directory / name).read_bytes(), name
    other = synth.generate_next(csv_dir, tmp_path / "other", MONTH, ahead=(1,), seed=SEED + 1)
    assert _files(other[NEXT], "csv") != _files(next_months[NEXT], "csv")
    # continued from the published next month, the features of the month after are the same
    continued = synth.generate_next(next_months[NEXT], tmp_path / "on", NEXT, ahead=(2,), seed=SEED)
    features = [c for c in synth.customer_table(csv_dir).columns if c != LAYOUT.target]
    pd.testing.assert_frame_equal(
        synth.customer_table(continued[LATER])[features],
        synth.customer_table(next_months[LATER])[features],
    )


def _assignment(ids: np.ndarray, rng: np.random.Generator, month: str = MONTH) -> pd.DataFrame:
    """Half of the customers contacted, half control; two actions across both arms."""
    shuffled = rng.permutation(ids)
    half = len(shuffled) // 2
    return pd.DataFrame(
        {
            "month": month,
            "customer_id": shuffled,
            "arm": np.where(np.arange(len(shuffled)) < half, "contacted", "control"),
            "action_code": np.where(np.arange(len(shuffled)) % 2 == 0, ACTIONS[0], ACTIONS[2]),
            "decline_probability": 0.5,
        }
    )


def test_planted_effect_per_action_in_the_truth_and_the_labels(tmp_path):
    # 20,000 customers: 5,000 per arm and action; loyalty_bonus (ACTIONS[0]) -10 points only
    delivery = synth.generate(20_000, tmp_path / "month", "parquet", SEED)
    ids = pq.read_table(delivery / f"{synth.CUSTOMERS_FILE}.parquet").column(LAYOUT.id)
    assignment = _assignment(ids.to_numpy(), np.random.default_rng(SEED))
    path = tmp_path / "history" / f"{monthly.PARTITION}{MONTH}" / monthly.ASSIGNMENT_FILE
    path.parent.mkdir(parents=True)
    assignment.drop(columns="month").to_parquet(path)  # as the history: the folder names it
    effect = -0.10
    written = synth.generate_next(
        delivery,
        tmp_path / "next",
        MONTH,
        ahead=(HORIZON, HORIZON + 1),
        fmt="parquet",
        seed=SEED,
        assignments=[tmp_path / "history"],  # the history directory, as published
        effects=[f"{ACTIONS[0]}={effect}"],
    )
    months = list(written)
    truth = _truth(written[months[0]]).merge(assignment, on="customer_id", suffixes=("", "_a"))
    contacted = truth["arm"] == "contacted"
    planted = contacted & (truth["action_code_a"] == ACTIONS[0])
    assert (truth["treated"] == contacted).all()
    # the truth: exactly the effect, but where the probability would fall below 0
    room = truth["base_decline_probability"] >= -effect
    np.testing.assert_allclose(truth.loc[planted & room, "planted_effect"], effect)
    assert (truth.loc[~planted, "planted_effect"] == 0).all()
    # the labels: the decline rate of the planted group against the control group differs by
    # the planted effect within sampling error
    treated, control = truth.loc[planted, "declined"], truth.loc[~contacted, "declined"]
    difference = treated.mean() - control.mean()
    error = math.sqrt(
        treated.mean() * (1 - treated.mean()) / len(treated)
        + control.mean() * (1 - control.mean()) / len(control)
    )
    expected = truth.loc[planted, "planted_effect"].mean()
    assert abs(difference - expected) <= 4 * error, (difference, expected, error)
    assert abs(difference) > 4 * error  # and the effect is there to see
    # the other action, no effect planted: none seen
    other = truth.loc[contacted & ~planted, "declined"]
    assert abs(other.mean() - control.mean()) <= 4 * error
    # beyond the target's horizon after the campaign, the effect is gone
    assert (_truth(written[months[1]])["planted_effect"] == 0).all()


def test_planted_effect_moves_the_revenue_the_early_read_sees(tmp_path, csv_dir, model):
    ids = synth.customer_table(csv_dir).index.to_numpy()
    assignment = _assignment(ids, np.random.default_rng(SEED))
    effect, after = -0.10, _month_after(NEXT)
    planted = {"seed": SEED, "assignments": assignment, "effects": [f"all={effect}"]}
    written = synth.generate_next(csv_dir, tmp_path / "next", MONTH, ahead=(1, 2), **planted)
    plain = synth.generate_next(csv_dir, tmp_path / "plain", MONTH, ahead=(1,), seed=SEED)
    file = synth.REVENUE_FILE
    newest, previous = _periods(None, file, LAYOUT.value_columns(file)[0])[:2]
    [j] = [i for i, s in enumerate(model.series) if s.name == newest]
    unit = 10.0 ** -model.precisions[j].decimals
    truth = _truth(written[NEXT]).merge(assignment, on="customer_id")
    delivered = synth.customer_table(written[NEXT]).loc[truth["customer_id"], newest].to_numpy()
    base = synth.customer_table(plain[NEXT]).loc[truth["customer_id"], newest].to_numpy()
    contacted = (truth["arm"] == "contacted").to_numpy()
    # the truth: the revenue without the campaign is the world's without one; as delivered, a
    # contacted customer's is scaled by 1 - the effect, a control customer's is the same
    np.testing.assert_array_equal(truth["base_revenue"], base)
    np.testing.assert_array_equal(truth["revenue"], delivered)
    np.testing.assert_array_equal(delivered[~contacted], base[~contacted])
    kept = base[contacted] * (1 - effect)
    assert np.abs(delivered[contacted] - kept).max() <= unit / 2 + 1e-9
    # the early read: contacted customers keep more revenue than the control group, beyond
    # sampling error; without the campaign the two arms are alike (plausible revenues: the
    # project sets the impossible ones apart)
    plausible = (base > 0) & (base <= setting("max_plausible_monthly_revenue"))
    for values, seen in ((delivered, True), (base, False)):
        a, b = values[contacted & plausible], values[~contacted & plausible]
        error = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert bool(a.mean() - b.mean() > 4 * error) is seen, (a.mean() - b.mean(), error)
    # the next month's previous revenue is this month's as delivered, and drawn on from the
    # delivery of NEXT (the effect taken out, then put back) the month after is the same
    later = synth.customer_table(written[after]).loc[truth["customer_id"], previous].to_numpy()
    np.testing.assert_array_equal(later, delivered)
    continued = synth.generate_next(written[NEXT], tmp_path / "on", NEXT, ahead=(1,), **planted)
    features = [c for c in synth.customer_table(csv_dir).columns if c != LAYOUT.target]
    pd.testing.assert_frame_equal(
        synth.customer_table(continued[after])[features],
        synth.customer_table(written[after])[features],
    )


def _month_after(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def test_effects_are_zero_unless_given_and_checked():
    assert synth.parse_effects(None) == dict.fromkeys(ACTIONS, 0.0)
    both = synth.parse_effects(["all=-0.1", f"{ACTIONS[1]}=-0.2"])
    assert both[ACTIONS[1]] == -0.2 and {both[a] for a in ACTIONS if a != ACTIONS[1]} == {-0.1}
    with pytest.raises(synth.SynthError, match="not an action"):
        synth.parse_effects(["no_such_action=-0.1"])
    with pytest.raises(synth.SynthError, match=r"\[-1, 1\]"):
        synth.parse_effects([f"{ACTIONS[0]}=ten"])


def test_bad_assignment_named_with_its_column(tmp_path, csv_dir, capsys):
    path = tmp_path / "assignment.parquet"
    pd.DataFrame({"month": [MONTH], "customer_id": [1], "arm": ["contacted"]}).to_parquet(path)
    code = synth.main(
        ["--next-of", str(csv_dir), "--out", str(tmp_path / "o"), "--assignment", str(path)]
    )
    assert code == 2
    assert f"{path}: column action_code missing" in capsys.readouterr().err
    stranger = _assignment(np.array([1]), np.random.default_rng(0))
    stranger.to_parquet(path)
    with pytest.raises(synth.SynthError, match="customer_id: customer 1 is not in the population"):
        synth.generate_next(csv_dir, tmp_path / "o", MONTH, ahead=(1,), assignments=[path])


def test_cli_draws_the_next_months(tmp_path, csv_dir, capsys):
    args = ["--next-of", str(csv_dir), "--out", str(tmp_path), "--month", MONTH, "--ahead", "1"]
    assert synth.main([*args, "--effect", "all=-0.1", "--seed", "3"]) == 0
    assert f"{NEXT} ({tmp_path / NEXT})" in capsys.readouterr().out
    assert validate.validate_delivery(tmp_path / NEXT).errors == []


# ---------------------------------------------------------------------------------------------
# The minimal detectable effect (one_click.stats)


def test_the_minimal_detectable_effect_has_its_power():
    # at the MDE, a two-sided 5 % test of two proportions rejects in 80 % of campaigns
    base, contacted, control = 0.6, 900, 100
    mde = stats.minimal_detectable_effect(base, contacted, control)
    rng = np.random.default_rng(SEED)
    campaigns = 20_000
    treated = rng.binomial(contacted, base - mde, campaigns) / contacted
    held = rng.binomial(control, base, campaigns) / control
    error = np.sqrt(base * (1 - base) * (1 / contacted + 1 / control))
    power = np.mean(np.abs(treated - held) / error > stats.detection_z(power=0.5))
    assert abs(power - stats.POWER) < 0.02, power
    # it shrinks as the square root of the size, and a list with no control detects nothing
    assert stats.list_mde(400, 0.1, base) == pytest.approx(2 * stats.list_mde(1600, 0.1, base))
    assert stats.minimal_detectable_effect(base, 10, 0) == math.inf
    assert stats.holdout_split(1297, 0.1) == (1167, 130)
