-- wrk script: POSTs the JSON file named by the first script argument (plain GETs without one,
-- for checking the mock upstream alone), and at the end prints one machine-readable line
-- (prefix WRKJSON) with throughput, p50/p99 and error counts for bench.py.
-- Usage: wrk ... -s bench/load.lua URL -- bench/welcome.json

function init(args)
  if args[1] == nil then
    return
  end
  local f = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = f:read("*a")
  f:close()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
