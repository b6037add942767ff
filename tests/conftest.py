"""Shared test set-up: Qt runs offscreen, before anything imports it."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
# the memory limit is half of the machine's memory (engine/budget.py): fixed here, so that what
# is refused does not depend on the machine the tests run on
os.environ["ACTIVATION_LAB_MEMORY_LIMIT_MB"] = "2048"

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(0)
