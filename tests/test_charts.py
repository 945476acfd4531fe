"""The SVG charts: well-formed, accessible, readable without colour, no style attributes."""

import xml.etree.ElementTree as ET

import pytest

from eukz_platform.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element, css_class: str) -> list[str]:
    """The visible text of the chart's text elements of one class (a tooltip not included)."""
    found = []
    for el in root.iter(f"{SVG}text"):
        if el.get("class") == css_class:
            tspan = el.find(f"{SVG}tspan")
            found.append(el.text if tspan is None else tspan.text)
    return found


def no_style_anywhere(root: ET.Element) -> bool:
    return all("style" not in el.attrib for el in root.iter())


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
def test_chart_is_an_accessible_image(draw):
    root = parse(
        draw(
            "Organisations by side",
            [("EU", 12), ("Kazakhstan", 7), ("Other", 0)],
            chart_id="by-side",
            description="Registered organisations.",
        )
    )
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "by-side-title by-side-desc"
    title = root.find(f"{SVG}title")
    assert title.get("id") == "by-side-title"
    assert title.text == "Organisations by side"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == "by-side-desc"
    assert desc.text == "Registered organisations. EU: 12; Kazakhstan: 7; Other: 0."
    assert no_style_anywhere(root)


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
def test_each_bar_prints_its_label_and_value(draw):
    root = parse(draw("By type", [("NGO", 1234), ("Trade union", 5)], chart_id="by-type"))
    assert texts(root, "chart-label") == ["NGO", "Trade union"]
    assert texts(root, "chart-value") == ["1,234", "5"]
    assert root.find(f"{SVG}desc").text == "NGO: 1,234; Trade union: 5."


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
def test_neighbouring_bars_differ_by_more_than_colour(draw):
    root = parse(draw("Weeks", [("a", 3), ("b", 4), ("c", 5)], chart_id="weeks"))
    rects = [el for el in root.iter(f"{SVG}rect") if el.get("class", "").startswith("chart-bar")]
    assert [r.get("class") for r in rects] == ["chart-bar", "chart-bar--hatched", "chart-bar"]
    hatched = rects[1]
    assert hatched.get("fill") == "url(#weeks-hatch)"
    assert hatched.get("stroke")
    assert root.find(f"{SVG}defs/{SVG}pattern").get("id") == "weeks-hatch"


def test_bar_width_scales_to_the_largest_value():
    root = parse(bar_chart("Sizes", [("big", 10), ("half", 5), ("none", 0)], chart_id="sizes"))
    widths = [
        float(el.get("width"))
        for el in root.iter(f"{SVG}rect")
        if el.get("class", "").startswith("chart-bar")
    ]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.2)
    assert widths[2] == 0


def test_column_height_scales_to_the_largest_value():
    root = parse(column_chart("Weeks", [("w1", 0), ("w2", 8), ("w3", 2)], chart_id="w"))
    heights = [
        float(el.get("height"))
        for el in root.iter(f"{SVG}rect")
        if el.get("class", "").startswith("chart-bar")
    ]
    assert heights[0] == 0
    assert heights[2] == pytest.approx(heights[1] / 4, abs=0.2)


def test_all_zero_values_draw_without_dividing_by_zero():
    root = parse(column_chart("Quiet weeks", [("w1", 0), ("w2", 0)], chart_id="quiet"))
    assert texts(root, "chart-value") == ["0", "0"]


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
def test_no_rows_show_an_empty_state(draw):
    root = parse(draw("Nothing", [], chart_id="nothing"))
    assert root.get("role") == "img"
    assert texts(root, "chart-empty") == ["No data yet."]
    assert root.find(f"{SVG}desc").text == "No data yet."
    assert not [el for el in root.iter(f"{SVG}rect") if el.get("class") == "chart-bar"]
    assert no_style_anywhere(root)


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
def test_all_text_is_escaped(draw):
    evil = '<script>alert("x")</script> & "quotes"'
    markup = draw(evil, [(evil, 1)], chart_id="evil", description=evil)
    assert "<script>" not in str(markup)
    root = parse(markup)
    assert root.find(f"{SVG}title").text == evil
    assert evil in root.find(f"{SVG}desc").text
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))


def test_long_labels_are_shortened_and_keep_their_full_text():
    long_label = "Civil society promoting the EU–Kazakhstan MoU on raw materials " * 3
    root = parse(bar_chart("Groups", [(long_label, 2)], chart_id="groups"))
    label = next(el for el in root.iter(f"{SVG}text") if el.get("class") == "chart-label")
    tspan = label.find(f"{SVG}tspan")
    assert tspan.text.endswith("…") and len(tspan.text) <= 80
    assert tspan.find(f"{SVG}title").text == long_label
    assert long_label.strip() in root.find(f"{SVG}desc").text


def test_chart_id_must_be_a_plain_identifier():
    with pytest.raises(ValueError):
        bar_chart("Bad", [("a", 1)], chart_id='x" onload="alert(1)')


def test_numbers_follow_the_page_language(app):
    app.config["LANGUAGES"] = {"en": "English", "ru": "Русский"}
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        root = parse(bar_chart("Большие", [("EU", 12345)], chart_id="ru"))
    assert texts(root, "chart-value")[0] in {"12\u00a0345", "12 345", "12\u202f345"}
