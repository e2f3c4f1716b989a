"""`make bench`: load the account pages of a large account book with wrk, on SQLite and PostgreSQL.

For each database: create it if missing, migrate it and seed it with the app's own commands
(`flask db upgrade`, `flask seed-bench`), serve the app with gunicorn on a free loopback port,
sign in as the demo CSM, then load each page with wrk (2 threads, 8 connections) and compare its
throughput with the bare `/healthz` page measured in the same run. Every response also carries
X-SQL-Queries, the number of SQL statements the request ran; it must not depend on which page of
the list is shown nor on how many rows the book holds.

    .venv/bin/python bench/run.py [--accounts 50000] [--duration 5] [--db sqlite|postgres|both]

Another --accounts than 50,000 gets databases of its own (crm_bench_N, .bench/bench-N.sqlite), so
a quick try leaves the big ones alone. PostgreSQL gets VACUUM ANALYZE after seeding, as autovacuum
would. The baseline is loaded first and again last; ratios use the mean of the two.

Results go to stdout as a table per database and to .bench/results.json. A target missed is
reported as MISS and does not fail the run; errors (a page not answering 200, a server that
does not start, a failed seed) exit non-zero.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / ".bench"
LUA = Path(__file__).with_name("report.lua")

DEFAULT_ACCOUNTS = 50_000
PER_PAGE = 25  # the list page's page size (app/accounts/views.py)
WORKERS = 4
THREADS, CONNECTIONS = 2, 8
EMAIL, PASSWORD = "csm@demo.test", "demo12345"  # created by `flask seed-bench`
USER_AGENT = "crm-bench"  # the same for requests and wrk, so the session is never re-issued
FILTER = {
    "tier": "strategic",
    "status": "active",
    "health": "poor",
    "sort": "arr",
    "direction": "desc",
}
MIN_RATIO = 0.3  # of the baseline's requests per second
MAX_P95_MS = 50.0

ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)"')
TOTAL = re.compile(r'<span class="count">([\d,]+)</span>')
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_ATTR = re.compile(r'value="([^"]+)"')


class BenchError(Exception):
    """Something that makes the numbers meaningless: the run stops and exits non-zero."""


def log(message: str) -> None:
    print(message, flush=True)


# ---- databases ---------------------------------------------------------------------------


def postgres_name(accounts: int) -> str:
    return "crm_bench" if accounts == DEFAULT_ACCOUNTS else f"crm_bench_{accounts}"


def sqlite_path(accounts: int) -> Path:
    name = "bench.sqlite" if accounts == DEFAULT_ACCOUNTS else f"bench-{accounts}.sqlite"
    return OUT / name


def create_postgres_database(server: str, name: str) -> None:
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log(f"  created PostgreSQL database {name}")
    except psycopg.OperationalError as error:
        raise BenchError(f"cannot reach PostgreSQL at {server}: {error}".strip()) from error


def vacuum_analyze(url: str) -> None:
    """Planner statistics and visibility map as autovacuum would leave them after the load."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM ANALYZE")


def count_accounts(kind: str, target: str) -> int | None:
    """Seeding progress, read from the side; None while the table is not there or is locked."""
    try:
        if kind == "postgres":
            with psycopg.connect(target, connect_timeout=2) as conn:
                return conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=0.5)
        try:
            return conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        finally:
            conn.close()
    except (psycopg.Error, sqlite3.Error):
        return None


