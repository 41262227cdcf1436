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
import os
import threading
import time

from joblib import Parallel, delayed

# a task holds its worker this long after the import, so that the next task goes to another
# worker; rounds of tasks go on until every worker has imported the module, or ROUNDS ran
HOLD_SECONDS = 0.05
ROUNDS = 40


def _imported(module: str) -> int:
    importlib.import_module(module)
    time.sleep(HOLD_SECONDS)
    return os.getpid()


def warm(n_jobs: int, module: str) -> set[int]:
    """Make joblib's n_jobs worker processes import `module` (what the tasks to come unpickle);
    the ids of the workers that did (all of them, unless ROUNDS ran out)."""
    ready: set[int] = set()
    for _ in range(ROUNDS):
        ready |= set(Parallel(n_jobs=n_jobs)(delayed(_imported)(module) for _ in range(n_jobs)))
        if len(ready) >= n_jobs:
            break
    return ready


def start(n_jobs: int, module: str) -> threading.Thread:
    """A started thread that runs warm(n_jobs, module); join it before your first parallel
    call."""
    thread = threading.Thread(target=warm, args=(n_jobs, module), name="start-workers", daemon=True)
    thread.start()
    return thread
