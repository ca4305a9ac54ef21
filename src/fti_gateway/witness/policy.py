"""The witness policy: which witnesses to ask, and which of them must cosign.

The file is ``<workspace>/witness-policy``, in the line format of the Sigsum / C2SP
tlog-policy drafts (one statement a line, ``#`` starts a comment)::

    witness <name> <vkey> <url>
    group <name> <all|any|K> <member> <member> ...
    quorum <name>

- ``witness``: a local name, the witness's cosignature/v1 verifier key
  (``keyname+keyid+base64(0x04 || key)``, as ``fti witness key`` prints it) and its
  submission prefix (``add-checkpoint`` is POSTed to ``<url>/add-checkpoint``);
- ``group``: satisfied when all, any one, or at least K of its members (witnesses or
  groups defined *above* it, so there are no cycles) are satisfied;
- ``quorum``: the witness or group that must be satisfied for a checkpoint to count as
  witnessed — exactly one ``quorum`` line, last.

No file means no witnessing (the demo default): packages are released as soon as their
entries are in the signed log, and ``fti ledger status`` says so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from fti_gateway.core.errors import InputError
from fti_gateway.core.workspace import Workspace
from fti_gateway.witness.cosignature import CosignatureVerifier

POLICY_FILE = "witness-policy"


@dataclass(frozen=True)
class WitnessInfo:
    name: str
    verifier: CosignatureVerifier
    url: str


@dataclass(frozen=True)
class Group:
    name: str
    need: int  # members that must be satisfied
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    witnesses: dict[str, WitnessInfo]
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = ""

    def satisfied(self, cosigned: Collection[str], name: str | None = None) -> bool:
        """Whether the witnesses named in ``cosigned`` satisfy ``name`` (the quorum)."""
        target = self.quorum if name is None else name
        if target in self.witnesses:
            return target in cosigned
        group = self.groups[target]
        met = sum(self.satisfied(cosigned, m) for m in group.members)
        return met >= group.need

    def describe(self) -> str:
        if self.quorum in self.witnesses:
            return f"witness {self.quorum}"
        g = self.groups[self.quorum]
        return f"{g.need} of {len(g.members)} ({', '.join(g.members)})"


def policy_path(ws: Workspace) -> Path:
    return ws.home / POLICY_FILE


def load_policy(ws: Workspace) -> Policy | None:
    """The workspace's policy, or None when there is no ``witness-policy`` file."""
    path = policy_path(ws)
    if not path.is_file():
        return None
    return parse_policy(path.read_text(encoding="utf-8"), where=str(path))


def parse_policy(text: str, where: str = POLICY_FILE) -> Policy:
    witnesses: dict[str, WitnessInfo] = {}
    groups: dict[str, Group] = {}
    quorum = ""
    for n, raw in enumerate(text.splitlines(), start=1):
        at = f"{where} line {n}"
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if quorum:
            raise InputError("nothing may follow the quorum line", where=at)
        kind, args = words[0], words[1:]
        names = set(witnesses) | set(groups)
        if kind == "witness":
            if len(args) != 3:
                raise InputError("expected: witness <name> <vkey> <url>", where=at)
            name, vkey, url = args
            _new_name(name, names, at)
            if not url.startswith(("http://", "https://")):
                raise InputError(f"witness URL {url!r} is not http(s)", where=at)
            try:
                verifier = CosignatureVerifier.parse(vkey)
            except InputError as e:
                raise InputError(e.message, where=at, hint=e.hint) from e
            witnesses[name] = WitnessInfo(name, verifier, url.rstrip("/"))
        elif kind == "group":
            if len(args) < 3:
                raise InputError("expected: group <name> <all|any|K> <member>...", where=at)
            name, rule, members = args[0], args[1], tuple(args[2:])
            _new_name(name, names, at)
            unknown = [m for m in members if m not in names]
            if unknown:
                raise InputError(
                    f"group {name} names {', '.join(unknown)}, not defined above it", where=at
                )
            if len(set(members)) != len(members):
                raise InputError(f"group {name} names a member twice", where=at)
            need = {"all": len(members), "any": 1}.get(rule)
            if need is None:
                if not rule.isdigit() or not 1 <= int(rule) <= len(members):
                    raise InputError(
                        f"group {name}: {rule!r} is not all, any or 1..{len(members)}", where=at
                    )
                need = int(rule)
            groups[name] = Group(name, need, members)
        elif kind == "quorum":
            if len(args) != 1 or args[0] not in names:
                raise InputError("expected: quorum <a witness or group defined above>", where=at)
            quorum = args[0]
        else:
            raise InputError(f"unknown statement {kind!r}", where=at)
    if not quorum:
        raise InputError("the policy has no quorum line", where=where)
    return Policy(witnesses, groups, quorum)


def _new_name(name: str, names: set[str], at: str) -> None:
    if name in names or name in ("all", "any", "none"):
        raise InputError(f"the name {name!r} is taken", where=at)
