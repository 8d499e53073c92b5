"""``python -m eraser.cli`` runs the ``eraser`` command."""

from eraser.cli import main

main()
