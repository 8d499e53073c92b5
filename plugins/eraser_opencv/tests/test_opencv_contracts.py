"""The built-in OpenCV inpainters pass the same contract kit third parties use."""

from eraser.testing import InpainterContract


class TestTelea(InpainterContract):
    inpainter = "telea"


class TestNS(InpainterContract):
    inpainter = "ns"
