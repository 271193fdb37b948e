"""The CloudFormation export renders the compiled model, every field of it, portably."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler import resources
from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy import cfn_code
from scheduler.deploy.cfn_portable import job_logical_ids
from scheduler.deploy.cloudformation import (
    PLACEHOLDER_ACCOUNT_ID,
    PLACEHOLDER_REGION,
    render_template,
)
from tests.conftest import SAMPLE_CATALOGUE

CODE = {"code_sha256": "c29tZS1oYXNo", "code_key": "code/0123abcd.zip"}


@pytest.fixture(scope="module")
def state() -> resources.DesiredState:
    catalogue = load_catalogue(SAMPLE_CATALOGUE)
    return compile_catalogue(
        catalogue, "dev", account_id=PLACEHOLDER_ACCOUNT_ID, region=PLACEHOLDER_REGION
    )


def _render(state: resources.DesiredState) -> dict[str, Any]:
    return render_template(state, **CODE)


def _of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_every_compiled_resource_is_in_the_template(state: resources.DesiredState) -> None:
    # GIVEN the compiled sample catalogue WHEN rendered
    template = _render(state)
    # THEN each job has its function and async config, and each rule/schedule appears once
    functions = {
        r["Properties"]["FunctionName"]
        for r in _of_type(template, "AWS::Lambda::Function").values()
    }
    assert functions == {job.function.name for job in state.jobs.values()}
    assert len(_of_type(template, "AWS::Lambda::EventInvokeConfig")) == len(state.jobs)
    rules = {r["Properties"]["Name"] for r in _of_type(template, "AWS::Events::Rule").values()}
    assert rules == {rule.name for job in state.jobs.values() for rule in job.rules}
    assert len(_of_type(template, "AWS::Lambda::Permission")) == len(rules)
    schedules = {
        r["Properties"]["Name"] for r in _of_type(template, "AWS::Scheduler::Schedule").values()
    }
    assert schedules == {s.name for job in state.jobs.values() for s in job.schedules}
    # AND each job has its own role and log group (with the catalogue's retention)
    groups = {
        r["Properties"]["LogGroupName"]: r["Properties"]["RetentionInDays"]
        for r in _of_type(template, "AWS::Logs::LogGroup").values()
    }
    assert groups == {j.log_group.name: j.log_group.retention_in_days for j in state.jobs.values()}
    roles = {r["Properties"]["RoleName"] for r in _of_type(template, "AWS::IAM::Role").values()}
    assert roles == {j.role.name for j in state.jobs.values()} | {state.shared.scheduler_role.name}
    # AND the shared resources are there once each
    for kind, count in {
        "AWS::DynamoDB::Table": 1,
        "AWS::SQS::Queue": 1,
        "AWS::Scheduler::ScheduleGroup": 2,
        "AWS::SNS::Topic": 1,  # the stage's alert topic (the sample's flaky-sync notifies)
    }.items():
        assert len(_of_type(template, kind)) == count, kind


def test_alert_topic_and_monitor_are_exported(state: resources.DesiredState) -> None:
    # GIVEN the sample, whose flaky-sync notifies and nightly-report catches up
    template = _render(state)
    assert state.alert_topic is not None
    (topic,) = _of_type(template, "AWS::SNS::Topic").values()
    # THEN the topic carries its name and the ownership tags
    assert topic["Properties"]["TopicName"] == state.alert_topic.name
    assert {t["Key"] for t in topic["Properties"]["Tags"]} >= {"cronbridge:stage"}
    # AND the monitor function runs the monitor's handler, with the topic by Ref
    monitor = next(
        r for r in _of_type(template, "AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] == "scheduler.monitor.entry.handler"
    )  # fmt: skip
    env = monitor["Properties"]["Environment"]["Variables"]
    assert env["CRONBRIDGE_ALERT_TOPIC"] == {"Ref": "AlertTopic"}
    # AND the worker that tells `dead` names the same topic
    functions = _of_type(template, "AWS::Lambda::Function").values()
    dead = [
        f
        for f in functions
        if "CRONBRIDGE_ALERT_TOPIC" in f["Properties"]["Environment"]["Variables"]
    ]
    assert len(dead) == 2  # flaky-sync and the monitor
    # AND the monitor's rule fires every five minutes
    rules = [
        r["Properties"]["ScheduleExpression"]
        for r in _of_type(template, "AWS::Events::Rule").values()
    ]
    assert "rate(5 minutes)" in rules


def test_template_is_portable(state: resources.DesiredState) -> None:
    # GIVEN a state compiled with placeholder account and region
    text = json.dumps(_render(state))
    # THEN neither placeholder survives: every ARN uses pseudo parameters
    assert PLACEHOLDER_ACCOUNT_ID not in text
    assert PLACEHOLDER_REGION not in text
    assert "${AWS::AccountId}" in text and "${AWS::Partition}" in text


def test_ordering_comes_from_refs(state: resources.DesiredState) -> None:
    template = _render(state)
    fn_id, fn_resource = next(iter(_of_type(template, "AWS::Lambda::Function").items()))
    fn = fn_resource["Properties"]
    # Function -> its own role, table and queue by reference, so CloudFormation creates
    # those first; and its log group before it, so Lambda never makes one without retention
    role_id = fn_id.replace("Function", "Role")
    assert fn["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert fn_resource["DependsOn"] == [fn_id.replace("Function", "LogGroup")]
    env = fn["Environment"]["Variables"]
    assert env["CRONBRIDGE_RETRY_ROLE_ARN"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert env["CRONBRIDGE_TABLE"] == {"Ref": "RunsTable"}
    assert env["CRONBRIDGE_DLQ_URL"] == {"Ref": "DeadLetterQueue"}
    # Permission -> its rule; rule target -> its function
    for perm_id, perm in _of_type(template, "AWS::Lambda::Permission").items():
        rule_id = perm_id.replace("Permission", "Rule")
        assert perm["Properties"]["SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}
        rule = template["Resources"][rule_id]["Properties"]
        assert (
            rule["Targets"][0]["Arn"]["Fn::GetAtt"][0] == perm["Properties"]["FunctionName"]["Ref"]
        )


def test_code_comes_from_the_code_bucket_stack(state: resources.DesiredState) -> None:
    # GIVEN the sample WHEN rendered with the bucket's own template
    template = _render(state)
    bucket = cfn_code.bucket_template(state)
    # THEN every function's code is the content-addressed key in the bucket the bucket
    # stack exports, and the stage's template takes no code parameters
    export = bucket["Outputs"]["CodeBucketName"]["Export"]["Name"]
    for fn in _of_type(template, "AWS::Lambda::Function").values():
        assert fn["Properties"]["Code"] == {
            "S3Bucket": {"Fn::ImportValue": export},
            "S3Key": CODE["code_key"],
        }
    assert "Parameters" not in template
    # AND the bucket is private, encrypted, kept on stack deletion, tagged as the stage's,
    # and named as deploy names it, with this account and region
    (res,) = _of_type(bucket, "AWS::S3::Bucket").values()
    props = res["Properties"]
    assert props["BucketName"] == {
        "Fn::Sub": "cronbridge-dev-${AWS::AccountId}-${AWS::Region}-code"
    }
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert res["DeletionPolicy"] == "Retain"
    assert {t["Key"]: t["Value"] for t in props["Tags"]} == state.ownership_tags


def test_foreign_arns_and_sub_syntax_stay_verbatim(state: resources.DesiredState) -> None:
    # GIVEN a job whose env holds someone else's ARN and a literal "${...}"
    name, job = next(iter(state.jobs.items()))
    foreign = "arn:aws:sns:eu-west-1:999999999999:alerts"
    env = {**job.function.environment, "TOPIC": foreign, "TEMPLATE": "hello ${name}"}
    own = f"arn:aws:sqs:{PLACEHOLDER_REGION}:{PLACEHOLDER_ACCOUNT_ID}:x ${{y}}"
    env["MIXED"] = own
    fn = dataclasses.replace(job.function, environment=env)
    changed = dataclasses.replace(
        state, jobs={**state.jobs, name: dataclasses.replace(job, function=fn)}
    )
    # WHEN rendered
    template = _render(changed)
    variables = next(
        r["Properties"]["Environment"]["Variables"]
        for r in _of_type(template, "AWS::Lambda::Function").values()
        if r["Properties"]["FunctionName"] == job.function.name
    )
    # THEN foreign values are untouched, and inside Fn::Sub a literal ${ is escaped as ${!
    assert variables["TOPIC"] == foreign
    assert variables["TEMPLATE"] == "hello ${name}"
    assert variables["MIXED"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:x ${!y}"
    }


def test_logical_ids_never_collide() -> None:
    ids = job_logical_ids(["a-1", "a1", "nightly-report"])
    assert ids["nightly-report"] == "NightlyReport"
    assert len(set(ids.values())) == 3


# --- One source of truth: every model field reaches the template --------------------------

# Fields the template deliberately does not render, each with its reason. A field added to
# the model and not rendered makes test_every_model_field_is_rendered fail until it is
# either mapped in cloudformation.py or listed here.
NOT_RENDERED = {
    ("RunsTable", "arn"): "derived from the name by CloudFormation",
    ("DeadLetterQueue", "arn"): "derived from the name",
    ("DeadLetterQueue", "url"): "derived from the name (Ref returns it)",
    ("Role", "arn"): "derived from the name",
    ("LogGroup", "arn"): "derived from the name",
    ("LogGroup", "job"): "grouping key",
    ("ScheduleGroup", "arn"): "derived from the name",
    ("ScheduleGroup", "purpose"): "selects the logical id only",
    ("Function", "arn"): "derived from the name",
    ("Function", "job"): "grouping key; the job is in the name and tags",
    ("Rule", "arn"): "derived from the name",
    ("Rule", "job"): "grouping key",
    ("Target", "rule_name"): "the target is nested in its rule",
    ("Permission", "statement_id"): "CloudFormation generates statement ids",
    ("Schedule", "job"): "grouping key",
    ("Schedule", "tags"): "schedules take no tags (always empty in the model)",
}


def _mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "-changed"
    if isinstance(value, dict):
        return {**value, "changed": "yes"}
    if isinstance(value, tuple):
        return (*value, "arn:aws:lambda:eu-west-1:999999999999:layer:extra:1")
    if value is None:
        return 5
    raise AssertionError(f"no mutation for {value!r}")


def _variants(obj: Any, rebuild: Any, label: str) -> Iterator[tuple[str, Any]]:
    """(label, rebuilt state) for each leaf field of ``obj`` changed in turn."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from _variants(
                value,
                lambda new, f=f: rebuild(dataclasses.replace(obj, **{f.name: new})),
                type(value).__name__,
            )
            continue
        if (label, f.name) in NOT_RENDERED:
            continue
        yield f"{label}.{f.name}", rebuild(dataclasses.replace(obj, **{f.name: _mutated(value)}))


