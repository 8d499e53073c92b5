"""The model manifest (``manifest.json``): the data of the models eraser's
built-in plugins register (description, where the checkpoint comes from, its
md5 and licence), kept in one file to review. Each plugin reads its own entry
with :func:`entry` and adds the code (its converter, the files it needs)
through the ``register_models`` hook, the same way a third party does.

Installed as the data package ``eraser_models``. Converted models are not
kept here but in the model store (see ``eraser models path``).
"""

from __future__ import annotations

import importlib.resources
import json


def entry(name: str) -> dict:
    """``name``'s fields as ``register(name, **fields)`` takes them:
    description, url, md5, filename, license."""
    text = importlib.resources.files(__name__).joinpath("manifest.json").read_text()
    return dict(json.loads(text)[name])
