"""The app as `make bench` runs its commands (FLASK_APP=bench.cli): the production app of
wsgi.py plus `flask seed-bench`, which the product itself does not have."""

from bench.seed import seed_bench_command
from wsgi import app

app.cli.add_command(seed_bench_command)
