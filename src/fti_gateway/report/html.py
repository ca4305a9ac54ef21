"""The (p)(3)(C) report for people: an HTML page with charts, and a CSV of the table.

Charts are Altair (Vega-Lite specs, declarative and inspectable). The page must render
with no network: the Vega, Vega-Lite and vega-embed JavaScript is inlined from
``vl-convert-python``, which ships that JavaScript inside its wheel, pinned with altair in
constraints.txt — no CDN at view time and no vendored JS copy to keep in step with
altair's Vega-Lite version (``javascript_bundle`` is built for exactly that version).
A page is about 1 MB, nearly all of it that bundle.

Both work on the report document (full or public), so a public page never holds a
suppressed number: suppressed months and rules are left out of the charts.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from typing import Any

import altair as alt
import jinja2
import pandas as pd
import vl_convert as vlc

from fti_gateway.core.csvsafe import escape_cell

CSV_COLUMNS = (
    "year",
    "recipient",
    "kind",
    "authority",
    "purpose",
    "irs_initiated",
    "requests",
    "instances",
    "taxpayers",
)


def _vl_version() -> str:
    """vl-convert's name for the Vega-Lite version altair writes specs for (v6.4.1 → v6_4)."""
    return "_".join(alt.SCHEMA_VERSION.split(".")[:2])


@cache
def _bundle() -> str:
    # The stub makes ``snippet`` required; at run time it defaults to the snippet that puts
    # vegaEmbed, vegaLite and vega on ``window`` (what altair's own inline HTML calls).
    return str(vlc.javascript_bundle(vl_version=_vl_version()))  # type: ignore[call-arg]


def specs(doc: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """The charts' Vega-Lite specs (None where there is nothing to draw)."""
    series = pd.DataFrame([x for x in doc.get("series", []) if x["instances"] is not None])
    rules = pd.DataFrame([x for x in doc.get("decisions", []) if x["count"] is not None])
    time = None
    if len(series):
        time = (
            alt.Chart(series, title="Instances of disclosure per month")
            .mark_bar()
            .encode(
                x=alt.X("month:O", title="month"),
                y=alt.Y("sum(instances):Q", title="instances"),
                color=alt.Color("agency:N", title="recipient"),
                column=alt.Column("authority:N", title="authority"),
                tooltip=["agency", "authority", "month", "instances"],
            )
            .to_dict()
        )
    by_rule = None
    if len(rules):
        by_rule = (
            alt.Chart(rules, title="Denied elements and decided review items")
            .mark_bar()
            .encode(
                y=alt.Y("rule:N", title="rule"),
                x=alt.X("count:Q", title="count"),
                color=alt.Color("what:N", title="what"),
                tooltip=["what", "rule", "count"],
            )
            .to_dict()
        )
    return {"time": time, "rules": by_rule}


def to_html(doc: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fti_gateway.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    public = doc.get("version") == "public"
    return env.get_template("p3c.html.j2").render(
        doc=doc,
        public=public,
        title=f"Disclosures of returns and return information, calendar year {doc['year']}",
        specs=specs(doc),
        bundle=_bundle(),
        show=lambda v: "suppressed" if v is None else v,
    )


def to_csv(doc: dict[str, Any]) -> str:
    """One line per recipient total (authority ``all``) and per cell; suppressed = empty."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)

    def cell(v: object) -> str:
        return "" if v is None else escape_cell(str(v))

    for a in doc["agencies"]:
        rows = [("all", ", ".join(a["purposes"]), "", a)]
        rows += [
            (c["authority"], c["purpose"], str(c["irs_initiated"]).lower(), c) for c in a["cells"]
        ]
        for authority, purpose, irs, src in rows:
            w.writerow(
                [doc["year"], a["agency"], a["kind"], authority, purpose, irs]
                + [cell(src[m]) for m in ("requests", "instances", "taxpayers")]
            )
    t = doc["totals"]
    w.writerow(
        [doc["year"], "total", "", "all", "", ""]
        + [cell(t[m]) for m in ("requests", "instances", "taxpayers")]
    )
    return out.getvalue()
