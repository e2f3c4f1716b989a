"""The app as `make bench` runs it (FLASK_APP=bench.cli, and gunicorn's bench.cli:app): the
production app of wsgi.py plus `flask seed-bench` and one page, /bench/layout, which the product
itself does not have."""

from flask import render_template
from flask_login import login_required

from bench.seed import seed_bench_command
from wsgi import app

app.cli.add_command(seed_bench_command)

# Issue 15: "the empty layout (a page with the navigation and nothing else)" is measured on its
# own, since every page pays it: the signed-in user, the session, the unread count, the menus.
# Compiled once, as the app's own templates are.
LAYOUT = app.jinja_env.from_string('{% extends "base.html" %}{% block title %}Layout{% endblock %}')


@app.get("/bench/layout")
@login_required
def bench_layout():
    return render_template(LAYOUT)
