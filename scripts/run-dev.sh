#!/usr/bin/env bash
# `make run`: the web server, the scheduler beside it (its own process, as in production),
# and a local SMTP sink that writes every e-mail the app sends to instance/mail.log.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=wsgi APP_ENV=development MAIL_SERVER=127.0.0.1 MAIL_PORT="${MAIL_PORT:-8025}"
mkdir -p instance
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

.venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" -c aiosmtpd.handlers.Debugging \
  >>instance/mail.log 2>&1 &
pids+=($!)
.venv/bin/flask scheduler run >>instance/scheduler.log 2>&1 &
pids+=($!)
echo "scheduler log: instance/scheduler.log · e-mail the app sends: instance/mail.log"
.venv/bin/flask run --host 127.0.0.1 --port 5000
