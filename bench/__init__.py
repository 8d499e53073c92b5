"""eraser's benchmarks: run each from the repository root as a module,
``python -m bench.NAME`` (see bench/README.md); shared helpers in bench.common."""
