-- Shared by the benchmark's wrk scripts (loaded with dofile by each): one AWS JSON 1.0 POST per
-- request, every answer checked by the script's `ok(status, body)`, errors counted per thread
-- and summed in `done` into one RESULT line that scripts/bench.sh parses.
--
-- wrk runs setup/done in the main Lua state and init/request/response in one state per thread;
-- the per-thread counters are read back through thread:get.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_id", #threads)
end

-- Sets the headers every request carries (into wrk.headers, which holds the Host header): the SigV4-shaped Authorization the emulators expect
-- (access key `t`, us-east-1: DynamoDB Local keeps one database per key and region, and the
-- setup in scripts/bench/aws.py uses the same).
function aws_headers(target, service)
    wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
    wrk.headers["X-Amz-Target"] = target
    wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/" .. service
        .. "/aws4_request, SignedHeaders=host, Signature=0"
end

function response(status, headers, body)
    if not ok(status, body) then
        bad = bad + 1
        if bad <= 3 then
            io.stderr:write(string.format("wrong answer: HTTP %d %s\n", status, string.sub(body or "", 1, 300)))
        end
    end
end

function done(summary, latency, requests)
    local wrong = 0
    for _, thread in ipairs(threads) do
        wrong = wrong + thread:get("bad")
    end
    local e = summary.errors
    local socket = e.connect + e.read + e.write + e.timeout
    io.write(string.format(
        "RESULT requests=%d duration_us=%d wrong=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.duration, wrong, e.status, socket,
        latency:percentile(50), latency:percentile(99)))
end
