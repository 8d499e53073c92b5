"""Installing MobileSAM and big-lama from a local file: torch-free vs torch.

Makes random-weight checkpoints with the real architectures (a plain
``mobile_sam.pt`` state dict and a TorchScript ``big-lama.pt``), then times,
each in a fresh process, in one run:

* ``install``: ``eraser models install NAME --from FILE`` in the torch-free
  environment ($ERASER_TORCHFREE_PYTHON, else this one): the shipped ONNX
  graphs filled from the checkpoint;
* ``torch onnx``: the same ONNX files exported by torch now (what
  ``eraser models convert`` writes besides CoreML);
* ``install --coreml``: ``eraser models install NAME --from FILE --coreml``:
  the same ONNX files plus the CoreML packages (built by torch and
  coremltools; they cannot run on Linux); skipped with ``--quick``. Before
  issue 11, ``install`` was "torch onnx" plus the CoreML part of this.

and reports seconds and peak resident memory (the child's maxrss) of each,
and the size of both environments (``du``). Target (issue 11): either model
installs from a local file in at most 20 s.

    python -m bench.install [--quick] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import run_with_peak_rss

MAKE = r"""
import sys, torch
from eraser_lama import model as lm
from eraser_mobilesam import model as ms
torch.manual_seed(0)
torch.save(ms.build_mobile_sam().state_dict(), sys.argv[1] + "/mobile_sam.pt")
lm.save_torchscript(lm.LamaGenerator(**lm.BIG_LAMA_CONFIG).eval(), sys.argv[1] + "/big-lama.pt")
"""

TORCH_ONNX = r"""
import sys
from pathlib import Path
name, checkpoint, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if name == "mobile-sam":
    from eraser_mobilesam.convert import export_onnx
    from eraser_mobilesam.model import load_checkpoint
    export_onnx(load_checkpoint(checkpoint), out)
else:
    from eraser_lama.convert import export_onnx
    from eraser_lama.model import load_checkpoint
    export_onnx(load_checkpoint(checkpoint), out / "LaMa.onnx", size=512)
"""


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Seconds and peak RSS (MB) of one child process."""
    seconds, rss_kb = run_with_peak_rss(cmd, env)
    return {"seconds": round(seconds, 2), "peak_mb": round(rss_kb / 1024)}


def du_mb(path: Path) -> int:
    out = subprocess.run(["du", "-sm", str(path)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the torch + CoreML install (minutes)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    free_python = os.environ.get("ERASER_TORCHFREE_PYTHON") or sys.executable
    results: dict = {"torch-free python": free_python}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-c", MAKE, str(tmp)], check=True, capture_output=True)
        for name, file in (("mobile-sam", "mobile_sam.pt"), ("lama", "big-lama.pt")):
            checkpoint = tmp / file
            md5 = hashlib.md5(checkpoint.read_bytes()).hexdigest()
            row = {}
            install = ["-m", "eraser.cli", "models", "install", name, "--from", str(checkpoint), "--md5", md5, "-q"]
            row["install (torch-free)"] = timed([free_python, *install, "--models-dir", str(tmp / "free")])
            out = tmp / f"{name}-torch"
            out.mkdir()
            row["torch onnx export"] = timed([sys.executable, "-c", TORCH_ONNX, name, str(checkpoint), str(out)])
            if not args.quick:
                row["install --coreml (ONNX filled + CoreML by torch)"] = timed(
                    [sys.executable, *install, "--coreml", "--models-dir", str(tmp / "torch")])
            results[name] = row
    results["venv MB"] = {"torch-free": du_mb(Path(free_python).parents[1]), "with torch": du_mb(Path(sys.prefix))}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name in ("mobile-sam", "lama"):
        for step, value in results[name].items():
            print(f"{name:10} {step:26} {value['seconds']:8.2f} s   peak {value['peak_mb']} MB")
    print(f"environments: torch-free {results['venv MB']['torch-free']} MB, with torch {results['venv MB']['with torch']} MB")


if __name__ == "__main__":
    main()
