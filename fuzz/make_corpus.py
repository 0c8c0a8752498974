#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (fuzz/corpus/<target>/) from the project's own
material: app/ (the ASL definition, tables, rule, API), scenarios/*.yaml, and strings from the
emulator's tests and unit tests, plus a few hand-written inputs per grammar feature.

Nothing comes from ../shared (the AWS-recorded conformance corpus may not be copied into the
repository). Run it from anywhere; it replaces fuzz/corpus/ wholly. scripts/fuzz.sh minimises
nothing by itself: `scripts/fuzz.sh cmin` does (see fuzz/README.md).
"""

import hashlib
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
EMULATOR = ROOT / "emulator"
PLACEHOLDERS = {
    "Prefix": "alex-",
    "AccountId": "000000000000",
    "Region": "us-east-1",
}


def substitute(text):
    """`${Name}` placeholders of app/ as the harness fills them (ARNs for the rest)."""

    def one(match):
        name = match.group(1)
        if name in PLACEHOLDERS:
            return PLACEHOLDERS[name]
        return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"

    return re.sub(r"\$\{([A-Za-z]+)\}", one, text)


def rust_sources():
    files = sorted(EMULATOR.glob("tests/**/*.rs")) + sorted(EMULATOR.glob("src/**/*.rs"))
    return [(p, p.read_text()) for p in files if "sfn_conformance" not in str(p)]


def rust_strings(text):
    """Every plain and raw string literal's content."""
    out = []
    for m in re.finditer(r'r#"(.*?)"#', text, re.S):
        out.append(m.group(1))
    for m in re.finditer(r'(?<![r#\w])"((?:[^"\\\n]|\\.)*)"', text):
        try:
            out.append(json.loads('"' + m.group(1) + '"'))
        except ValueError:
            pass
    return out


