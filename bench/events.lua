-- wrk script for the event benchmark: every request is a new event (its own X-Event-Id: the
-- run's prefix and a counter), with the bearer token both servers check, and at the end one
-- machine-readable line (prefix WRKJSON) for bench/events.py.
-- Usage: wrk ... -s bench/events.lua URL -- PREFIX TOKEN

local counter = 0
local prefix, token
local body = '{"type":"ticket.created","data":{"id":"T-1042","subject":"Checkout page returns 500 for all EU customers","priority":"low","requester":{"name":"Mia Chen","email":"mia@example.com"}}}'

function init(args)
  prefix = args[1] or tostring(os.time())
  token = args[2] or "bench-token-0123456789"
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["X-Event-Id"] = prefix .. "-" .. counter,
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
