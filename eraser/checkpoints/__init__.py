"""Read PyTorch checkpoints without PyTorch, and without running their code.

A ``torch.save`` file is a zip of a pickle (``data.pkl``) plus one raw record
per tensor storage; a TorchScript file (``torch.jit.save``) is the same with
the module tree pickled as objects of ``__torch__.*`` classes. Both are read
here with a restricted unpickler that knows only the globals a tensor needs:
anything else is refused with a one-line :class:`~eraser.errors.EraserError`
naming it, so a malicious checkpoint can never run code through eraser
(``torch.load`` without ``weights_only=True`` would run it).

Tensors come back as numpy arrays (dtype, shape, stride, storage offset and
byte order respected; bfloat16 widened to float32, which numpy lacks).
"""

from eraser.checkpoints.archive import Archive
from eraser.checkpoints.read import read_torch_file, read_torchscript_params, is_torchscript

__all__ = ["Archive", "read_torch_file", "read_torchscript_params", "is_torchscript"]
