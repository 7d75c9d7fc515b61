-- wrk script for bench/instances.sh: every request a new Okta-shaped `user.account.lock` event
-- (its own X-Event-Id: the run's prefix, this wrk's tag and a counter) for the okta handler,
-- and at the end one machine-readable line (prefix WRKJSON) for bench/instances.py.
-- Usage: wrk ... -s bench/instances.lua URL -- PREFIX TOKEN

local counter = 0
local prefix, token

function init(args)
  prefix = args[1] or tostring(os.time())
  token = args[2] or "bench-token-0123456789"
end

function request()
  counter = counter + 1
  local id = prefix .. "-" .. counter
  local body = '{"uuid":"' .. id .. '","eventType":"user.account.lock","published":"2026-11-30T17:00:00.000Z",'
    .. '"actor":{"type":"User","alternateId":"' .. id .. '@example.com"},"target":[]}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["X-Event-Id"] = id,
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
