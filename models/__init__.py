"""The model manifest (``manifest.json``): which models eraser can install,
where their checkpoints come from, their checksums and licences.

Installed as the data package ``eraser_models``. Converted models are not
kept here but in the model store (see ``eraser models path``).
"""
