#!/usr/bin/env python3
"""Regenerates emulator/src/sfn/test_state/shapes.json: the output shapes of the operations
Step Functions Task states reach in the emulator (Lambda Invoke, DynamoDB item operations,
EventBridge PutEvents, and a few AWS SDK integrations of the emulated services), taken from botocore's service models, for TestState's
mock.fieldValidationMode checks. Usage: python3 scripts/test_state_shapes.py"""
import gzip, json, os, pathlib
import botocore

DATA = pathlib.Path(botocore.__file__).parent / "data"
OPERATIONS = {
    "lambda": ("lambda", "2015-03-31", ["Invoke"]),
    "dynamodb": ("dynamodb", "2012-08-10", ["GetItem", "PutItem", "UpdateItem", "DeleteItem"]),
    "events": ("events", "2015-10-07", ["PutEvents"]),
    # AWS SDK integrations (arn:aws:states:::aws-sdk:<service>:<action>) of emulated services.
    "aws-sdk:sfn": ("stepfunctions", "2016-11-23", ["StartExecution", "DescribeExecution"]),
    "aws-sdk:dynamodb": ("dynamodb", "2012-08-10", ["DescribeTable", "Query", "Scan", "GetItem", "PutItem", "UpdateItem", "DeleteItem"]),
    "aws-sdk:lambda": ("lambda", "2015-03-31", ["GetFunction", "Invoke"]),
    "aws-sdk:eventbridge": ("events", "2015-10-07", ["PutEvents"]),
}
KEEP = ("type", "required", "enum", "min", "max")


def load(service, version):
    path = DATA / service / version / "service-2.json.gz"
    return json.load(gzip.open(path))


def collect(model, name, out):
    if name in out:
        return
    shape = model["shapes"][name]
    slim = {k: shape[k] for k in KEEP if k in shape}
    out[name] = slim
    if shape["type"] == "structure":
        slim["members"] = {k: v["shape"] for k, v in shape["members"].items()}
        for v in shape["members"].values():
            collect(model, v["shape"], out)
    elif shape["type"] == "list":
        slim["member"] = shape["member"]["shape"]
        collect(model, shape["member"]["shape"], out)
    elif shape["type"] == "map":
        slim["value"] = shape["value"]["shape"]
        collect(model, shape["value"]["shape"], out)


result = {"botocore": botocore.__version__, "services": {}}
for key, (service, version, ops) in OPERATIONS.items():
    model = load(service, version)
    shapes, outputs = {}, {}
    for op in ops:
        output = model["operations"][op]["output"]["shape"]
        outputs[op] = output
        collect(model, output, shapes)
    result["services"][key] = {"outputs": outputs, "shapes": shapes}
target = pathlib.Path(__file__).parent.parent / "emulator/src/sfn/test_state/shapes.json"
target.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
print(target, os.path.getsize(target))
