"""FTI Gateway: a disclosure gateway that makes IRC § 6103 executable and checkable.

Stages, in order (a stage never imports a later one; ``lint-imports`` checks it):
intake → law → resolve → disclose → ledger → report, over ``vault`` and ``store``,
with ``core`` at the bottom and ``pipeline``/``cli`` on top.
"""

__version__ = "0.1.0"
