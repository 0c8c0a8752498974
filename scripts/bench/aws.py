#!/usr/bin/env python3
"""The benchmark's helper (scripts/bench.sh): starts a server and times it, sets up what the
wrk scripts call, counts executions, reads memory. Standard library only; talks to 127.0.0.1
only, with the same SigV4-shaped Authorization as the wrk scripts (access key `t`, us-east-1).

  launch --log FILE --pid-file FILE (--port N | --banner) -- CMD...
      starts CMD in its own process group, waits (at most --timeout s) until ListTables is
      answered with HTTP 200, prints `PORT START_MS` (process start -> first ListTables
      answered); --banner reads the port from the first `http://127.0.0.1:PORT` in the log
      (for `orderlab emulate --port 0`).
  table ENDPOINT TABLE          CreateTable (pk S, on demand), wait ACTIVE, put item-1
  machine ENDPOINT NAME         CreateStateMachine Pass -> Choice -> Succeed; prints its ARN
  count ENDPOINT ARN            waits until nothing is RUNNING (bounded), prints the count
                                per status as `SUCCEEDED=n FAILED=n ...` (ListExecutions)
  rss PGID                      resident memory of the process group, in MB
"""

import http.client
import json
import os
import re
import subprocess
import sys
import time

AUTH = "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"


def call(port, service, target, body, timeout=30.0):
    """One AWS JSON 1.0 call; returns (status, parsed body or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            "/",
            body=json.dumps(body),
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": target,
                "Authorization": AUTH.format(service),
            },
        )
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, text


def must(port, service, target, body):
    status, answer = call(port, service, target, body)
    if status != 200:
        sys.exit(f"{target}: HTTP {status}: {answer}")
    return answer


def port_of(endpoint):
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/?", endpoint)
    if not match:
        sys.exit(f"not a loopback endpoint: {endpoint}")
    return int(match.group(1))


def launch(args):
    opts = {"--timeout": "90"}
    while args and args[0] != "--":
        if args[0] == "--banner":
            opts["--banner"] = True
            args = args[1:]
        else:
            opts[args[0]] = args[1]
            args = args[2:]
    command = args[1:]
    deadline = time.monotonic() + float(opts["--timeout"])
    log = open(opts["--log"], "wb")
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    with open(opts["--pid-file"], "w") as pid_file:
        pid_file.write(str(process.pid))
    port = None if "--banner" in opts else int(opts["--port"])
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{command[0]} exited with {process.returncode}; log: {opts['--log']}")
        if port is None:
            with open(opts["--log"], "rb") as text:
                match = re.search(rb"http://127\.0\.0\.1:(\d+)", text.read())
            if match:
                port = int(match.group(1))
        if port is not None:
            try:
                status, _ = call(port, "dynamodb", "DynamoDB_20120810.ListTables", {}, timeout=5.0)
                if status == 200:
                    elapsed_ms = (time.perf_counter() - start) * 1000.0
                    print(f"{port} {elapsed_ms:.1f}")
                    return
            except OSError:
                pass
        time.sleep(0.0005)
    sys.exit(f"{command[0]} did not answer ListTables within {opts['--timeout']} s; log: {opts['--log']}")


def table(endpoint, name):
    port = port_of(endpoint)
    must(
        port,
        "dynamodb",
        "DynamoDB_20120810.CreateTable",
        {
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for _ in range(600):
        answer = must(port, "dynamodb", "DynamoDB_20120810.DescribeTable", {"TableName": name})
        if answer["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.1)
    else:
        sys.exit(f"table {name} not ACTIVE after 60 s")
    item = {"pk": {"S": "item-1"}, "payload": {"S": "x" * 100}, "n": {"N": "1"}}
    must(port, "dynamodb", "DynamoDB_20120810.PutItem", {"TableName": name, "Item": item})


MACHINE = {
    "Comment": "Pass -> Choice -> Succeed (the benchmark's StartExecution workload)",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Next": "Decide"},
        "Decide": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def machine(endpoint, name):
    answer = must(
        port_of(endpoint),
        "states",
        "AWSStepFunctions.CreateStateMachine",
        {
            "name": name,
            "definition": json.dumps(MACHINE),
            "roleArn": "arn:aws:iam::000000000000:role/bench",
        },
    )
    print(answer["stateMachineArn"])


def list_count(port, arn, status):
    count, token, pages = 0, None, 0
    while pages < 100000:
        body = {"stateMachineArn": arn, "statusFilter": status, "maxResults": 1000}
        if token:
            body["nextToken"] = token
        answer = must(port, "states", "AWSStepFunctions.ListExecutions", body)
        count += len(answer.get("executions", []))
        token = answer.get("nextToken")
        pages += 1
        if not token:
            break
    return count


def count(endpoint, arn):
    port = port_of(endpoint)
    deadline = time.monotonic() + 120
    while list_count(port, arn, "RUNNING") and time.monotonic() < deadline:
        time.sleep(0.5)
    counts = {s: list_count(port, arn, s) for s in ("SUCCEEDED", "RUNNING", "FAILED", "TIMED_OUT", "ABORTED")}
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


def rss(pgid):
    total_kb = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != int(pgid):
                continue
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    print(f"{total_kb / 1024:.0f}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    command, args = sys.argv[1], sys.argv[2:]
    if command == "launch":
        launch(args)
    elif command == "table":
        table(*args)
    elif command == "machine":
        machine(*args)
    elif command == "count":
        count(*args)
    elif command == "rss":
        rss(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
