"""Run a command in a fresh process and report its wall time, CPU time and
peak RSS, for the benchmarks (stdlib only).

Peak RSS is read with ``wait4()`` in a tiny launcher process (``python -S``):
a child's ``ru_maxrss`` on Linux starts at its parent's RSS at ``exec`` time,
so asking a big parent (or the child itself) would report the parent's
memory. The launcher is small, so what it adds is far below anything
measured here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

LAUNCHER = r"""
import json, os, sys, time
argv, stdout_path, stderr_path = json.loads(sys.argv[1])
actions = [
    (os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps({"wall_s": wall, "maxrss_kb": usage.ru_maxrss,
                  "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
                  "rc": os.waitstatus_to_exitcode(status)}))
"""


def launch(argv: list[str], tmp: Path, tag: str, check: bool = True) -> dict[str, Any]:
    """Run ``argv`` (``argv[0]`` a path) under the launcher: ``wall_s``,
    ``maxrss_kb``, ``user_s``, ``sys_s``, ``rc`` and the end of its stderr.
    Its output goes to ``tmp/TAG.stdout`` and ``tmp/TAG.stderr``. With
    ``check``, a non-zero exit raises RuntimeError."""
    out, err = tmp / f"{tag}.stdout", tmp / f"{tag}.stderr"
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, json.dumps([argv, str(out), str(err)])],
        check=True, capture_output=True, text=True,
    )
    report = json.loads(done.stdout)
    report["stderr"] = err.read_text(errors="replace")[-2000:]
    if check and report["rc"] != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({report['rc']}): {report['stderr']}")
    return report