def json_macros(text):
    """The JSON documents of `json!(...)` calls that are plain JSON (no Rust expressions)."""
    out = []
    for m in re.finditer(r"json!\(", text):
        depth, i = 0, m.end()
        start = i
        while i < len(text):
            c = text[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif c == '"':
                i += 1
                while i < len(text) and text[i] != '"':
                    i += 2 if text[i] == "\\" else 1
            i += 1
        body = text[start:i]
        try:
            out.append(json.loads(body))
        except ValueError:
            pass
    return out


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Corpus:
    def __init__(self, target):
        self.dir = CORPUS / target
        self.dir.mkdir(parents=True, exist_ok=True)
        self.seen = set()

    def add(self, data, limit=16 * 1024, prefix=""):
        if isinstance(data, str):
            data = data.encode()
        if not data or len(data) > limit or data in self.seen:
            return
        self.seen.add(data)
        name = prefix + hashlib.sha1(data).hexdigest()[:16]
        (self.dir / name).write_bytes(data)


# --- DynamoDB expressions ------------------------------------------------------------------

EXPRESSION_MEMBERS = {
    "ConditionExpression": "condition",
    "condition_expression": "condition",
    "FilterExpression": "filter",
    "filter_expression": "filter",
    "KeyConditionExpression": "key",
    "key_condition_expression": "key",
    "UpdateExpression": "update",
    "update_expression": "update",
    "ProjectionExpression": "projection",
    "projection_expression": "projection",
}

DDB_HANDWRITTEN = [
    ("condition", "attribute_exists(#a) AND attribute_not_exists(zz)"),
    ("condition", "attribute_type(n, :ty) OR NOT begins_with(a, :s)"),
    ("condition", "size(l) > :n AND contains(ss, :s) AND contains(#l, :n)"),
    ("condition", "n BETWEEN :n AND :q"),
    ("condition", "#s IN (:v, :s, :k)"),
    ("condition", "((n < :q) OR (n >= :n)) AND NOT (a <> :s)"),
    ("condition", "m.x = :q AND m.y[0] = :s AND l[2].z > :n"),
    ("condition", "#m.#x = :q AND #dot = :s"),
    ("condition", "flag = :t AND nul = :null AND bin = :b"),
    ("condition", "ns = :ns OR ss = :ss OR bs = :bs OR m = :m OR l = :l"),
    ("filter", "size(#m) = :q AND n > :big"),
    ("filter", "kind = :k AND (pk = :pk OR sk >= :sk) AND NOT contains(sk, :s)"),
    ("key", "pk = :pk AND begins_with(sk, :sk)"),
    ("key", "#pk = :pk AND #sk BETWEEN :sk AND :s"),
    ("key", "#k = :k"),
    ("key", "pk = :pk AND sk < :s"),
    ("update", "SET n = n + :n, a = :s REMOVE nul ADD ns :ns DELETE ss :ss"),
    ("update", "SET l = list_append(l, :l), m.x = if_not_exists(m.x, :q)"),
    ("update", "SET l[1] = :s, m.d.e = :v REMOVE l[0], m.y[0]"),
    ("update", "SET #s = :v, n = :q - n"),
    ("update", "SET newlist = list_append(:e, if_not_exists(newlist, :l))"),
    ("update", "ADD n :q, newset :ss"),
    ("projection", "pk, sk, l[0], m.y[0], #m.#x, #dot"),
    ("projection", "a, n, ss"),
]

DDB_REQUESTS = [
    ("TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": "tab", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                    "UpdateExpression": "SET n = n + :n", "ConditionExpression": "n < :q",
                    "ExpressionAttributeValues": {":n": {"N": "1"}, ":q": {"N": "100"}}}},
        {"ConditionCheck": {"TableName": "tab", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}},
                            "ConditionExpression": "attribute_exists(pk)"}}]}),
    ("BatchGetItem", {"RequestItems": {"tab": {"Keys": [{"pk": {"S": "a"}, "sk": {"S": "1"}}],
                                           "ProjectionExpression": "#a, l[0]",
                                           "ExpressionAttributeNames": {"#a": "a"}}}}),
    ("Query", {"TableName": "tab", "IndexName": "byKind", "KeyConditionExpression": "kind = :k",
               "FilterExpression": "n > :n", "ScanIndexForward": False, "Limit": 1,
               "ExpressionAttributeValues": {":k": {"S": "k"}, ":n": {"N": "0"}}}),
    ("Scan", {"TableName": "tab", "Segment": 0, "TotalSegments": 2, "Select": "COUNT"}),
    ("PutItem", {"TableName": "tab", "Item": {"pk": {"S": "c"}, "sk": {"S": "1"},
                                          "n": {"N": "-1.5E-10"}, "m": {"M": {}}},
                 "ReturnValues": "ALL_OLD"}),
    ("UpdateItem", {"TableName": "tab", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                    "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}}),
]


def dynamodb(sources):
    corpus = Corpus("dynamodb_expression")
    for _, text in sources:
        for member, kind in EXPRESSION_MEMBERS.items():
            pattern = r'["(]?%s"?\s*[:(]\s*"((?:[^"\\\n]|\\.)*)"' % member
            for m in re.finditer(pattern, text):
                try:
                    expression = json.loads('"' + m.group(1) + '"')
                except ValueError:
                    continue
                corpus.add(f"{kind}\n{expression}")
    for kind, expression in DDB_HANDWRITTEN:
        corpus.add(f"{kind}\n{expression}")
    for operation, request in DDB_REQUESTS:
        corpus.add(f"request {operation}\n{compact(request)}")
    # The shapes of issue #10's stack overflows, at a depth that is still accepted: the fuzzer
    # only has to double them.
    corpus.add("condition\n" + "(" * 100 + "pk = :pk" + ")" * 100, prefix="deep-")
    corpus.add("filter\n" + "NOT " * 100 + "n = :n", prefix="deep-")
    corpus.add("key\n" + "(" * 100 + "pk = :pk" + ")" * 100, prefix="deep-")
    nested = ":q"
    for _ in range(50):
        nested = f"if_not_exists(n, {nested})"
    corpus.add(f"update\nSET n = {nested}", prefix="deep-")
    corpus.add("filter\n" + " OR ".join(["n = :n"] * 200), prefix="deep-")
    return corpus


# --- Step Functions ------------------------------------------------------------------------


def app_definition():
    return json.loads(substitute((ROOT / "app" / "state-machine.asl.json").read_text()))


def asl(sources):
    corpus = Corpus("asl_definition")
    corpus.add(compact(app_definition()))
    branch = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    for _ in range(20):
        branch = {"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": True,
                                                        "Branches": [branch]}}}
    corpus.add(compact(branch), prefix="deep-")
    corpus.add(compact({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True,
        "Parameters": {"x.$": "States.Array(" * 50 + "1" + ")" * 50}}}}), prefix="deep-")
    for _, text in sources:
        for value in json_macros(text):
            if isinstance(value, dict) and "StartAt" in value:
                corpus.add(compact(value))
        for s in rust_strings(text):
            if '"StartAt"' in s:
                corpus.add(s)
    return corpus


