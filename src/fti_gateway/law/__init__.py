"""§ 6103 as code: authorities, registries, element allowance, findings and decisions.

Public surface (INTERFACES.md):
- :func:`load_registry` — registries (shipped YAML, overlaid by a workspace folder);
- :func:`decide` — manifest + subjects (+ intake rejects) → :class:`Decision`;
- :func:`check_resolved` — after resolution: match status and the (i)(6)-type bars;
- :class:`Disposition` — a person's answer to a ``review``, taken by ``decide`` (and
  ``law.dispositions`` after resolution);
- :func:`summarize` — counts by outcome and by rule over many decisions;
- :data:`AUTHORITIES`, ``law.explain`` (explain, authority_map) — for people.
"""

from fti_gateway.law.authorities import AUTHORITIES
from fti_gateway.law.decision import AuthorityInfo, Decision
from fti_gateway.law.dispositions import BrightLineError, Disposition
from fti_gateway.law.engine import decide
from fti_gateway.law.findings import Finding, Outcome, Result, SubjectResult
from fti_gateway.law.registries import Registry, load_registry
from fti_gateway.law.resolved import check_resolved
from fti_gateway.law.summary import summarize

__all__ = [
    "AUTHORITIES",
    "AuthorityInfo",
    "BrightLineError",
    "Decision",
    "Disposition",
    "Finding",
    "Outcome",
    "Registry",
    "Result",
    "SubjectResult",
    "check_resolved",
    "decide",
    "load_registry",
    "summarize",
]