def app_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        APP_ENV="production",
        SECRET_KEY="bench",
        FLASK_APP="wsgi",
        SQL_QUERY_HEADER="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_flask(env: dict, args: list[str], log_path: Path, progress=None) -> str:
    """Run a flask command, printing progress every 10 s; its output goes to log_path."""
    started = time.monotonic()
    with open(log_path, "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "flask"), *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            next_report = started + 10
            while proc.poll() is None:
                time.sleep(0.5)
                if progress and time.monotonic() >= next_report:
                    next_report += 10
                    done = progress()
                    so_far = f"{done:,} accounts so far, " if done is not None else ""
                    log(f"    ... {so_far}{time.monotonic() - started:.0f} s")
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
    output = log_path.read_text()
    if proc.returncode != 0:
        tail = "\n".join(output.splitlines()[-20:])
        raise BenchError(f"`flask {' '.join(args)}` failed ({log_path}):\n{tail}")
    return output


def prepare(kind: str, accounts: int, pg_server: str) -> tuple[dict, dict]:
    """Create, migrate and seed one database; returns the app's env and timing facts."""
    if kind == "postgres":
        name = postgres_name(accounts)
        create_postgres_database(pg_server, name)
        database_url = f"{pg_server}/{name}"
        where, progress_target = f"PostgreSQL database {name}", database_url
    else:
        path = sqlite_path(accounts)
        database_url = f"sqlite:///{path}"
        where, progress_target = f"SQLite file {path.relative_to(ROOT)}", str(path)
    env = app_env(database_url)
    log(f"[{kind}] {where}: migrating")
    started = time.monotonic()
    run_flask(env, ["db", "upgrade"], OUT / f"{kind}-migrate.log")
    migrated = time.monotonic()
    log(f"[{kind}] seeding {accounts:,} accounts (skipped when already loaded)")
    output = run_flask(
        env,
        ["seed-bench", "--accounts", str(accounts)],
        OUT / f"{kind}-seed.log",
        progress=lambda: count_accounts(kind, progress_target),
    )
    seeded = time.monotonic()
    summary = next((line for line in output.splitlines() if "bench data" in line), "")
    log(f"[{kind}] {summary.strip() or 'seeded'} ({seeded - migrated:.1f} s)")
    if kind == "postgres":
        vacuum_analyze(database_url)
        log(f"[{kind}] VACUUM ANALYZE done ({time.monotonic() - seeded:.1f} s)")
    facts = {
        "database": where,
        "migrate_seconds": round(migrated - started, 1),
        "seed_seconds": round(seeded - migrated, 1),
        "seed_output": summary.strip(),
    }
    return env, facts


def busy_share(seconds: float = 2.0) -> float | None:
    """The share of all CPUs in use over a short sample (Linux); the bench itself is idle then."""

    def sample():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return (busy1 - busy0) / max(1, total1 - total0)


# ---- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, log_path: Path):
    """gunicorn with WORKERS workers on a free loopback port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop it in order below
        )
        try:
            wait_healthy(base, proc, log_path)
            yield base
        finally:
            stop(proc)


def wait_healthy(base: str, proc: subprocess.Popen, log_path: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = "\n".join(log_path.read_text().splitlines()[-20:])
            raise BenchError(f"gunicorn exited with {proc.returncode} ({log_path}):\n{tail}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise BenchError(f"gunicorn did not answer {base}/healthz within {limit:.0f} s ({log_path})")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets gunicorn finish its requests and stop its workers; SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only gunicorn and its workers
        proc.wait(timeout=10)


# ---- signing in and checking pages -------------------------------------------------------


def session_cookie(response: requests.Response) -> str | None:
    # ProductionConfig marks the cookie Secure, so requests would not send it back over http:
    # it is read from the response and sent by hand (as wrk will).
    return response.cookies.get("session")


def sign_in(base: str) -> str:
    headers = {"User-Agent": USER_AGENT}
    page = requests.get(f"{base}/login", headers=headers, timeout=10)
    if page.status_code != 200:
        raise BenchError(f"GET /login answered {page.status_code}, expected 200")
    field = CSRF_INPUT.search(page.text)
    token = VALUE_ATTR.search(field.group(0)) if field else None
    cookie = session_cookie(page)
    if token is None or cookie is None:
        raise BenchError("GET /login: no csrf_token field or no session cookie")
    answer = requests.post(
        f"{base}/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        headers={**headers, "Cookie": f"session={cookie}"},
        allow_redirects=False,
        timeout=10,
    )
    cookie = session_cookie(answer)
    if answer.status_code != 302 or cookie is None:
        raise BenchError(
            f"signing in as {EMAIL} failed: POST /login answered {answer.status_code} "
            "(were the demo users created by `flask seed-bench`?)"
        )
    # Every signed-in page renders a sign-out form, whose CSRF token is kept in the session:
    # take the cookie as a browser would hold it after its first page, so the pages under load
    # do not each issue a new one.
    first = get(base, "/accounts/", cookie)
    return session_cookie(first) or cookie


def get(base: str, path: str, cookie: str | None) -> requests.Response:
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    try:
        response = requests.get(base + path, headers=headers, allow_redirects=False, timeout=60)
    except requests.RequestException as error:
        raise BenchError(f"GET {path} failed: {error}") from error
    if response.status_code != 200:
        where = response.headers.get("Location", "")
        raise BenchError(
            f"GET {path} answered {response.status_code}{' → ' + where if where else ''}, "
            "expected 200"
        )
    if "X-SQL-Queries" not in response.headers:
        raise BenchError(f"GET {path}: no X-SQL-Queries header (SQL_QUERY_HEADER=1 not applied?)")
    return response


def list_facts(base: str, path: str, cookie: str) -> tuple[int, list[int]]:
    """The total a list page shows and the account ids on it."""
    html = get(base, path, cookie).text
    total = TOTAL.search(html)
    if total is None:
        raise BenchError(f"GET {path}: no account total on the page")
    return int(total.group(1).replace(",", "")), [int(i) for i in ACCOUNT_LINK.findall(html)]


def list_path(page: int = 1, **args) -> str:
    query = dict(args)
    if page != 1:
        query["page"] = page
    return "/accounts/" + (f"?{urlencode(query)}" if query else "")


def search_term(total: int) -> str:
    """seed-bench names accounts "Bench Account 000000" on: this matches 100 in the middle."""
    return f"Account {total // 2:06d}"[:-2]


def plan_pages(base: str, cookie: str) -> list[dict]:
    """The pages to load; deep pages are the last page of their list, read from the totals."""
    total, ids = list_facts(base, list_path(), cookie)
    if not ids:
        raise BenchError("the account list is empty: was the book seeded?")
    last = math.ceil(total / PER_PAGE)
    search = search_term(total)
    filtered_total, _ids = list_facts(base, list_path(**FILTER), cookie)
    filtered_last = max(1, math.ceil(filtered_total / PER_PAGE))
    search_total, _ids = list_facts(base, list_path(q=search), cookie)
    _total, middle_ids = list_facts(base, list_path(page=max(1, last // 2)), cookie)
    account_id = middle_ids[0]
    log(
        f"  {total:,} accounts ({last:,} pages); filtered: {filtered_total:,} "
        f"({filtered_last:,} pages); search {search!r}: {search_total:,}; "
        f"account page: id {account_id}"
    )
    pages = [
        ("baseline", "/healthz", False, None),
        ("list p1", list_path(), True, "list"),
        (f"list p{last}", list_path(page=last), True, "list"),
        ("filtered p1", list_path(**FILTER), True, "list"),
        (f"filtered p{filtered_last}", list_path(page=filtered_last, **FILTER), True, "list"),
        ("search", list_path(q=search), True, "list"),
        ("account", f"/accounts/{account_id}", True, "account"),
        ("baseline again", "/healthz", False, None),
    ]
    return [
        {"page": name, "path": path, "login": login, "kind": kind}
        for name, path, login, kind in pages
    ]


# ---- wrk ---------------------------------------------------------------------------------


def wrk(url: str, cookie: str | None, seconds: int) -> dict:
    command = [
        WRK,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookie:
        command += ["-H", f"Cookie: session={cookie}"]
    try:
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk on {url} did not finish in {seconds + 30} s") from error
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk on {url} failed ({done.returncode}): {done.stderr or done.stdout}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def measure(base: str, cookie: str, page: dict, seconds: int, warmup: int) -> dict:
    path = page["path"]
    cookie = cookie if page["login"] else None
    response = get(base, path, cookie)
    if page["kind"] == "list" and not ACCOUNT_LINK.search(response.text):
        raise BenchError(f"GET {path}: the list page shows no accounts")
    if session_cookie(response):
        log(f"  note: {path} sets a new session cookie, which wrk does not keep")
    queries = int(response.headers["X-SQL-Queries"])
    if warmup:
        wrk(base + path, cookie, warmup)  # every worker renders it once before the clock
    result = wrk(base + path, cookie, seconds)
    if result["not_200"] or result["errors"]["status"]:
        raise BenchError(f"GET {path} under load: {result['not_200']} responses were not 200")
    socket_errors = sum(result["errors"].values())
    if socket_errors:
        log(f"  warning: {path}: socket errors under load: {result['errors']}")
    return {
        **page,
        "queries": queries,
        "rps": result["rps"],
        "p50_ms": result["p50_us"] / 1000,
        "p95_ms": result["p95_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "requests": result["requests"],
        "socket_errors": result["errors"],
    }


# ---- one database ------------------------------------------------------------------------


def bench_database(kind: str, args) -> dict:
    env, facts = prepare(kind, args.accounts, args.postgres)
    busy = busy_share()
    if busy is not None:
        log(f"[{kind}] CPU in use by other processes before the run: {busy:.0%}")
        if busy > 0.25:
            log("  warning: the machine is busy: the numbers will be noisy and low")
    log(f"[{kind}] starting gunicorn ({WORKERS} workers)")
    with gunicorn(env, OUT / f"{kind}-gunicorn.log") as base:
        cookie = sign_in(base)
        pages = plan_pages(base, cookie)
        results = []
        for page in pages:
            log(f"  wrk {page['page']:<16} {page['path']}")
            results.append(measure(base, cookie, page, args.duration, args.warmup))
        # The account page again, for another account: the same number of statements.
        other_id = list_facts(base, list_path(), cookie)[1][-1]
        other_account = int(get(base, f"/accounts/{other_id}", cookie).headers["X-SQL-Queries"])
    # The baseline is loaded first and again last: ratios use the mean of the two, and a large
    # gap between them means something else on the machine took CPU during the run.
    baseline = (results[0]["rps"] + results[-1]["rps"]) / 2
    for row in results:
        row["ratio"] = row["rps"] / baseline if baseline else 0.0
        if row["kind"] is None:
            row["target"] = None
            continue
        misses = []
        if row["ratio"] < MIN_RATIO:
            misses.append(f"ratio < {MIN_RATIO}")
        if row["p95_ms"] >= MAX_P95_MS:
            misses.append(f"p95 >= {MAX_P95_MS:.0f} ms")
        if any(row["socket_errors"].values()):
            misses.append("socket errors")
        row["target"] = "PASS" if not misses else "MISS: " + ", ".join(misses)
    account = next(r for r in results if r["kind"] == "account")
    list_counts = {r["page"]: r["queries"] for r in results if r["kind"] == "list"}
    account_counts = {
        f"account {account['path'].rsplit('/', 1)[1]}": account["queries"],
        f"account {other_id}": other_account,
    }
    return {
        **facts,
        "cpu_busy_before": busy,
        "baseline_rps": baseline,
        "pages": results,
        "query_counts": {
            "list": list_counts,
            "list_equal": len(set(list_counts.values())) == 1,
            "account": account_counts,
            "account_equal": len(set(account_counts.values())) == 1,
        },
    }


def print_report(kind: str, report: dict) -> None:
    log("")
    busy = report["cpu_busy_before"]
    busy_text = f"; other CPU use before the run {busy:.0%}" if busy is not None else ""
    seeded = f"{report['seed_output'] or 'seeded'} in {report['seed_seconds']} s"
    log(f"== {kind}: {report['database']} ({seeded}{busy_text}) ==")
    log(
        f"{'page':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8} {'ratio':>6}  target"
    )
    for row in report["pages"]:
        log(
            f"{row['page']:<16} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['queries']:>8} {row['ratio']:>6.2f}  {row['target'] or '(baseline)'}"
        )
    first, last = report["pages"][0]["rps"], report["pages"][-1]["rps"]
    if abs(first - last) > 0.25 * max(first, last):
        log(
            f"warning: the baseline moved from {first:.0f} to {last:.0f} req/s during the run: "
            "something else was using the CPU, the numbers are noisy"
        )
    counts = report["query_counts"]
    for what in ("list", "account"):
        values = ", ".join(f"{page} {n}" for page, n in counts[what].items())
        verdict = "equal" if counts[f"{what}_equal"] else "DIFFERENT"
        log(f"SQL statements per {what} page: {verdict} ({values})")
    targets = [row["target"] for row in report["pages"] if row["target"]]
    passed = sum(target == "PASS" for target in targets)
    log(f"targets: {passed} PASS, {len(targets) - passed} MISS")


# ---- main --------------------------------------------------------------------------------

WRK = shutil.which("wrk") or "/usr/bin/wrk"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS, help="book size")
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per page")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without a database name",
    )
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.duration < 1 or args.warmup < 0:
        parser.error("--accounts and --duration must be at least 1, --warmup at least 0")
    return args


def interrupted(_signum, _frame):
    """A SIGTERM unwinds like Ctrl-C, so gunicorn and the seed commands are stopped."""
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    if not Path(WRK).exists():
        log("bench failed: wrk is not installed (scripts/system-deps.sh bench)")
        return 1
    OUT.mkdir(exist_ok=True)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    started = datetime.now(UTC)
    reports = {}
    try:
        for kind in kinds:
            reports[kind] = bench_database(kind, args)
    except BenchError as error:
        log(f"\nbench failed: {error}")
        return 1
    except KeyboardInterrupt:
        log("\nbench interrupted")
        return 130
    for kind, report in reports.items():
        print_report(kind, report)
    results = {
        "started_at": started.isoformat(timespec="seconds"),
        "accounts": args.accounts,
        "duration_seconds": args.duration,
        "wrk": {"threads": THREADS, "connections": CONNECTIONS},
        "gunicorn_workers": WORKERS,
        "targets": {"min_ratio_to_baseline": MIN_RATIO, "max_p95_ms": MAX_P95_MS},
        "databases": reports,
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    log(f"\nresults written to {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
