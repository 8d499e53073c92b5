"""`eraser batch -j N`'s worker processes share the cores' OpenCV threads."""

import os
import signal
from concurrent.futures import ProcessPoolExecutor
import multiprocessing

import cv2

from eraser.batching.local import _start_worker


def _threads() -> int:
    return cv2.getNumThreads()


def test_each_worker_takes_its_share_of_opencv_threads():
    cores = os.cpu_count() or 1
    default = cv2.getNumThreads()
    for workers in (1, 2, 3, 64):
        # fork where there is fork (as run_local starts them), else spawn
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method), initializer=_start_worker,
                                 initargs=(workers,)) as pool:
            got = pool.submit(_threads).result()
        assert got == max(1, min(default, cores // workers)), workers
    assert cv2.getNumThreads() == default  # the parent's own are left alone
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
