"""One bench measurement in a child process of the app's Python: its output goes to
.bench/<kind>-<name>.log, and its result is the one line "<MARKER> {json}" it prints."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
OUT = ROOT / ".bench"


def run_json(
    script: str,
    arguments: list[str],
    *,
    env: dict,
    kind: str,
    name: str,
    marker: str,
    timeout: int,
    error: type[Exception],
    too_long: str,
    failed: str,
) -> dict:
    """Run `script` with `arguments`; its printed JSON, or `error` with `too_long` (it ran past
    `timeout` seconds) or `failed` (it failed or printed no result) and the output's tail."""
    try:
        done = subprocess.run(
            [str(PYTHON), "-c", script, *arguments],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        raise error(f"[{kind}] {too_long} (over {timeout} s)") from expired
    OUT.mkdir(exist_ok=True)
    (OUT / f"{kind}-{name}.log").write_text(done.stdout + done.stderr)
    prefix = f"{marker} "
    line = next((x for x in done.stdout.splitlines() if x.startswith(prefix)), None)
    if done.returncode != 0 or line is None:
        tail = "\n".join((done.stderr or done.stdout).splitlines()[-20:])
        raise error(f"[{kind}] {failed} ({done.returncode}):\n{tail}")
    return json.loads(line.removeprefix(prefix))