def walk(value, visit):
    visit(value)
    if isinstance(value, dict):
        for child in value.values():
            walk(child, visit)
    elif isinstance(value, list):
        for child in value:
            walk(child, visit)


PATHS_HANDWRITTEN = [
    "$",
    "$.a.b[2].c",
    "$['a']['e']",
    "$.items[?(@.price > 10)].id",
    "$.items[*].price",
    "$.l[1:3]",
    "$..c",
    "$$.Execution.Input.a",
    "$$.Map.Item.Value",
    "$v.w[0]",
    "States.Array($.n, 'x', null, true, 1.5)",
    "States.ArrayContains($.l, 2)",
    "States.ArrayGetItem($.l, 0)",
    "States.ArrayLength($.l)",
    "States.ArrayPartition($.l, 2)",
    "States.ArrayRange(1, 9, 2)",
    "States.ArrayUnique($.l)",
    "States.Base64Encode($.s)",
    "States.Base64Decode($.b64)",
    "States.Hash($.s, 'SHA-256')",
    "States.JsonMerge($.o, $.a, false)",
    "States.JsonToString($.a)",
    "States.StringToJson($.json)",
    "States.MathAdd($.n, -3)",
    "States.MathRandom(1, 10)",
    "States.StringSplit($.s, ',')",
    "States.UUID()",
    "States.Format('a {} b \\\\{\\\\} {}', $.n, States.ArrayLength($.l))",
]


def nest(value, depth, key="a"):
    for _ in range(depth):
        value = {key: value}
    return value


def sfn_paths(sources):
    corpus = Corpus("sfn_paths")
    for p in PATHS_HANDWRITTEN:
        corpus.add(p)
    corpus.add('$.x.y\n{"x": {"y": [1, {"z": null}]}}')
    corpus.add("States.Array(" * 50 + "1" + ")" * 50, prefix="deep-")
    corpus.add("$.items[?(" + "(" * 20 + "@.id == 1" + ")" * 20 + ")].id", prefix="deep-")
    corpus.add(compact(nest({"a.$": "States.ArrayLength($.l)"}, 50)), prefix="deep-")

    def visit(value):
        if not isinstance(value, dict):
            return
        for key, child in value.items():
            if isinstance(child, str) and (key.endswith(".$") or key.endswith("Path")):
                corpus.add(child)
            if key in ("Parameters", "ResultSelector", "ItemSelector") and isinstance(child, dict):
                corpus.add(compact(child))

    walk(app_definition(), visit)
    for _, text in sources:
        for s in rust_strings(text):
            if s.startswith("States.") and "(" in s or re.fullmatch(r"\$\$?[\w.\[\]'*?@()<>= -]*", s):
                corpus.add(s)
    return corpus


