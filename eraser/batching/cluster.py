"""Running a batch on Ray: actors that each build their backends once.

``ray.init(address)`` joins a cluster (without an address, starts a local
Ray). One actor per CPU of the cluster (or ``workers``) processes photos; an
actor whose process dies is restarted by Ray (``max_restarts``) and its photo
tried once more, then reported as failed like any other failure. Photos are
read and written through fsspec, so a cluster works where its data lives.
"""

from __future__ import annotations

from typing import Callable, Optional

from eraser.batching.jobs import Job
from eraser.batching.work import Options, Record, process
from eraser.errors import EraserError

RETRIES = 1


def _ray():
    try:
        import ray
    except ImportError:
        raise EraserError("--ray needs Ray: pip install 'eraser[ray]'") from None
    return ray


class _Worker:
    """The actor: its process keeps the backends it built (the registry's cache)."""

    def __init__(self, work: Callable[[Job, Options], Record]) -> None:
        self.work = work

    def process(self, job: Job, options: Options) -> Record:
        return self.work(job, options)


def run_ray(jobs: list[Job], options: Options, address: Optional[str], workers: int,
            done: Callable[[Record], None], work: Callable[[Job, Options], Record] = process,
            ) -> Optional[BaseException]:
    ray = _ray()
    if not ray.is_initialized():
        kwargs = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        try:
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=max(1, workers), **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EraserError(f"cannot start or join Ray at {address or 'a local cluster'}: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    size = workers if workers > 0 else int(ray.cluster_resources().get("CPU", 1))
    size = max(1, min(size, len(jobs)))
    actor = ray.remote(num_cpus=1, max_restarts=1, max_task_retries=0)(_Worker)
    actors = [actor.remote(work) for _ in range(size)]
    queue = list(reversed(jobs))
    idle = list(actors)
    running: dict = {}  # object ref -> (job, actor, attempt)
    try:
        while queue or running:
            while queue and idle:
                job, who = queue.pop(), idle.pop()
                running[who.process.remote(job, options)] = (job, who, 0)
            ready, _ = ray.wait(list(running), num_returns=1)
            ref = ready[0]
            job, who, attempt = running.pop(ref)
            try:
                record = ray.get(ref)
            except ray.exceptions.RayError as exc:
                if attempt < RETRIES:
                    running[who.process.remote(job, options)] = (job, who, attempt + 1)
                    continue
                record = Record(job.photo.relative, "failed", error=f"Ray: {str(exc).splitlines()[0][:200]}")
            idle.append(who)
            done(record)
    except (KeyboardInterrupt, SystemExit) as stop:  # Ctrl-C, or the CLI's signal handler
        for ref, (job, _, _) in list(running.items()):  # photos in flight finish and are reported
            try:
                done(ray.get(ref))
            except (ray.exceptions.RayError, KeyboardInterrupt, SystemExit):
                pass
        return stop
    finally:
        for a in actors:
            ray.kill(a)
    return None
