"""The flow tracker keeps the tracker contract."""

from eraser.testing import TrackerContract


class TestFlowTracker(TrackerContract):
    tracker = "flow"


def test_flow_says_hidden_and_picks_the_square_up_again():
    """Beyond the contract: the flow tracker goes on behind the band, says
    Hidden on the frames the square is wholly behind it, and follows it again
    when it comes out (IoU > 0.7 on the frames at least half of it shows)."""
    import numpy as np

    from eraser.backends import Hidden
    from eraser.testing.contracts import moving_square

    contract = TestFlowTracker()
    images, masks = moving_square(frames=16, step=3, cover=(30, 56))
    steps = contract.run(images, masks[0])
    assert len(steps) == len(images) - 1
    hidden = [i for i, step in enumerate(steps, 1) if isinstance(step, Hidden)]
    assert hidden == [i for i in range(1, len(images)) if not masks[i].any()], hidden
    for i, step in enumerate(steps, 1):
        if masks[i].sum() >= 0.5 * masks[0].sum():
            found = np.asarray(step) >= 0.5
            assert (found & masks[i]).sum() / (found | masks[i]).sum() > 0.7, i
