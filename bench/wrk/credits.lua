-- wrk: POST /api/credits/scraper/add, each request with the next of 1,000 users' Clerk tokens
-- (real RS256 session tokens made by the bench; the service runs with CREDITS_SELF_SERVICE=true).
local tokens = {}
local i = 0

init = function(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  i = math.random(#tokens)
end

request = function()
  i = (i % #tokens) + 1
  return wrk.format("POST", "/api/credits/scraper/add",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[i] }, '{"amount":1}')
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
