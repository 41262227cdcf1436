"""Run one publish or rollback and SIGKILL it just before its k-th filesystem operation.

    python publish_child.py publish|rollback WAREHOUSE K

Every os function that changes the filesystem (or flushes it) is counted; at call K the process
kills itself, so the operations before K are done and K and later are not. K = 0 never kills:
the run completes and prints how many operations it made. The publish takes WAREHOUSE/.build.
An fsync is a kill point like the others but flushes nothing: a SIGKILL loses no written data
(the kernel keeps it), so flushing would only make each of the many runs slower.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from one_click import publish  # noqa: E402  (after the path it is found on)

OPERATIONS = ("rename", "replace", "symlink", "link", "mkdir", "rmdir", "unlink", "remove", "fsync")


def main() -> None:
    action, warehouse, kill_at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    count = 0

    def counted(function):
        def call(*args, **kwargs):
            nonlocal count
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)

        return call

    os.fsync = lambda descriptor: None
    for name in OPERATIONS:  # shutil.rmtree and pathlib call these too
        setattr(os, name, counted(getattr(os, name)))
    if action == "publish":
        publish.publish(warehouse / ".build", warehouse)
    else:
        publish.rollback(warehouse)
    print(count)


if __name__ == "__main__":
    main()
