"""26 U.S.C. 6103(i)(3)(B) — IRS-initiated emergency disclosure.

(i)(3)(B)(i): under circumstances involving an imminent danger of death or physical injury
to any individual, the IRS may disclose return information to the extent necessary to
apprise appropriate officers of any *Federal or State* law enforcement agency.
(i)(3)(B)(ii): under circumstances involving the imminent flight of any individual from
federal prosecution, to the extent necessary to apprise any *Federal* law enforcement
agency.
The (i)(6) bar does not apply to (i)(3)(B) (it lists "paragraph (1), (2), (3)(A) or (C), (5),
(7), or (8)").

The manifest is written by the IRS's own disclosure officer and names the recipient in
the ``emergency`` block (``recipient`` = an agency id, ``recipient_level``, ``kind``, ``facts``).

Not modeled, and what happens instead:
- whether the danger or flight is *imminent*: the stated facts are shown to the officer;
  no facts → refusal.
- "to the extent necessary": identity is allowed; every other element goes to review so
  a person confirms it is needed to apprise the agency; the return itself is refused
  (the paragraph reaches return information, not returns).
"""

from __future__ import annotations

from fti_gateway.core.elements import CATALOGUE, ElementClass
from fti_gateway.intake.models import PurposeKind
from fti_gateway.law.authorities.base import (
    Authority,
    Clause,
    Context,
    ElementVerdict,
    allow,
    hold,
    refuse,
)
from fti_gateway.law.findings import Finding, failed, passed, review

DANGER = "6103(i)(3)(B)(i)"
FLIGHT = "6103(i)(3)(B)(ii)"
LEVELS = {"danger": ("federal", "state"), "flight": ("federal",)}
PURPOSE_OF = {"danger": PurposeKind.EMERGENCY_DANGER, "flight": PurposeKind.EMERGENCY_FLIGHT}


class I3B(Authority):
    id = "6103(i)(3)(B)"
    citation = "26 U.S.C. 6103(i)(3)(B)"
    title = "IRS-initiated emergency disclosure (danger of death or injury; flight from federal prosecution)"
    recipient = "federal or state law enforcement (danger); federal law enforcement only (flight)"
    how_requested = "IRS-initiated (requester: TREASURY / irs-disclosure-officer; recipient in the `emergency` block)"
    may_disclose = (
        "return information to the extent necessary to apprise the agency of the circumstances"
    )
    purpose_limit = (
        "imminent danger of death or physical injury; imminent flight from federal prosecution"
    )
    purposes = frozenset({PurposeKind.EMERGENCY_DANGER, PurposeKind.EMERGENCY_FLIGHT})
    purpose_rule = "6103(i)(3)(B)"
    use_restriction = (
        "Disclosed by the IRS under 26 U.S.C. 6103(i)(3)(B) only to apprise the agency of the emergency described; "
        "no other use or redisclosure (26 U.S.C. 6103(a), 7213, 7431)."
    )
    signer_rule = "6103(i)(3)(B)"
    bar_rule = None  # (i)(6) does not reach (i)(3)(B)
    requires = (
        Clause(
            "6103(i)(3)(B)",
            "IRS-initiated, by the IRS disclosure officer",
            quote="the Secretary may disclose return information to the extent necessary to apprise",
            quote_cite="6103(i)(3)(B)(i)",
        ),
        Clause(
            DANGER,
            "danger: facts of an imminent danger of death or physical injury; recipient a federal or state law-enforcement agency",
            quote="Under circumstances involving an imminent danger of death or physical injury to any individual",
        ),
        Clause(
            FLIGHT,
            "flight: facts of imminent flight from federal prosecution; recipient a federal law-enforcement agency",
            quote="appropriate officers or employees of any Federal law enforcement agency of such circumstances",
        ),
        Clause(
            "6103(p)(4)",
            "the recipient agency's safeguards are current",
            quote="shall, as a condition for receiving returns or return information",
            quote_cite="6103(p)(4)",
        ),
    )
    not_modeled = (
        Clause(
            "6103(i)(3)(B)",
            "whether the circumstances are imminent: the facts are shown to the officer; none stated → refused",
        ),
        Clause(
            "6103(i)(3)(B)",
            "'to the extent necessary': identity allowed, every other element → review",
        ),
    )

    def return_duty(self, ctx: Context | None) -> str:
        """(F)(i) names the state bodies of (i)(3)(B)(i); a federal recipient is under (F)(ii)."""
        e = ctx.manifest.emergency if ctx is not None else None
        if e is not None and e.recipient_level == "state":
            return "6103(p)(4)(F)(i)"
        return "6103(p)(4)(F)(ii)"

    def recipient_agency(self, ctx: Context) -> str | None:
        e = ctx.manifest.emergency
        return e.recipient if e is not None and e.recipient else None

    def specific_findings(self, ctx: Context) -> list[Finding]:
        e = ctx.manifest.emergency
        if e is None:
            return [
                failed(
                    "6103(i)(3)(B)",
                    "no `emergency` block: the kind of emergency, the recipient and the facts are required",
                )
            ]
        rule = DANGER if e.kind == "danger" else FLIGHT
        out: list[Finding] = []
        if ctx.manifest.purpose.kind != PURPOSE_OF[e.kind]:
            out.append(
                failed(
                    rule,
                    f"purpose {ctx.manifest.purpose.kind.value!r} does not match an emergency of kind {e.kind!r}",
                )
            )
        allowed_levels = LEVELS[e.kind]
        if e.recipient_level not in allowed_levels:
            out.append(
                failed(
                    rule,
                    f"a {e.recipient_level} agency may not receive under {rule} ({' or '.join(allowed_levels)} only)",
                )
            )
        else:
            out.append(
                passed(
                    rule, f"a {e.recipient_level} law-enforcement recipient is allowed for {e.kind}"
                )
            )
        if not e.recipient:
            out.append(failed(rule, "the emergency block names no recipient agency"))
        else:
            agency = ctx.registry.agency(e.recipient, ctx.as_of)
            if agency is None:
                out.append(review(rule, f"recipient {e.recipient!r} is not in the agency registry"))
            elif not agency.law_enforcement:
                out.append(failed(rule, f"recipient {e.recipient} is not a law-enforcement agency"))
            elif agency.level != e.recipient_level:
                out.append(
                    failed(
                        rule,
                        f"recipient {e.recipient} is a {agency.level} agency, not {e.recipient_level} as stated",
                    )
                )
            elif agency.level not in allowed_levels:
                out.append(
                    failed(
                        rule,
                        f"recipient {e.recipient} is a {agency.level} agency; {e.kind} allows {' or '.join(allowed_levels)} only",
                    )
                )
        if not (e.facts or "").strip():
            out.append(failed(rule, "no facts of the emergency are stated"))
        return out

    def element_verdict(self, element_id: str, ctx: Context) -> ElementVerdict:
        if element_id == "return.copy":
            return refuse(
                "6103(i)(3)(B)", "(i)(3)(B) reaches return information, not the return itself"
            )
        if CATALOGUE[element_id].element_class is ElementClass.IDENTITY:
            return allow("6103(i)(3)(B)", "identity is needed to apprise the agency")
        return hold(
            "6103(i)(3)(B)",
            "a person must confirm this element is necessary to apprise the agency of the emergency",
        )
