"""Apply Lambda operations: create a function (once its role can be assumed), update its
code or configuration (waiting until Lambda has finished each change), concurrency, async
config, invoke permissions, tags and delete.

Lambda rejects a change to a function that is Pending or still applying the previous one
(``ResourceConflictException``), so every create/update here waits for the function to
settle before returning, and the executor runs one job's operations strictly in order.
https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
"""

from __future__ import annotations

from typing import Any

from scheduler.deploy import ops as o
from scheduler.deploy.apply_code import CodeStore
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.propagation import PatientApi
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.resources import Function


def function_config(fn: Function) -> dict[str, Any]:
    """The settings CreateFunction and UpdateFunctionConfiguration both take."""
    return {
        "FunctionName": fn.name,
        "Role": fn.role_arn,
        "Handler": fn.handler,
        "Runtime": fn.runtime,
        "Description": fn.description,
        "Timeout": fn.timeout,
        "MemorySize": fn.memory_size,
        "Environment": {"Variables": fn.environment},
        "Layers": list(fn.layers),
    }


def wait_function(api: AwsApi, name: str, waiter: str) -> None:
    """Lambda rejects further changes while a function is Pending or updating."""
    api.wait("lambda", waiter, f"function {name}", FunctionName=name)


def create_function(patient: PatientApi, op: o.CreateFunction, code: CodeStore) -> None:
    fn = op.function
    res = f"function {fn.name}"
    try:
        # A just-created role takes seconds to become assumable by Lambda.
        patient.call(
            "lambda",
            "create_function",
            res,
            **function_config(fn),
            # From the stage's code bucket (uploaded once per distinct zip, plan_artifacts).
            Code=code.location(op.job),
            Tags=fn.tags,
            Publish=False,
        )
    except AwsCallError as err:
        if err.code == "ResourceConflictException":
            raise CronbridgeError(
                f"function {fn.name} already exists but is not owned by this stage",
                hint="it lacks cronbridge's ownership tags; rename the job or remove it",
            ) from err
        raise
    # A new function is Pending; concurrency, async config and permissions would be
    # rejected until it is Active.
    wait_function(patient.api, fn.name, "function_active_v2")


def update_code(api: AwsApi, op: o.UpdateFunctionCode, code: CodeStore) -> None:
    name = op.function_name
    api.call(
        "lambda",
        "update_function_code",
        f"function {name}",
        FunctionName=name,
        **code.location(op.job),
    )
    wait_function(api, name, "function_updated_v2")


def update_configuration(api: AwsApi, op: o.UpdateFunctionConfiguration) -> None:
    fn = op.function
    api.call(
        "lambda", "update_function_configuration", f"function {fn.name}", **function_config(fn)
    )
    wait_function(api, fn.name, "function_updated_v2")


def set_concurrency(api: AwsApi, op: o.SetConcurrency) -> None:
    name, res = op.function_name, f"function {op.function_name}"
    if op.reserved is None:
        api.maybe("lambda", "delete_function_concurrency", res, FunctionName=name)
    else:
        api.call(
            "lambda",
            "put_function_concurrency",
            res,
            FunctionName=name,
            ReservedConcurrentExecutions=op.reserved,
        )


def put_async_config(patient: PatientApi, op: o.PutAsyncConfig) -> None:
    cfg = op.config
    # The on-failure queue is checked against the role's (new) policy.
    patient.call(
        "lambda",
        "put_function_event_invoke_config",
        f"function {cfg.function_name}",
        FunctionName=cfg.function_name,
        MaximumRetryAttempts=cfg.maximum_retry_attempts,
        DestinationConfig={"OnFailure": {"Destination": cfg.on_failure_arn}},
    )


def tag_function(api: AwsApi, op: o.TagFunction) -> None:
    arn = op.function_arn
    if op.remove_keys:
        api.call("lambda", "untag_resource", arn, Resource=arn, TagKeys=list(op.remove_keys))
    api.call("lambda", "tag_resource", arn, Resource=arn, Tags=op.tags)


def delete_function(api: AwsApi, op: o.DeleteFunction) -> None:
    name = op.function_name
    api.maybe("lambda", "delete_function", f"function {name}", FunctionName=name)


def add_permission(api: AwsApi, op: o.AddPermission) -> None:
    p = op.permission
    res = f"function {p.function_name}"
    if op.replace:
        api.maybe(
            "lambda",
            "remove_permission",
            res,
            FunctionName=p.function_name,
            StatementId=p.statement_id,
        )
    kwargs = {
        "FunctionName": p.function_name,
        "StatementId": p.statement_id,
        "Action": p.action,
        "Principal": p.principal,
        "SourceArn": p.source_arn,
        "SourceAccount": p.source_account,
    }
    try:
        api.call("lambda", "add_permission", res, **kwargs)
    except AwsCallError as err:
        if err.code != "ResourceConflictException":
            raise
        # Left behind by an interrupted run: replace it.
        api.maybe(
            "lambda",
            "remove_permission",
            res,
            FunctionName=p.function_name,
            StatementId=p.statement_id,
        )
        api.call("lambda", "add_permission", res, **kwargs)
