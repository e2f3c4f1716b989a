"""The SVG chart macros (templates/_macros/charts.html): titled, labelled for screen readers,
scaling to their box, in English and Japanese, and rendered the same by WeasyPrint."""

import re

from flask import render_template_string
from flask_babel import force_locale
from weasyprint import HTML

from app.reports.figures import Bar

MONTHS = [Bar(f"M{n}", n * 10, str(n * 10), f"Month {n}: {n * 10}") for n in range(1, 13)]
PAGE = """{% import "_macros/charts.html" as charts %}
<html><body>{{ charts.vbars(bars, title, 'c-month') }}
{{ charts.hbars(bars[:3], title, 'c-h') }}
{{ charts.share_bar([('Met', 3, charts.OK), ('Missed', 1, charts.DANGER)], title, 'c-s', '75%') }}
</body></html>"""


def render(app, bars, title="Escalations by month", locale="en"):
    with app.test_request_context(), force_locale(locale):
        return render_template_string(PAGE, bars=bars, title=title)


def test_charts_are_titled_scalable_svg(app):
    html = render(app, MONTHS)
    assert html.count("<svg") == 3
    assert html.count('width="100%"') == 3 and 'viewBox="0 0 360 ' in html
    assert '<title id="c-month-title">Escalations by month</title>' in html
    assert 'aria-labelledby="c-month-title"' in html and 'role="img"' in html
    assert "<title>Month 12: 120</title>" in html  # each bar's tooltip
    assert "style=" not in html  # the CSP allows no inline styles
    # The tallest bar fills the plot; the others are in proportion.
    heights = [
        float(h)
        for h in re.findall(
            r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#1d4ed8"', html
        )
    ]
    assert heights[11] == max(heights) and abs(heights[5] / heights[11] - 0.5) < 0.01
    assert "75%" in html and "Met: 3" in html


def test_many_bars_keep_their_labels_apart(app):
    bars = [Bar(f"L{n}", n, str(n), f"t{n}") for n in range(60)]
    html = render(app, bars)
    first_chart = html.split("</svg>")[0]
    labels = re.findall(r">L(\d+)</text>", first_chart)
    assert 10 <= len(labels) <= 12  # every fifth month is labelled


def test_empty_chart_says_so(app):
    html = render(app, [])
    assert "No escalations in this range." in html


def test_japanese_labels_and_escaping(app):
    bars = [Bar("技術<script>", 5, "5", "技術: 5")]
    html = render(app, bars, title="月別のエスカレーション", locale="ja")
    assert "月別のエスカレーション" in html and "技術&lt;script&gt;" in html
    assert "<script>" not in html


def test_weasyprint_renders_the_charts(app):
    html = render(app, MONTHS)
    document = HTML(string=html).render()
    assert len(document.pages) >= 1
    assert document.write_pdf().startswith(b"%PDF")
