-- PutItem of a new item per request (key: the thread's number from setup and a counter); an answer is right when
-- it is HTTP 200 and `{}`. Argument: the table name.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local counter = 0

function init(args)
    bad = 0
    table_name = args[1] or "bench"
    wrk.method = "POST"
    aws_headers("DynamoDB_20120810.PutItem", "dynamodb")
end

function request()
    counter = counter + 1
    local body = '{"TableName":"' .. table_name .. '","Item":{"pk":{"S":"put-' .. thread_id .. '-'
        .. counter .. '"},"payload":{"S":"0123456789abcdef"},"n":{"N":"' .. counter .. '"}}}'
    return wrk.format(nil, nil, nil, body)
end

function ok(status, body)
    return status == 200 and string.match(body, "^%s*{%s*}%s*$") ~= nil
end
