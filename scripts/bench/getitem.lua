-- GetItem of one existing item; an answer is right when it is HTTP 200 and holds the item.
-- Argument: the table name.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

function init(args)
    bad = 0
    local table_name = args[1] or "bench"
    wrk.method = "POST"
    aws_headers("DynamoDB_20120810.GetItem", "dynamodb")
    wrk.body = '{"TableName":"' .. table_name .. '","Key":{"pk":{"S":"item-1"}}}'
end

function ok(status, body)
    return status == 200 and string.find(body, '"payload"', 1, true) ~= nil
end
