"""What one ``eraser`` run remembers between its options and its ending (a leaf:
it imports nothing, so ``options`` and ``exits`` can both read it)."""

# Set by the -v/--verbose option's callback: an internal error then shows its traceback.
verbose = False
