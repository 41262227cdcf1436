"""Score mode on the training month's own delivery gives every customer the score of a model that
did not train on them: the out-of-fold score again for the kept model's training customers (its
outer-fold models are kept with it), the kept model's for the others. So the scores and the band
counts stay put from `make build` to `make score` on the same delivery, with every customer in
the model sample (the embedded default) and with selection on a model sample of part of them.

Two refreshes per case in a copy of the project (slow); with every customer in the sample, the
first is the session's shared refresh of the seeds (seeds_refresh).
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import copy_project, copy_tree, explain, query, run_refresh, with_vars

pytestmark = pytest.mark.slow

# the largest mean absolute difference between a customer's score in the training build and in
# score mode on the same delivery
MOST_MEAN_DIFFERENCE = 0.02
SCORES = (
    "select customer_id, decline_probability, risk_band, score_kind from ml.customer_scores "
    "order by customer_id"
)


def _scores(root) -> pd.DataFrame:
    rows = query(root / "warehouse" / "one_click.duckdb", SCORES)
    frame = pd.DataFrame(rows, columns=["customer_id", "probability", "band", "kind"])
    return frame.set_index("customer_id")


@pytest.mark.parametrize("sample_size", [None, 400], ids=["every_customer", "model_sample"])
def test_score_mode_on_the_training_delivery_reproduces_the_honest_scores(
    tmp_path, sample_size, seeds_refresh
):
    if sample_size:
        root = copy_project(tmp_path / "project")
        with_vars(root, model_sample_size=sample_size, workers=1)
        trained = run_refresh(root)
        assert trained.returncode == 0, explain(trained)
    else:  # the embedded default, trained: the shared refresh, copied (score mode changes it)
        root = copy_tree(seeds_refresh.root, tmp_path / "project")
    before = _scores(root)
    sample = {
        row[0]
        for row in query(
            root / "warehouse/one_click.duckdb", "select customer_id from ml.model_sample"
        )
    }
    assert len(sample) == (sample_size or len(before))

    scored = run_refresh(root, "--score", "--force")
    assert scored.returncode == 0, explain(scored)
    after = _scores(root)

    assert after.index.equals(before.index)
    # the kept model's training customers, by the outer-fold model that did not see them
    in_sample = after.index.isin(sample)
    assert set(after.loc[in_sample, "kind"]) == {"fold_model"}
    assert set(after.loc[~in_sample, "kind"]) <= {"kept_model"}
    gap = (after["probability"] - before["probability"]).abs()
    print(f"mean absolute difference {gap.mean():.6f}, largest {gap.max():.6f}")
    assert gap.mean() <= MOST_MEAN_DIFFERENCE
    counts_before = before["band"].value_counts().sort_index()
    counts_after = after["band"].value_counts().sort_index()
    print(f"bands before {counts_before.to_dict()}, after {counts_after.to_dict()}")
    assert counts_after.equals(counts_before)
