"""The ``layered`` inpainter passes the contract kit third parties use."""

from eraser.testing import InpainterContract


class TestLayered(InpainterContract):
    inpainter = "layered"
