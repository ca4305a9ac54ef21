"""(p)(4)(F): the duty on completion of use has two alternatives, by recipient. (F)(i)
("subsection (d), (i)(3)(B)(i), (k)(10), or (l)(6), (7), ...") must return the data or make it
undisclosable *and report how*; (F)(ii) ("(i)(1), (2), (3), (5) or (7) ... (l)(21)") may
instead keep meeting (A)-(E). The package carries the one that binds the recipient."""

from __future__ import annotations

import pytest

from fti_gateway.law import AUTHORITIES
from fti_gateway.law.decision import RETURN_OR_DESTROY
from fti_gateway.law.text import Quote, quote_holds


@pytest.mark.parametrize(
    ("authority", "rule"),
    [
        ("6103(d)", "6103(p)(4)(F)(i)"),
        ("6103(l)(6)", "6103(p)(4)(F)(i)"),
        ("6103(l)(7)", "6103(p)(4)(F)(i)"),
        ("6103(i)(1)", "6103(p)(4)(F)(ii)"),
        ("6103(i)(2)", "6103(p)(4)(F)(ii)"),
        ("6103(i)(7)(A)", "6103(p)(4)(F)(ii)"),
        ("6103(l)(21)", "6103(p)(4)(F)(ii)"),
    ],
)
def test_the_package_carries_the_return_duty_that_binds_the_recipient(
    authority: str, rule: str
) -> None:
    info = AUTHORITIES[authority].info(None)
    assert info.destruction == RETURN_OR_DESTROY[rule]
    assert info.safeguard_duties[-1] == RETURN_OR_DESTROY[rule]
    assert any(d.startswith("6103(p)(4)(D)") for d in info.safeguard_duties)


def test_the_two_alternatives_follow_the_text() -> None:
    assert quote_holds(
        Quote(
            "6103(p)(4)(F)(i)",
            "make such returns or return information undisclosable in any manner and furnish a written report to the Secretary describing such manner",
        )
    )
    assert quote_holds(
        Quote(
            "6103(p)(4)(F)(ii)(III)",
            "ensure that the conditions of subparagraphs (A), (B), (C), (D), and (E) of this paragraph continue to be met",
        )
    )
    assert "written report" in RETURN_OR_DESTROY["6103(p)(4)(F)(i)"]
    assert "keep meeting (p)(4)(A)-(E)" in RETURN_OR_DESTROY["6103(p)(4)(F)(ii)"]
