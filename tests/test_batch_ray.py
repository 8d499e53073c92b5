"""`eraser batch --ray` on a real local Ray: the same outputs as a local run;
a worker that dies is retried once, then reported; without Ray, one line."""

import subprocess
import sys

import pytest

import eraser
from batch_helpers import make_shoot

pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop

ray = pytest.importorskip("ray", reason="Ray is in the test extra (pip install 'eraser[ray]')")


@pytest.fixture(scope="module")
def shoot(tmp_path_factory):
    return make_shoot(tmp_path_factory.mktemp("shoot"), count=8)


@pytest.fixture(scope="module")
def local_ray():
    import builtins

    real_print = builtins.print  # ray.init replaces it for the whole process
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()
    builtins.print = real_print


def test_ray_equals_local(shoot, tmp_path, local_ray):
    photos, masks, names = shoot
    on_ray = eraser.batch(str(photos), str(tmp_path / "ray"), recursive=True, masks=str(masks), inpainter="telea",
                          ray=True)
    here = eraser.batch(str(photos), str(tmp_path / "local"), recursive=True, masks=str(masks), inpainter="telea",
                        jobs=1)
    assert on_ray.ok and on_ray.count("done") == 8 and here.ok
    for rel in names:
        assert (tmp_path / "ray" / rel).read_bytes() == (tmp_path / "local" / rel).read_bytes()
    again = eraser.batch(str(photos), str(tmp_path / "ray"), recursive=True, masks=str(masks), inpainter="telea",
                         ray=True)
    assert again.count("skipped") == 8  # resume works the same on Ray


def test_a_dying_worker_is_retried_then_reported(shoot, tmp_path, local_ray):
    """A photo whose processing kills its actor's process (os._exit) fails
    twice (the first try and one retry, on the restarted actor); the others are done."""
    from eraser.batching import cluster, run, work

    photos, masks, names = shoot
    doomed = names[0]

    def deadly(job, options):  # sent to the actors by value
        if job.photo.relative == doomed:
            import os

            os._exit(1)
        return work.process(job, options)

    jobs = run.plan(str(photos), recursive=True, masks=str(masks))
    options = work.Options(str(tmp_path / "out"), inpainter="telea")
    records = []
    assert cluster.run_ray(jobs, options, None, 0, records.append, work=deadly) is None
    failed = [r for r in records if r.status == "failed"]
    assert [r.photo for r in failed] == [doomed] and failed[0].error.startswith("Ray:")
    assert sum(r.status == "done" for r in records) == 7


def test_without_ray_one_line(shoot, tmp_path):
    photos, masks, _ = shoot
    code = ("import sys; sys.modules['ray'] = None; sys.argv = ['eraser', 'batch', sys.argv[1], '-o', sys.argv[2], "
            "'--point', '3,3', '--ray']; from eraser.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, str(photos), str(tmp_path / "out")], capture_output=True,
                          text=True)
    assert done.returncode == 2 and done.stderr == "error: --ray needs Ray: pip install 'eraser[ray]'\n"
