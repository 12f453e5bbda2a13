-- lookup.lua - wrk script for bench/serve/run.sh: GET /v1/suppressions/{address}
-- with a random address user<N>@d<N%1000>.bench.example, N in [0, 2*listed):
-- half are on the list, half are not. wrk -s lookup.lua URL -- LISTED
local listed = 1000000

function init(args)
    if args[1] then listed = tonumber(args[1]) end
    math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
    local n = math.random(0, 2 * listed - 1)
    return wrk.format("GET", "/v1/suppressions/user" .. n .. "@d" .. (n % 1000) .. ".bench.example")
end

local suppressed = 0
function response(status, headers, body)
    if body:find('"suppressed":true', 1, true) then suppressed = suppressed + 1 end
end

function done(summary, latency, requests)
    io.write(string.format("http: %d requests, %.0f requests/s, errors %d, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms\n",
        summary.requests, summary.requests / (summary.duration / 1e6),
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