def _all_variants(state: resources.DesiredState) -> Iterator[tuple[str, Any]]:
    shared = state.shared
    for field in dataclasses.fields(shared):
        part = getattr(shared, field.name)
        yield from _variants(
            part,
            lambda new, n=field.name: dataclasses.replace(
                state, shared=dataclasses.replace(shared, **{n: new})
            ),
            type(part).__name__,
        )
    rules_job = next(j for j in state.jobs.values() if j.rules)
    sched_job = next(j for j in state.jobs.values() if j.schedules)

    def with_job(job: resources.JobResources) -> resources.DesiredState:
        return dataclasses.replace(state, jobs={**state.jobs, job.job: job})

    yield from _variants(
        rules_job.function,
        lambda new: with_job(dataclasses.replace(rules_job, function=new)),
        "Function",
    )
    yield from _variants(
        rules_job.role,
        lambda new: with_job(dataclasses.replace(rules_job, role=new)),
        "Role",
    )
    yield from _variants(
        rules_job.log_group,
        lambda new: with_job(dataclasses.replace(rules_job, log_group=new)),
        "LogGroup",
    )
    yield from _variants(
        rules_job.async_config,
        lambda new: with_job(dataclasses.replace(rules_job, async_config=new)),
        "AsyncConfig",
    )
    yield from _variants(
        rules_job.rules[0],
        lambda new: with_job(dataclasses.replace(rules_job, rules=(new, *rules_job.rules[1:]))),
        "Rule",
    )
    yield from _variants(
        sched_job.schedules[0],
        lambda new: with_job(
            dataclasses.replace(sched_job, schedules=(new, *sched_job.schedules[1:]))
        ),
        "Schedule",
    )


def test_every_model_field_is_rendered(state: resources.DesiredState) -> None:
    # GIVEN the template of the compiled sample
    baseline = json.dumps(_render(state), sort_keys=True)
    variants = list(_all_variants(state))
    assert len(variants) > 50  # the walk really reaches the nested objects
    # WHEN any single model field changes THEN the template changes
    unrendered = [
        label
        for label, changed in variants
        if json.dumps(_render(changed), sort_keys=True) == baseline
    ]
    assert unrendered == []


def test_not_rendered_list_names_real_fields() -> None:
    # The allowlist must not rot: every entry names an existing field of that class.
    classes = {c.__name__: c for c in vars(resources).values() if dataclasses.is_dataclass(c)}
    for cls_name, field_name in NOT_RENDERED:
        fields = {f.name for f in dataclasses.fields(classes[cls_name])}
        assert field_name in fields, (cls_name, field_name)


def test_render_is_deterministic(state: resources.DesiredState, tmp_path: Path) -> None:
    assert json.dumps(_render(state)) == json.dumps(_render(state))