# --- EventBridge ---------------------------------------------------------------------------

PATTERNS_HANDWRITTEN = [
    {"source": [{"prefix": "alex."}], "detail-type": [{"suffix": "Created"}]},
    {"detail": {"total": [{"numeric": [">", 0, "<=", 200]}], "flag": [True]}},
    {"detail": {"customer": {"email": [{"wildcard": "*@example.*"}],
                             "ip": [{"cidr": "10.0.0.0/24"}]}}},
    {"detail": {"orderId": [{"anything-but": {"prefix": "x-"}}], "none": [None]}},
    {"detail": {"orderId": [{"anything-but": ["o-2", "o-3"]}], "missing": [{"exists": False}]}},
    {"detail-type": [{"equals-ignore-case": "ordercreated"}],
     "detail": {"items": {"sku": ["A"], "qty": [{"numeric": ["=", 2]}]}}},
    {"$or": [{"source": ["alex.orders"]}, {"detail": {"total": [{"numeric": [">=", 100]}]}}]},
    {"detail.orderId": [{"prefix": {"equals-ignore-case": "O-"}}]},
    {"detail": {"orderId": [{"anything-but": {"wildcard": "o-*"}}]}},
    {"resources": [{"anything-but": {"suffix": ":y"}}], "region": [{"exists": True}]},
]


def event_pattern(sources):
    corpus = Corpus("event_pattern")
    rule = json.loads(substitute((ROOT / "app" / "rule.json").read_text()))
    corpus.add(compact(rule["EventPattern"]))
    for pattern in PATTERNS_HANDWRITTEN:
        corpus.add(compact(pattern))
    corpus.add(compact({"detail": {"a": [1]}}) + "\n" + compact({"detail": {"a": [2, 1]}}))
    corpus.add(compact(nest({"a": [1]}, 50)) + "\n" + compact(nest({"a": 1}, 50)), prefix="deep-")
    corpus.add(compact({"$or": [nest({"a": [1]}, 20), {"$or": [{"b": [2]}, {"c": [3]}]}]}), prefix="deep-")
    for path, text in sources:
        if "events" not in str(path):
            continue
        for s in rust_strings(text):
            try:
                if isinstance(json.loads(s), dict) and "\n" not in s:
                    corpus.add(s)
            except ValueError:
                pass
    return corpus


# --- Wire protocols ------------------------------------------------------------------------


def app_json(name):
    return json.loads(substitute((ROOT / "app" / name).read_text()))


def protocol_json():
    corpus = Corpus("protocol_json")
    ddb = "DynamoDB_20120810."
    for table in app_json("tables.json"):
        corpus.add(ddb + "CreateTable\n" + compact(table))
    corpus.add(ddb + "PutItem\n" + compact({"TableName": "alex-orders", "Item": {
        "order_id": {"S": "o-1"}, "status": {"S": "PENDING"}, "total": {"N": "12.50"},
        "lines": {"L": [{"M": {"sku": {"S": "A"}, "qty": {"N": "2"}}}]}},
        "ConditionExpression": "attribute_not_exists(order_id)"}))
    corpus.add(ddb + "ListTables\n{}")
    corpus.add(ddb + "Query\n" + compact({"TableName": "alex-orders",
                                          "KeyConditionExpression": "order_id = :o",
                                          "ExpressionAttributeValues": {":o": {"S": "o-1"}}}))
    corpus.add("DynamoDBStreams_20120810.ListStreams\n{}")
    machine = app_json("state-machine.json")
    corpus.add("AWSStepFunctions.CreateStateMachine\n" + compact({
        "name": machine.get("Name", "alex-order-processing"),
        "definition": compact(app_definition()),
        "roleArn": "arn:aws:iam::000000000000:role/sfn"}))
    corpus.add("AWSStepFunctions.StartExecution\n" + compact({
        "stateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:m",
        "input": "{\"order_id\": \"o-1\"}"}))
    corpus.add("AWSStepFunctions.ListStateMachines\n{\"maxResults\": 10}")
    rule = app_json("rule.json")
    corpus.add("AWSEvents.PutRule\n" + compact({"Name": rule["Name"],
                                                "EventPattern": compact(rule["EventPattern"])}))
    corpus.add("AWSEvents.PutEvents\n" + compact({"Entries": [{
        "Source": "alex.orders", "DetailType": "OrderCreated",
        "Detail": "{\"order_id\": \"o-1\"}"}]}))
    return corpus


