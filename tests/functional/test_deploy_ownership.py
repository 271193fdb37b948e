"""Deploy, prune and destroy never delete what this stage did not create (issue 8, items 1-3).

Against in-process moto, driving the engine as the CLI does. Two catalogues with different
prefixes share an account, region and stage; schedules are made by hand in our group; and
the tagging API is replaced (injected client) by one that returns nothing, as LocalStack's
does, or one that returns stale, already-deleted resources.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scheduler.awsclients import AwsClients
from scheduler.deploy.engine import apply_plan
from tests.conftest import REPO_ROOT
from tests.functional.deploying import CODE, deploy, destroy, plan, plan_context


class FakeTagging:
    """A ``resourcegroupstaggingapi`` client whose GetResources returns ``items()``."""

    def __init__(self, items: Callable[[], list[dict[str, Any]]]) -> None:
        self._items = items

    def get_paginator(self, operation: str) -> Any:
        assert operation == "get_resources"
        items = self._items

        class Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [{"ResourceTagMappingList": items()}]

        return Pages()


class Clients:
    """AwsClients with an injectable tagging API (``tagging``: None keeps moto's)."""

    def __init__(self, tagging: FakeTagging | None = None) -> None:
        self.inner = AwsClients(region="us-east-1")
        self.region_name = "us-east-1"
        self.tagging = tagging

    def client(self, service: str) -> Any:
        if service == "resourcegroupstaggingapi" and self.tagging is not None:
            return self.tagging
        return self.inner.client(service)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def catalogue(tmp: Path, prefix: str, jobs: dict[str, str]) -> Path:
    """A catalogue folder with ``prefix`` and jobs name -> backend (rules|scheduler)."""
    folder = tmp / prefix
    folder.mkdir(exist_ok=True)
    if not (folder / "jobs").exists():
        shutil.copytree(REPO_ROOT / "jobs", folder / "jobs")
    lines = ["version: 1", f"prefix: {prefix}", "jobs:"]
    for name, backend in jobs.items():
        lines += [
            f"  {name}:",
            '    schedule: "0 3 * * *"',
            "    handler: jobs.heartbeat:beat",
            f"    backend: {backend}",
        ]
        if backend == "scheduler":
            lines.append("    timezone: Europe/Berlin")
    (folder / "jobs.yaml").write_text("\n".join(lines) + "\n")
    return folder / "jobs.yaml"


def functions() -> set[str]:
    pages = boto3.client("lambda").get_paginator("list_functions").paginate()
    return {f["FunctionName"] for page in pages for f in page["Functions"]}


def schedules(group: str) -> set[str]:
    return {
        s["Name"] for s in boto3.client("scheduler").list_schedules(GroupName=group)["Schedules"]
    }


# --- Item 1: catalogues with different prefixes in one account, region and stage ---------


def test_two_prefixes_in_one_stage_never_delete_each_other(aws: None, tmp_path: Path) -> None:
    # GIVEN catalogues alpha and beta, both deployed to stage dev
    alpha = catalogue(tmp_path, "alpha", {"one": "rules", "two": "rules"})
    beta = catalogue(tmp_path, "beta", {"one": "rules", "zone": "scheduler"})
    clients = Clients()
    deploy(alpha, clients)
    deploy(beta, clients)
    beta_functions = {"beta-dev-one", "beta-dev-zone"}
    # WHEN alpha plans and deploys again (prune on), and then is destroyed with its data
    assert not plan(alpha, clients).has_changes
    deploy(alpha, clients)
    assert destroy(alpha, clients, include_data=True) == []
    # THEN every beta resource is still there, and beta's own plan is a no-op
    assert beta_functions <= functions()
    assert not any(f.startswith("alpha-") for f in functions())
    rules = {r["Name"] for r in boto3.client("events").list_rules()["Rules"]}
    assert rules == {"beta-dev-one"}
    assert schedules("beta-dev") == {"beta-dev-zone"}
    assert "beta-dev-runs" in boto3.client("dynamodb").list_tables()["TableNames"]
    assert not plan(beta, clients, refresh=True).has_changes


def test_resource_deployed_before_the_prefix_tag_is_ours_only_by_name(
    aws: None, tmp_path: Path
) -> None:
    # GIVEN a function tagged the old way (managed-by + stage, no prefix tag) named
    # alpha-dev-old, and one tagged the old way with a name outside alpha-dev-*
    alpha = catalogue(tmp_path, "alpha", {"one": "rules"})
    clients = Clients()
    deploy(alpha, clients)
    lam = boto3.client("lambda")
    role = lam.get_function(FunctionName="alpha-dev-one")["Configuration"]["Role"]
    old_tags = {"cronbridge:managed-by": "cronbridge", "cronbridge:stage": "dev"}
    for name in ("alpha-dev-old", "alphadev-old"):
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="x.y",
            Code={"ZipFile": CODE}, Tags={**old_tags, "cronbridge:job": "old"},
        )  # fmt: skip
    # WHEN alpha deploys (prune on)
    deploy(alpha, clients)
    # THEN only the one named alpha-dev-* is pruned
    assert "alpha-dev-old" not in functions()
    assert "alphadev-old" in functions()


