"""The shared body of every atheris harness: instrument the gateway, feed each input to
the harness's targets, and treat an FtiError as the expected refusal of bad input.

Any other exception escapes to atheris, which reports it as a crash, writes the input
to ``<artifact_prefix>crash-<sha1>`` and exits non-zero.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable


def fuzz(*names: str) -> None:
    """Run libFuzzer over ``fuzz.targets`` functions ``names`` (argv: libFuzzer flags, corpus)."""
    import atheris

    with atheris.instrument_imports(include=["fti_gateway", "fuzz.targets"]):
        from fti_gateway.core.errors import FtiError
        from fuzz import targets

    calls: list[Callable[[bytes], None]] = [getattr(targets, n) for n in names]

    def one_input(data: bytes) -> None:
        for call in calls:
            with contextlib.suppress(FtiError):
                call(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
