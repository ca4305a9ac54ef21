"""Hypothesis profiles for the fuzz tests.

``ci`` (the default) is **derandomized**: the examples are a function of the test's code,
so a red CI run is reproduced exactly by rerunning it, and a green one does not turn red
on a later run that happens to draw a new input. Finding new inputs is the job of the
atheris harnesses (``fuzz/``) and of the ``explore`` profile, run by hand::

    FTI_HYPOTHESIS_PROFILE=explore pytest tests/fuzz

Failures found that way are to be pinned as ``@example`` cases. The profiles are used as
the parent of each test's own ``@settings`` (``FUZZ``), never loaded globally, so the
other suites' Hypothesis settings are left as they are. Every test sets its own
``max_examples``; ``deadline=None`` because a single example may start pyarrow's thread
pool or hit a cold import, and a timing failure would not be about the code under test.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "explore",
    derandomize=False,
    deadline=None,
    max_examples=5_000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PROFILE = os.environ.get("FTI_HYPOTHESIS_PROFILE", "ci")
FUZZ = settings.get_profile(PROFILE)


def examples(n: int) -> settings:
    """``FUZZ`` with ``n`` examples (the ``explore`` profile keeps its own, larger number)."""
    if PROFILE == "explore":
        return settings(FUZZ)
    return settings(FUZZ, max_examples=n)
