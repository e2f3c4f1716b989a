"""`make bench`: the benchmark (run.py) and the large book it seeds (seed*.py, cli.py)."""
