#!/usr/bin/env python
"""Run every fault script (``make faults``), then drop the fault cluster (``--keep`` keeps it seeded).

Prints each script's output and a summary; exits 1 if any failed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["redis_down.py", "worker_killed.py", "postgres_restart.py", "parallel_submissions.py"]


def main() -> int:
    sys.path.insert(0, str(HERE))
    from harness import drop_cluster

    results = {}
    try:
        for script in SCRIPTS:
            print(f"=== {script}", flush=True)
            results[script] = subprocess.run([sys.executable, str(HERE / script)], cwd=HERE.parents[1]).returncode
    finally:
        if "--keep" not in sys.argv:
            drop_cluster()
    print("=== summary")
    for script, code in results.items():
        print(f"{'ok  ' if code == 0 else 'FAIL'}  {script}")
    return 0 if results and all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
