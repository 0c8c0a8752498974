-- StartExecution of the Pass → Choice → Succeed machine; an answer is right when it is HTTP
-- 200 and names the execution. Whether the executions SUCCEEDED is counted after the run
-- (scripts/bench/aws.py count). Argument: the state machine's ARN.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local counter = 0

function init(args)
    bad = 0
    arn = args[1]
    wrk.method = "POST"
    aws_headers("AWSStepFunctions.StartExecution", "states")
end

function request()
    counter = counter + 1
    local body = '{"stateMachineArn":"' .. arn .. '","input":"{\\"n\\":' .. (counter % 2) .. '}"}'
    return wrk.format(nil, nil, nil, body)
end

function ok(status, body)
    return status == 200 and string.find(body, '"executionArn"', 1, true) ~= nil
end