def protocol_rest():
    corpus = Corpus("protocol_rest")
    for function in app_json("functions.json"):
        body = {k: v for k, v in function.items() if k != "Binary"}
        body["Code"] = {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}
        corpus.add("POST /2015-03-31/functions\n" + compact(body))
    corpus.add("GET /2015-03-31/functions?MaxItems=5&Marker=x")
    corpus.add("POST /2015-03-31/functions/alex-payment/invocations\n{\"order_id\": \"o-1\"}")
    corpus.add("GET /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration")
    corpus.add("PUT /2015-03-31/functions/f/configuration\n{\"Timeout\": 3}")
    for mapping in app_json("event-sources.json"):
        corpus.add("POST /2015-03-31/event-source-mappings/\n" + compact(mapping))
    api = app_json("api.json")
    corpus.add("POST /restapis\n" + compact({"name": api["Name"]}))
    corpus.add("GET /restapis/abc/resources")
    corpus.add("PUT /restapis/abc/resources/r1/methods/POST\n{\"authorizationType\": \"NONE\"}")
    corpus.add("POST /restapis/abc/prod/_user_request_/orders?x=1\n{\"customer\": \"c\"}")
    corpus.add("POST /_orderlab/faults\n" + (ROOT / "scenarios" / "mocks" / "verify-stock-invalid.json").read_text())
    corpus.add("GET /_aws/ses?email=a%40example.com")
    return corpus


def protocol_query():
    corpus = Corpus("protocol_query")
    corpus.add("Action=VerifyEmailIdentity&EmailAddress=orders%40example.com&Version=2010-12-01")
    corpus.add("Action=SendEmail&Source=orders%40example.com&Destination.ToAddresses.member.1=a%40example.com"
               "&Message.Subject.Data=Order+o-1&Message.Body.Text.Data=Thanks&Version=2010-12-01")
    corpus.add("Action=ListIdentities&IdentityType=EmailAddress&MaxItems=10")
    corpus.add("Action=GetSendQuota")
    return corpus


def scenario():
    corpus = Corpus("scenario")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        corpus.add(path.read_text())
    happy = (ROOT / "scenarios" / "happy-path.yaml").read_text()
    corpus.add(happy + "\nextra: " + "[" * 100 + "]" * 100 + "\n", prefix="deep-")
    return corpus


def main():
    import sys

    if "--only-deep" in sys.argv:
        # After `scripts/fuzz.sh cmin`: put back the deep-* seeds, which add depth, not coverage.
        before = set(CORPUS.glob("*/*"))
        sources = rust_sources()
        for make in (dynamodb, asl, sfn_paths, event_pattern):
            make(sources)
        scenario()
        for path in set(CORPUS.glob("*/*")) - before:
            if not path.name.startswith("deep-"):
                path.unlink()
        return
    shutil.rmtree(CORPUS, ignore_errors=True)
    sources = rust_sources()
    corpora = [dynamodb(sources), asl(sources), sfn_paths(sources), event_pattern(sources),
               protocol_json(), protocol_rest(), protocol_query(), scenario()]
    for corpus in corpora:
        files = list(corpus.dir.iterdir())
        size = sum(f.stat().st_size for f in files)
        print(f"{corpus.dir.name}: {len(files)} files, {size} bytes")


if __name__ == "__main__":
    main()
