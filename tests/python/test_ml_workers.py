"""one_click.ml.workers: the worker processes started ahead are the ones the next parallel call
of the same size uses, with the module already imported."""

from __future__ import annotations

import os
import sys

from joblib import Parallel, delayed

from one_click.ml import workers

MODULE = "one_click.ml.folds"  # light, and imported by nothing a worker imports to start


def _pid_and_imported(module: str) -> tuple[int, bool]:
    return os.getpid(), module in sys.modules


def test_started_workers_are_reused_with_the_module_imported():
    thread = workers.start(2, MODULE)
    thread.join(timeout=120)
    assert not thread.is_alive()
    seen = Parallel(n_jobs=2)(delayed(_pid_and_imported)(MODULE) for _ in range(8))
    assert {pid for pid, _ in seen} - {os.getpid()}, "the tasks ran in worker processes"
    assert all(imported for _, imported in seen), "every worker had imported the module"


def test_warm_reports_every_worker():
    ready = workers.warm(2, MODULE)
    assert len(ready) == 2 and os.getpid() not in ready
