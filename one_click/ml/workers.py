"""Start the worker processes of a search before it needs them.

joblib's worker processes (loky) start on the first parallel call, and each then imports what its
first task needs (scikit-learn, pandas, the package): some two seconds on the embedded default,
every core busy and nothing scored. start() launches them from a thread and returns at once, so
they start while the caller imports and reads its data; the caller joins the thread before its
own parallel calls, which then find the workers ready (joblib keeps one pool of a size, reused by
every later call of that size in the process). Nothing here imports scikit-learn.
"""

from __future__ import annotations

import importlib
import threading

from joblib import Parallel, delayed


def _imported(module: str) -> str:
    importlib.import_module(module)
    return module


def start(n_jobs: int, module: str) -> threading.Thread:
    """A started thread that makes joblib's n_jobs worker processes import `module` (what the
    tasks to come unpickle); join it before the first parallel call of your own."""

    def run() -> None:
        Parallel(n_jobs=n_jobs)(delayed(_imported)(module) for _ in range(n_jobs))

    thread = threading.Thread(target=run, name="start-workers", daemon=True)
    thread.start()
    return thread
