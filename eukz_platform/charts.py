"""Accessible charts drawn on the server as inline SVG.

The strict CSP forbids ``style`` attributes, so the charts use presentation attributes and CSS
classes (static/css/site.css). Each chart is an image (``role="img"``) named by its ``<title>``
and described by a ``<desc>`` that lists every value, so a screen reader reads the data; every
bar also prints its label and number, and neighbouring bars differ by hatching and an outline,
so colour is never the only cue.
"""

import re
from collections.abc import Callable

from babel.numbers import format_decimal
from flask import has_request_context
from flask_babel import format_number, gettext
from markupsafe import Markup, escape

_CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

# Geometry, in SVG user units (the viewBox scales with the page).
_FONT = 14
_WIDTH = 720
_PAD = 12
_LABEL_MAX_CHARS = 80
_BAR_ROW = 44
_BAR_HEIGHT = 18
_VALUE_ROOM = 64
_COLUMN_SLOT = 120
_COLUMN_AREA = 200
_COLUMN_CHAR_WIDTH = 8

_FILL = "#004494"
_HATCH_BACKGROUND = "#e5ecf4"
_TEXT = "#171a22"

# A chart's data: (label, value) in the order drawn.
Rows = list[tuple[str, int]]


def bar_chart(
    title: str,
    rows: Rows,
    *,
    chart_id: str,
    description: str | None = None,
) -> Markup:
    """A horizontal bar chart: each row's label above its bar, its number after the bar."""
    return _chart("bar", _bars, title, rows, chart_id, description)


def column_chart(
    title: str,
    rows: Rows,
    *,
    chart_id: str,
    description: str | None = None,
) -> Markup:
    """Vertical columns, e.g. registrations per week: labels under the columns, values above."""
    return _chart("column", _columns, title, rows, chart_id, description)


def _chart(
    kind: str,
    draw: Callable[[Rows, str, int], tuple[float, str]],
    title: str,
    rows: Rows,
    chart_id: str,
    description: str | None,
) -> Markup:
    """The chart of one kind: ``draw`` gives the height and the body for rows that exist."""
    _check_id(chart_id)
    if not rows:
        return _empty(title, chart_id, description)
    largest = max(max(value for _, value in rows), 1)
    height, body = draw(rows, chart_id, largest)
    return _svg(title, rows, chart_id, description, height, body, kind)


def _bars(rows: Rows, chart_id: str, largest: int) -> tuple[float, str]:
    area = _WIDTH - 2 * _PAD - _VALUE_ROOM
    height = _PAD + len(rows) * _BAR_ROW + _PAD
    parts = []
    for index, (label, value) in enumerate(rows):
        top = _PAD + index * _BAR_ROW
        length = round(area * value / largest, 1)
        bar_top = top + _FONT + 6
        parts.append(
            f'<g class="chart-row">'
            f'<text class="chart-label" x="{_PAD}" y="{top + _FONT}" font-size="{_FONT}"'
            f' fill="{_TEXT}">{_label(label, _LABEL_MAX_CHARS)}</text>'
            f"{_bar(chart_id, index, _PAD, bar_top, length, _BAR_HEIGHT)}"
            f'<text class="chart-value" x="{_PAD + length + 6}" y="{bar_top + _BAR_HEIGHT - 4}"'
            f' font-size="{_FONT}" fill="{_TEXT}">{escape(_number(value))}</text>'
            f"</g>"
        )
    return height, "".join(parts)


def _columns(rows: Rows, chart_id: str, largest: int) -> tuple[float, str]:
    slot = min(_COLUMN_SLOT, (_WIDTH - 2 * _PAD) / len(rows))
    column = round(slot * 0.6, 1)
    label_chars = max(int(slot // _COLUMN_CHAR_WIDTH), 3)
    baseline = _PAD + _FONT + 6 + _COLUMN_AREA
    height = baseline + _FONT + 10 + _PAD
    parts = [
        f'<line class="chart-axis" x1="{_PAD}" y1="{baseline}" x2="{_PAD + slot * len(rows)}"'
        f' y2="{baseline}" stroke="{_TEXT}" stroke-width="1"/>'
    ]
    for index, (label, value) in enumerate(rows):
        left = round(_PAD + index * slot + (slot - column) / 2, 1)
        middle = round(_PAD + index * slot + slot / 2, 1)
        length = round(_COLUMN_AREA * value / largest, 1)
        parts.append(
            f'<g class="chart-row">'
            f"{_bar(chart_id, index, left, baseline - length, column, length)}"
            f'<text class="chart-value" x="{middle}" y="{baseline - length - 6}"'
            f' font-size="{_FONT}" fill="{_TEXT}" text-anchor="middle">'
            f"{escape(_number(value))}</text>"
            f'<text class="chart-label" x="{middle}" y="{baseline + _FONT + 6}"'
            f' font-size="{_FONT}" fill="{_TEXT}" text-anchor="middle">'
            f"{_label(label, label_chars)}</text>"
            f"</g>"
        )
    return height, "".join(parts)


def _check_id(chart_id: str) -> None:
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be a plain identifier, got {chart_id!r}")


def _number(value: int) -> str:
    if has_request_context():
        return format_number(value)
    return format_decimal(value, locale="en")


def _label(text: str, limit: int) -> Markup:
    """The label, shortened to fit; a shortened label keeps its full text in a tooltip."""
    text = str(text)
    if len(text) <= limit:
        return escape(text)
    short = text[: limit - 1].rstrip() + "…"
    return Markup("<tspan>{}<title>{}</title></tspan>").format(short, text)


def _bar(chart_id: str, index: int, x: float, y: float, width: float, height: float) -> str:
    """Even rows solid, odd rows hatched with an outline: neighbours differ without colour."""
    if index % 2 == 0:
        look = f'class="chart-bar" fill="{_FILL}"'
    else:
        look = (
            f'class="chart-bar--hatched" fill="url(#{chart_id}-hatch)"'
            f' stroke="{_FILL}" stroke-width="2"'
        )
    return f'<rect {look} x="{x}" y="{y}" width="{width}" height="{height}"/>'


def _defs(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="8" height="8"'
        f' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect class="chart-hatch-background" width="8" height="8" fill="{_HATCH_BACKGROUND}"/>'
        f'<line class="chart-hatch-line" x1="0" y1="0" x2="0" y2="8" stroke="{_FILL}"'
        f' stroke-width="4"/></pattern></defs>'
    )


def _text_equivalent(rows: Rows, description: str | None) -> str:
    values = "; ".join(f"{label}: {_number(value)}" for label, value in rows)
    if description:
        return f"{description} {values}." if values else description
    return f"{values}." if values else gettext("No data yet.")


def _svg(
    title: str,
    rows: Rows,
    chart_id: str,
    description: str | None,
    height: float,
    body: str,
    kind: str,
) -> Markup:
    return Markup(  # nosec B704 # text escaped, id checked, numbers
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--{kind}" id="{chart_id}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}"'
        f' preserveAspectRatio="xMinYMin meet" font-family="Arial, sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(_text_equivalent(rows, description))}</desc>'
        f"{_defs(chart_id)}{body}</svg>"
    )


def _empty(title: str, chart_id: str, description: str | None) -> Markup:
    height = 2 * _PAD + _FONT + 8
    text = (
        f'<text class="chart-empty" x="{_PAD}" y="{_PAD + _FONT}" font-size="{_FONT}"'
        f' fill="{_TEXT}">{escape(gettext("No data yet."))}</text>'
    )
    return _svg(title, [], chart_id, description, height, text, "empty")
