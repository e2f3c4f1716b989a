-- wrk script for bench/run.py: counts responses other than 200 and, at the end, prints one
-- line "BENCH_JSON {...}" with throughput and latency (wrk measures latency in microseconds).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_ok = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("not_ok") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_us": %.0f, '
      .. '"p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, "not_200": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    bad, e.connect, e.read, e.write, e.status, e.timeout
  ))
end
