#!/usr/bin/env python3
"""Regenerates emulator/src/sfn/engine/sdk/models.json: for the AWS SDK integrations
(arn:aws:states:::aws-sdk:<service>:<action>) of the emulated services that speak REST-JSON
(Lambda, API Gateway) or the query protocol (IAM, SES), each operation the emulator serves —
its HTTP binding, input and output shapes — from botocore's service models. The engine builds
the request an SDK would send from a Task's PascalCase Parameters, and turns the answer back
into the SDK's PascalCase shape, with these. Usage: python3 scripts/sdk_integration_models.py"""
import gzip, json, pathlib
import botocore

DATA = pathlib.Path(botocore.__file__).parent / "data"
SERVICES = {
    "lambda": ("lambda", "2015-03-31", [
        "AddPermission", "CreateEventSourceMapping", "CreateFunction", "DeleteEventSourceMapping",
        "DeleteFunction", "DeleteFunctionConcurrency", "GetAccountSettings",
        "GetEventSourceMapping", "GetFunction", "GetFunctionCodeSigningConfig",
        "GetFunctionConcurrency", "GetFunctionConfiguration", "GetPolicy", "ListAliases",
        "ListEventSourceMappings", "ListFunctions", "ListTags", "ListVersionsByFunction",
        "PutFunctionConcurrency", "RemovePermission", "TagResource", "UntagResource",
        "UpdateFunctionCode", "UpdateFunctionConfiguration"]),
    "apigateway": ("apigateway", "2015-07-09", [
        "CreateDeployment", "CreateResource", "CreateRestApi", "CreateStage", "DeleteDeployment",
        "DeleteIntegration", "DeleteMethod", "DeleteResource", "DeleteRestApi", "DeleteStage",
        "GetDeployment", "GetDeployments", "GetIntegration", "GetMethod", "GetResource",
        "GetResources", "GetRestApi", "GetRestApis", "GetStage", "GetStages", "GetTags",
        "PutIntegration", "PutMethod", "TagResource", "UntagResource", "UpdateStage"]),
    "iam": ("iam", "2010-05-08", [
        "AddRoleToInstanceProfile", "AttachRolePolicy", "CreateInstanceProfile", "CreatePolicy",
        "CreatePolicyVersion", "CreateRole", "DeleteInstanceProfile", "DeletePolicy",
        "DeletePolicyVersion", "DeleteRole", "DeleteRolePermissionsBoundary", "DeleteRolePolicy",
        "DetachRolePolicy", "GetInstanceProfile", "GetPolicy", "GetPolicyVersion", "GetRole",
        "GetRolePolicy", "ListAttachedRolePolicies", "ListEntitiesForPolicy",
        "ListInstanceProfileTags", "ListInstanceProfiles", "ListInstanceProfilesForRole",
        "ListPolicies", "ListPolicyTags", "ListPolicyVersions", "ListRolePolicies",
        "ListRoleTags", "ListRoles", "PutRolePermissionsBoundary", "PutRolePolicy",
        "RemoveRoleFromInstanceProfile", "SetDefaultPolicyVersion", "TagInstanceProfile",
        "TagPolicy", "TagRole", "UntagInstanceProfile", "UntagPolicy", "UntagRole",
        "UpdateAssumeRolePolicy", "UpdateRole", "UpdateRoleDescription"]),
    "ses": ("ses", "2010-12-01", [
        "DeleteIdentity", "GetIdentityVerificationAttributes", "ListIdentities", "SendEmail",
        "SendRawEmail", "VerifyDomainIdentity", "VerifyEmailAddress", "VerifyEmailIdentity"]),
}
SCALARS = ("string", "timestamp", "blob")


def load(service, version):
    return json.load(gzip.open(DATA / service / version / "service-2.json.gz"))


def collect(model, name, out):
    if name in out:
        return
    shape = model["shapes"][name]
    kind = shape["type"]
    slim = {"type": kind}
    out[name] = slim
    if kind == "structure":
        members = {}
        for member, ref in shape["members"].items():
            entry = {"shape": ref["shape"]}
            for key in ("location", "locationName"):
                if key in ref:
                    entry[key] = ref[key]
            members[member] = entry
            collect(model, ref["shape"], out)
        slim["members"] = members
        if "payload" in shape:
            slim["payload"] = shape["payload"]
    elif kind == "list":
        slim["member"] = shape["member"]["shape"]
        collect(model, slim["member"], out)
    elif kind == "map":
        slim["key"] = shape["key"]["shape"]
        slim["value"] = shape["value"]["shape"]
        collect(model, slim["key"], out)
        collect(model, slim["value"], out)


def service(name, version, operations):
    model = load(name, version)
    shapes, ops = {}, {}
    for op_name in operations:
        op = model["operations"][op_name]
        entry = {"http": [op["http"]["method"], op["http"]["requestUri"]]}
        for side in ("input", "output"):
            if side in op:
                entry[side] = op[side]["shape"]
                collect(model, op[side]["shape"], shapes)
        if "output" in op and "resultWrapper" in op["output"]:
            entry["resultWrapper"] = op["output"]["resultWrapper"]
        ops[op_name] = entry
    # Scalars that render as text are named by their type, not kept as shapes.
    kept = {k: v for k, v in shapes.items() if v["type"] not in SCALARS}
    for shape in kept.values():
        for ref in shape.get("members", {}).values():
            if shapes[ref["shape"]]["type"] in SCALARS:
                ref["shape"] = shapes[ref["shape"]]["type"]
        for key in ("member", "key", "value"):
            if key in shape and shapes[shape[key]]["type"] in SCALARS:
                shape[key] = shapes[shape[key]]["type"]
    for op in ops.values():
        for side in ("input", "output"):
            if side in op and op[side] not in kept:
                del op[side]
    return {
        "protocol": model["metadata"]["protocol"],
        "version": version,
        "operations": ops,
        "shapes": kept,
    }


def main():
    out = {"botocore": botocore.__version__, "services": {}}
    for key, (name, version, operations) in SERVICES.items():
        out["services"][key] = service(name, version, operations)
    target = pathlib.Path(__file__).resolve().parent.parent / "emulator/src/sfn/engine/sdk/models.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(out, indent=0, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