def test_delete_is_skipped_when_a_fresh_read_shows_the_resource_is_not_ours(
    aws: None, tmp_path: Path
) -> None:
    # GIVEN alpha deployed with two jobs, and a plan that prunes job two
    alpha = catalogue(tmp_path, "alpha", {"one": "rules", "two": "rules"})
    clients = Clients()
    deploy(alpha, clients)
    catalogue(tmp_path, "alpha", {"one": "rules"})
    ctx = plan_context(alpha, clients)
    assert "delete function alpha-dev-two" in [op.describe() for op in ctx.plan.ops]
    # WHEN, before it is applied, someone else's function takes that name
    lam = boto3.client("lambda")
    role = lam.get_function(FunctionName="alpha-dev-two")["Configuration"]["Role"]
    lam.delete_function(FunctionName="alpha-dev-two")
    lam.create_function(
        FunctionName="alpha-dev-two", Runtime="python3.12", Role=role, Handler="x.y",
        Code={"ZipFile": CODE}, Tags={"team": "someone-else"},
    )  # fmt: skip
    result = apply_plan(ctx, clients)
    # THEN the executor re-read it, skipped the delete and reported it
    assert "alpha-dev-two" in functions()
    assert [s.split(":")[0] for s in result.skipped] == ["function alpha-dev-two"]


# --- Item 2: schedules made by hand in the stage's group --------------------------------


def _hand_made_schedule(name: str, group: str, *, description: str = "mine") -> None:
    lam = boto3.client("lambda")
    fn = lam.get_function(FunctionName="alpha-dev-zone")["Configuration"]
    boto3.client("scheduler").create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Description=description,
        Target={"Arn": fn["FunctionArn"], "RoleArn": fn["Role"], "Input": "{}"},
    )


def test_prune_keeps_a_hand_made_schedule_in_our_group(aws: None, tmp_path: Path) -> None:
    # GIVEN a deployed scheduler job, and two schedules made by hand in its group: one with
    # our naming pattern and one without
    alpha = catalogue(tmp_path, "alpha", {"zone": "scheduler"})
    clients = Clients()
    deploy(alpha, clients)
    _hand_made_schedule("alpha-dev-zone-2", "alpha-dev")
    _hand_made_schedule("nightly-export", "alpha-dev")
    # WHEN deploying with prune, twice
    deploy(alpha, clients)
    deploy(alpha, clients)
    # THEN both hand-made schedules survive next to ours
    assert schedules("alpha-dev") == {"alpha-dev-zone", "alpha-dev-zone-2", "nightly-export"}


