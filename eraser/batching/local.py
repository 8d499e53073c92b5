"""Running a batch here: in this process (--jobs 1) or worker processes.

Each worker process builds its backends on its first photo and keeps them
(the registry caches built backends per process), so a model is loaded once
per worker, not once per photo. Workers ignore Ctrl-C: the parent stops
handing out photos and waits for those in flight, so every output is whole.
"""

from __future__ import annotations

import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Optional

from eraser.batching.jobs import Job
from eraser.batching.work import Options, Record, process


def _quiet_worker() -> None:
    # Only the signal here: no OpenCV call. cv2.setNumThreads in a forked
    # worker whose parent had used OpenCV's thread pool never returned (it
    # destroys the pool's condition variables, copied mid-state by the fork).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


STOPS = (KeyboardInterrupt, SystemExit)  # Ctrl-C, or the CLI's signal handler (eraser.cli.signals)


def run_local(jobs: list[Job], options: Options, workers: int, done: Callable[[Record], None]) -> Optional[BaseException]:
    """Process ``jobs``, calling ``done`` with each record as it ends.
    Returns what stopped it (Ctrl-C, a signal) before every job ran, else None."""
    if workers <= 1 or len(jobs) <= 1:
        try:
            for job in jobs:
                done(process(job, options))
        except STOPS as stop:
            return stop
        return None
    import multiprocessing

    # fork on Linux: a worker starts in milliseconds instead of re-importing
    # eraser (1.9x with 2 workers here, against 1.7x with spawn); the parent
    # has built no backend yet, so there is no model session or runtime thread
    # to inherit. Elsewhere (macOS) fork is unsafe: spawn.
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    pending: Iterable[Job] = iter(jobs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_quiet_worker) as pool:
        running = set()
        stopped = None
        try:
            for job in pending:
                running.add(pool.submit(process, job, options))
                if len(running) >= workers * 2:  # keep the queue short: a Ctrl-C waits for little
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done(future.result())
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(future.result())
        except STOPS as stop:
            stopped = stop
            for future in running:
                future.cancel()
            for future in running:  # photos in flight finish and are reported
                if not future.cancelled():
                    try:
                        done(future.result())
                    except Exception:  # noqa: BLE001
                        pass
        return stopped
