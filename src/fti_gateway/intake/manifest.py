"""Reading a request manifest (FORMATS §1) from JSON or YAML into a :class:`Manifest`.

Two choices here keep what the requester wrote intact:

* Scalars are read as *text* (only ``null``/``~``/empty mean "no value"); pydantic then
  types them. YAML 1.1 would otherwise turn ``zip: 02134`` into the octal number 1116,
  ``taxable_periods: [2022]`` into numbers and ``state: NO`` into ``False``. JSON numbers
  are likewise kept as the text that was written.
* Duplicate keys are an error, not "last one wins": a manifest that says ``authority``
  twice does not say which authority is claimed.

Validation errors name the field path, the manifest line when we know it, and a hint in
the words of FORMATS §1.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from fti_gateway.core.errors import InputError
from fti_gateway.intake.models import REQUEST_FORMAT, Manifest, PurposeKind
from fti_gateway.intake.text import decode_utf8, read_file


class _TextLoader(yaml.SafeLoader):
    """SafeLoader that resolves only null; every other scalar stays the text written.

    Aliases (``*name``) are refused: a manifest never needs them, and nested aliases can
    expand a few lines into billions of values ("billion laughs").
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not accepted in a manifest", event.start_mark
            )
        return super().compose_node(parent, index)  # type: ignore[no-any-return,arg-type]


_TextLoader.yaml_implicit_resolvers = {}
_TextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)

_HINTS: dict[str, str] = {
    "format": f"the manifest must say `format: {REQUEST_FORMAT}`",
    "id": "your own reference for this request, e.g. DOJ-USAO-DC-2025-0042; "
    "(agency, id) must be unique",
    "received": "the date the written request reached the disclosure office, as YYYY-MM-DD",
    "authority": 'the authority claimed, e.g. "6103(i)(2)" (quote it in YAML)',
    "requester": "a block with agency, position, official, title, in_writing, signed",
    "requester.agency": "the agency id from the agency registry, e.g. DOJ, ICE, STATE-CA-CSE",
    "requester.position": "the position id from the agency registry, e.g. us-attorney, "
    "agency-head, cse-agency-head",
    "requester.in_writing": "true or false",
    "requester.signed": "true or false",
    "purpose": "a block with kind, statutes and reason",
    "purpose.kind": "one of: " + ", ".join(k.value for k in PurposeKind),
    "purpose.statutes": 'a list, e.g. ["18 U.S.C. 1343"]',
    "taxable_periods": 'a list of tax periods, e.g. ["2022", "2023"]',
    "elements": "a list of data element ids, e.g. [identity.address, return.agi]",
    "subjects": "the name of a subject file next to the manifest (subjects.csv or "
    "subjects.parquet), or a list of rows",
    "court_order": "a block with court, judge, docket, issued, expires, findings",
    "consent": "a block with taxpayer_tin, designee, elements, periods, signed, expires",
    "emergency": "a block with kind (danger|flight), recipient_level (federal|state), facts",
}
_DATE_HINT = "write the date as YYYY-MM-DD, e.g. 2025-06-04"
_BOOL_HINT = "write true or false"


@dataclass
class RawManifest:
    """The manifest as received: bytes (for the digest), parsed data, and where things are."""

    path: Path
    data: bytes
    content: dict[str, Any]
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_for(self, loc: tuple[str | int, ...]) -> int | None:
        """Line of the deepest part of ``loc`` we know (a missing field → its parent block)."""
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return None


