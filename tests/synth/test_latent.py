"""The latent wellbeing model."""

from __future__ import annotations

import numpy as np

from peerbench.synth.latent import trajectory


def test_trajectory_ramps_then_partly_decays() -> None:
    days = np.array([0, 60, 120, 182, 365, 720])
    share = trajectory(days)
    assert share[0] == 0.0
    assert 0.4 < share[1] < 0.6
    assert share[2] == share[3] == 1.0
    assert share[4] == share[5] == 0.75