def test_destroy_refuses_a_group_holding_foreign_schedules_and_says_so(
    aws: None, tmp_path: Path
) -> None:
    # GIVEN a deployed scheduler job and a hand-made schedule in its group and in the
    # retry group, next to a retry schedule the worker armed
    alpha = catalogue(tmp_path, "alpha", {"zone": "scheduler"})
    clients = Clients()
    deploy(alpha, clients)
    _hand_made_schedule("nightly-export", "alpha-dev")
    _hand_made_schedule("zone.1.0123abcd", "alpha-dev-retries", description="cronbridge retry of x")
    _hand_made_schedule("mine-1-0123abcd", "alpha-dev-retries")
    # WHEN destroying the stage
    left = destroy(alpha, clients)
    # THEN our schedules (job and retry) are gone, the hand-made ones and their groups stay,
    # and what is left is reported, naming the foreign schedules
    assert schedules("alpha-dev") == {"nightly-export"}
    assert schedules("alpha-dev-retries") == {"mine-1-0123abcd"}
    assert "alpha-dev-zone" not in functions()
    assert len(left) == 2
    assert "alpha-dev still holds 1 schedule(s)" in left[0] and "nightly-export" in left[0]
    assert "mine-1-0123abcd" in left[1]


# --- Item 3: the tagging API is a hint, each service's own read decides -----------------


def test_with_an_empty_tagging_api_plan_converges_prune_and_destroy_work(
    aws: None, tmp_path: Path
) -> None:
    # GIVEN a tagging API that returns nothing (LocalStack's behaviour)
    clients = Clients(FakeTagging(lambda: []))
    alpha = catalogue(tmp_path, "alpha", {"one": "rules", "two": "rules", "zone": "scheduler"})
    deploy(alpha, clients)
    # WHEN planning again THEN there is nothing to do (no phantom fingerprint change)
    again = plan(alpha, clients)
    assert [op.describe() for op in again.ops] == []
    # WHEN job two is removed THEN prune deletes its function and rule
    catalogue(tmp_path, "alpha", {"one": "rules", "zone": "scheduler"})
    deploy(alpha, clients)
    assert "alpha-dev-two" not in functions()
    assert not plan(alpha, clients).has_changes
    # WHEN destroying with data THEN nothing is left, by every service's own account
    assert destroy(alpha, clients, include_data=True) == []
    assert functions() == set()
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []
    assert not boto3.client("sqs").list_queues().get("QueueUrls")
    assert boto3.client("events").list_rules()["Rules"] == []


def test_stale_tagging_api_entries_neither_hide_nor_invent_resources(
    aws: None, tmp_path: Path
) -> None:
    # GIVEN a deployed stage, and a tagging API frozen at that moment (it keeps returning
    # what it saw, like AWS's "previously tagged" resources), plus a ghost function
    alpha = catalogue(tmp_path, "alpha", {"one": "rules", "two": "rules"})
    real = Clients()
    deploy(alpha, real)
    tagging = real.client("resourcegroupstaggingapi")
    frozen = tagging.get_resources()["ResourceTagMappingList"]
    ghost = dict(frozen[0])
    ghost["ResourceARN"] = ghost["ResourceARN"].rsplit(":", 1)[0] + ":alpha-dev-ghost"
    stale = Clients(FakeTagging(lambda: [*frozen, ghost]))
    # WHEN function one is deleted by hand (the stale API still lists it, fingerprint and all)
    boto3.client("lambda").delete_function(FunctionName="alpha-dev-one")
    ops = [op.describe() for op in plan(alpha, stale).ops]
    # THEN the plan recreates it and plans nothing for the ghost
    assert "create function alpha-dev-one" in ops
    assert not any("ghost" in op for op in ops)
    deploy(alpha, stale)
    assert not plan(alpha, stale).has_changes
    # AND destroy reports success only when the services confirm it
    assert destroy(alpha, stale, include_data=True) == []
    assert functions() == set()


def test_destroy_lists_what_is_left(aws: None, tmp_path: Path) -> None:
    # GIVEN a deployed stage whose function deletes are refused by a stand-in Lambda
    alpha = catalogue(tmp_path, "alpha", {"one": "rules"})
    clients = Clients()
    deploy(alpha, clients)

    class NoDelete(Clients):
        def client(self, service: str) -> Any:
            inner = super().client(service)
            if service != "lambda":
                return inner

            class Lambda:
                def __getattr__(self, name: str) -> Any:
                    if name == "delete_function":
                        return lambda **_: {}  # accepted, but nothing happens
                    return getattr(inner, name)

            return Lambda()

    # WHEN destroying
    left = destroy(alpha, NoDelete())
    # THEN the verification names the function that is still there
    assert left == ["function alpha-dev-one"]
    assert json.dumps(left)