def read_manifest_file(path: Path) -> RawManifest:
    """Read and parse the manifest file; raise InputError for anything unreadable."""
    where = path.name
    if not path.exists():
        raise InputError(
            "the manifest file does not exist",
            where=str(path),
            hint="give the path of a request manifest (.yaml or .json)",
        )
    if path.is_dir():
        raise InputError("this is a folder, not a manifest file", where=str(path))
    data = read_file(path, str(path))
    if not data.strip():
        what = "empty (0 bytes)" if not data else "blank (only white space)"
        raise InputError(
            f"the manifest is {what}",
            where=where,
            hint=f"a manifest starts with `format: {REQUEST_FORMAT}`; see FORMATS §1",
        )
    text = decode_utf8(data, where)
    if _looks_like_json(path, text):
        content = _load_json(text, where)
        lines = _positions(text)  # JSON is YAML flow style: usually gives us lines too
    else:
        content, lines = _load_yaml(text, where)
    if not isinstance(content, dict):
        kind = "a list" if isinstance(content, list) else "a single value"
        raise InputError(
            f"the manifest is {kind}, not a block of fields",
            where=where,
            hint="a manifest is a mapping: `format: ...`, `id: ...`, `requester: ...`",
        )
    return RawManifest(path=path, data=data, content=content, lines=lines)


def validate_manifest(raw: RawManifest, content: dict[str, Any]) -> Manifest:
    """Validate ``content`` (the manifest, inline subject rows already set aside)."""
    fmt = content.get("format")
    if fmt is not None and fmt != REQUEST_FORMAT:
        raise InputError(
            f"format '{_short(fmt)}' is not a request format this gateway reads",
            where=_where(raw, ("format",)),
            hint=f"this gateway reads `format: {REQUEST_FORMAT}` (FORMATS §1)",
        )
    try:
        manifest = Manifest.model_validate(content)
    except ValidationError as e:
        problems = [_describe(raw, err) for err in e.errors()]
        if len(problems) == 1:
            (one,) = problems
            at = f" line {one.line}" if one.line else ""
            raise InputError(
                one.what, where=f"{raw.path.name}{at}: {one.path}", hint=one.hint
            ) from None
        details = [str(p) for p in problems]
        n = len(details)
        raise InputError(
            f"the manifest does not follow {REQUEST_FORMAT}: {n} problem{'s' if n != 1 else ''}",
            where=raw.path.name,
            details=details,
            hint="fix the fields listed above; FORMATS §1 shows a complete example",
        ) from None
    _check_received(raw, manifest)
    return manifest


def today_utc() -> date:
    """Today's date in UTC: the latest day a request can have been received."""
    return datetime.now(UTC).date()


def _check_received(raw: RawManifest, manifest: Manifest) -> None:
    """A request cannot have reached the office after today; a later ``received`` is a typo
    (2052 for 2025), and believing it would date every registry lookup in the future."""
    today = today_utc()
    if manifest.received > today:
        raise InputError(
            f"{manifest.received.isoformat()} is in the future (today is {today}, UTC)",
            where=f"{_where(raw, ('received',))}: received",
            hint="the date the written request reached the disclosure office, no later than today",
        )


def unknown_field_warnings(raw: RawManifest, content: dict[str, Any]) -> list[str]:
    """Fields the format does not define: kept, but a typo here silently means 'absent'."""
    warnings: list[str] = []
    blocks: list[tuple[tuple[str, ...], dict[str, Any], type[BaseModel]]] = [
        ((), content, Manifest)
    ]
    for name, model_field in Manifest.model_fields.items():
        sub = content.get(name)
        model = _model_of(model_field.annotation)
        if isinstance(sub, dict) and model is not None:
            blocks.append(((name,), sub, model))
    for prefix, block, model in blocks:
        known = list(model.model_fields)
        for key in block:
            if key in known:
                continue
            path = ".".join((*prefix, str(key)))
            guess = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
            tip = f" — did you mean '{guess[0]}'?" if guess else ""
            line = raw.line_for((*prefix, str(key)))
            at = f" (line {line})" if line else ""
            warnings.append(
                f"{raw.path.name}: {path}{at}: not a field of {REQUEST_FORMAT}; "
                f"kept on record but not used{tip}"
            )
    return warnings


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _looks_like_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".yaml", ".yml"):
        return False
    return text.lstrip().startswith("{")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InputError(
                f"the field '{key}' appears twice in the same block",
                hint="each field may be given once; remove or merge the repeated one",
            )
        seen[key] = value
    return seen


def _bad_constant(name: str) -> Any:
    raise InputError(f"{name} is not a value a manifest may hold")


