"""Models on a user's machine: the manifest, the store, install and verify.

A model is installed into ``<store>/<name>/`` together with a
``manifest.json`` written last, so a folder without one is never used: an
install that stops half-way leaves nothing that looks complete. Installs are
built in a temporary folder beside the target and renamed into place.

Before a model is first used every file's sha256 is checked against that
manifest; files that matched are remembered in ``<store>/<name>/verified.json``
by size, mtime, ctime and inode, so later runs only ``stat`` them. Anything
wrong with the store (a malformed manifest, a store path that is a file) is
a one-line reason, never an exception, so ``eraser plugins`` always works.

The store is ``$ERASER_MODELS_DIR`` when set, else the user's data folder
(platformdirs), and every command takes ``--models-dir`` to override both.

The package: :mod:`.store` (where models live, their state), :mod:`.integrity`
(manifests, digests, the verification record), :mod:`.installing` (install and
convert) and :mod:`.steps` (the plugins' conversion steps). Its public names
are gathered here.
"""

from eraser.modelstore.installing import DOWNLOADS, convert_into, install, write_manifest
from eraser.modelstore.integrity import LOCAL_MANIFEST, RECORD, SHA256, InstalledModel, damaged, file_digest, manifest_problem
from eraser.modelstore.steps import (
    CONVERT_EXTRA, CONVERT_MODULES, check_requirements, source, sources, step, wants_coreml,
)
from eraser.modelstore.store import (
    ENV_DIR, MAX_MANIFEST_BYTES, check, installed, missing_reason, present, require, status, store_dir, store_problem,
)

__all__ = [
    "DOWNLOADS", "convert_into", "install", "write_manifest", "LOCAL_MANIFEST", "RECORD", "SHA256", "InstalledModel",
    "damaged", "file_digest", "manifest_problem", "CONVERT_EXTRA", "CONVERT_MODULES", "check_requirements", "source",
    "sources", "step", "wants_coreml", "ENV_DIR", "MAX_MANIFEST_BYTES", "check", "installed", "missing_reason",
    "present", "require", "status", "store_dir", "store_problem",
]