def _load_json(text: str, where: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=str,
            parse_float=str,
            parse_constant=_bad_constant,
        )
    except RecursionError:
        raise InputError(
            "the manifest is nested too deeply to be a manifest", where=where
        ) from None
    except json.JSONDecodeError as e:
        raise InputError(
            f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})",
            where=f"{where} line {e.lineno}",
            hint="check for a missing comma, quote or bracket just before this place",
        ) from None
    except InputError as e:
        e.where = where
        raise


def _load_yaml(text: str, where: str) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    try:
        loader = _TextLoader(text)  # refuses non-printable characters already
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML: {e}", where=where) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("the manifest holds no fields", where=where)
        _check_duplicate_keys(node, where)
        content = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f" line {mark.line + 1}" if mark else ""
        problem = e.problem or e.context or "cannot be read"
        raise InputError(
            f"not valid YAML: {problem}"
            + (f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""),
            where=f"{where}{line}",
            hint="check the indentation and quoting on this line and the one before; "
            "values containing ':' or '#' need quotes",
        ) from None
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML: {e}", where=where) from None
    except RecursionError:
        raise InputError(
            "the manifest is nested too deeply to be a manifest", where=where
        ) from None
    finally:
        loader.dispose()
    lines: dict[tuple[str | int, ...], int] = {}
    _index(node, (), lines)
    return content, lines


def _positions(text: str) -> dict[tuple[str | int, ...], int]:
    try:
        loader = _TextLoader(text)
    except yaml.YAMLError:
        return {}
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return {}
    finally:
        loader.dispose()
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _index(node, (), lines)
    return lines


def _index(
    node: yaml.Node, loc: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]
) -> None:
    """Map each field path to its line; a field's line is its key's, not its value's."""
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out[(*loc, key.value)] = key.start_mark.line + 1
                _index(value, (*loc, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), out)


def _check_duplicate_keys(node: yaml.Node, where: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    raise InputError(
                        f"the field '{key.value}' is given twice (lines {seen[key.value]} "
                        f"and {line})",
                        where=f"{where} line {line}",
                        hint="each field may be given once; remove or merge the repeated one",
                    )
                seen[key.value] = line
            _check_duplicate_keys(value, where)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, where)


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(raw: RawManifest, loc: tuple[str | int, ...]) -> str:
    line = raw.line_for(loc)
    return f"{raw.path.name} line {line}" if line else raw.path.name


def _path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _hint_for(loc: tuple[str | int, ...], err_type: str) -> str | None:
    if "date" in err_type:
        return _DATE_HINT
    if err_type.startswith("bool"):
        return _BOOL_HINT
    names = [p for p in loc if isinstance(p, str)]
    for n in range(len(names), 0, -1):
        hint = _HINTS.get(".".join(names[:n]))
        if hint:
            return hint
    return None


@dataclass
class _Problem:
    path: str
    line: int | None
    what: str
    hint: str | None

    def __str__(self) -> str:
        at = f" (line {self.line})" if self.line else ""
        tip = f" — hint: {self.hint}" if self.hint else ""
        return f"{self.path}{at}: {self.what}{tip}"


def _describe(raw: RawManifest, err: Any) -> _Problem:
    """One pydantic error in words: `requester.position (line 7): is missing — hint: …`."""
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        what = "is missing (required)"
    elif kind == "string_too_short":
        what = "is empty"
    elif kind in ("string_type", "str_type"):
        what = f"should be text, not {type(value).__name__} '{_short(value)}'"
    elif kind in ("literal_error", "enum"):
        allowed = "" if _hint_for(loc, kind) else f": {ctx.get('expected', '?')}"
        what = f"'{_short(value)}' is not one of the allowed values{allowed}"
    elif "date" in kind:
        what = f"'{_short(value)}' is not a date"
    elif kind.startswith("bool"):
        what = f"'{_short(value)}' is not true or false"
    elif kind in ("list_type", "tuple_type"):
        what = "should be a list"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        what = "should be a block of fields"
    else:
        what = str(err.get("msg", "is not valid"))
    return _Problem(_path(loc) or "(top)", raw.line_for(loc), what, _hint_for(loc, kind))
