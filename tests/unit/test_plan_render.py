"""Plan text for people (pure): bookkeeping is left out, policies are JSON diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler import contract
from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy import ops as o
from scheduler.deploy.render import render_json, render_text

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def desired():
    cat = load_catalogue(REPO / "jobs.yaml")
    return compile_catalogue(cat, "dev", account_id="123456789012", region="us-east-1", layers=())


def test_a_new_function_counts_once_and_shows_only_its_users_tags(desired) -> None:
    # GIVEN a plan creating one function, then stamping its tags (ownership + fingerprint)
    res = desired.jobs["nightly-report"]
    fn = res.function
    tags = {**fn.tags, contract.TAG_SPEC_HASH: "abc"}
    plan = o.Plan(
        stage="dev",
        code_sha256="sha",
        ops=(
            o.CreateFunction(job="nightly-report", function=fn),
            o.TagFunction(
                job="nightly-report",
                function_arn=fn.arn,
                tags=tags,
                changes=tuple(o.Change(f"tags.{k}", None, v) for k, v in sorted(tags.items())),
            ),
        ),
    )
    # WHEN rendered for a person
    text = render_text(plan)
    # THEN the tag write is not an update, and only the catalogue's own tags show
    assert text.endswith("1 to create, 0 to update, 0 to delete; 0 jobs unchanged")
    assert "team=data" in text
    assert "cronbridge:" not in text and "function tags" not in text
    # AND the JSON still has the tag write, marked as bookkeeping
    ops = render_json(plan)["operations"]
    assert [(op["op"], op["bookkeeping"]) for op in ops] == [
        ("CreateFunction", False),
        ("TagFunction", True),
    ]


def test_a_changed_policy_is_a_json_diff(desired) -> None:
    # GIVEN a job role whose inline policy gained a statement
    role = desired.jobs["heartbeat"].role
    new_doc = role.policy_document
    old_doc = {**new_doc, "Statement": list(new_doc["Statement"])[:-1]}
    plan = o.Plan(
        stage="dev",
        code_sha256="sha",
        ops=(
            o.PutRole(
                role=role,
                job="heartbeat",
                action="update",
                changes=(o.Change("policy_document", old_doc, new_doc),),
            ),
        ),
    )
    # WHEN rendered
    lines = render_text(plan).splitlines()
    # THEN the policy is indented JSON with + lines for what was added, nothing cut off
    start = lines.index("      policy_document:")
    body = lines[start + 1 : -1]
    added = [line for line in body if line.startswith("        + ")]
    assert added, body
    assert not any(line.startswith("        - ") for line in body)
    assert all("..." not in line for line in body if line.strip() != "...")
    assert all(
        line.startswith("          ") or line.strip() == "..." for line in body if line not in added
    )
    last = new_doc["Statement"][-1]
    assert any(str(next(iter(last.values()))) in line for line in added)
    assert "{'" not in "\n".join(lines)  # no Python dict repr


def test_the_fingerprint_tag_never_shows(desired) -> None:
    # GIVEN the table's only difference is its fingerprint, and a job whose tags changed
    table = desired.shared.table
    fn = desired.jobs["heartbeat"].function
    spec = f"tags.{contract.TAG_SPEC_HASH}"
    plan = o.Plan(
        stage="dev",
        code_sha256="sha",
        ops=(
            o.PutTable(table=table, action="update", changes=(o.Change(spec, "old", "new"),)),
            o.TagFunction(
                job="heartbeat",
                function_arn=fn.arn,
                tags=fn.tags,
                changes=(o.Change("tags.team", "data", "platform"), o.Change(spec, "a", "b")),
            ),
        ),
    )
    # WHEN rendered
    text = render_text(plan)
    # THEN the table says it is only re-stamped, the job shows its own tag, no fingerprint
    assert contract.TAG_SPEC_HASH not in text
    assert "(shared):\n  ~ fingerprint only" in text
    assert "tags.team: data -> platform" in text
    assert text.endswith(
        "0 to create, 1 to update, 0 to delete; 0 jobs unchanged; 1 re-stamped only"
    )


def test_a_long_scalar_is_cut_with_an_ellipsis() -> None:
    # GIVEN a description longer than a line WHEN rendered THEN it ends in "..."
    plan = o.Plan(
        stage="dev",
        code_sha256="sha",
        ops=(
            o.UpdateFunctionCode(
                job="j", function_name="f", changes=(o.Change("code_sha256", "a" * 200, "b"),)
            ),
        ),
    )
    line = next(x for x in render_text(plan).splitlines() if "code_sha256" in x)
    assert line.endswith("... -> b")


def test_bookkeeping_is_each_plans_own_when_asked_again(desired) -> None:
    # GIVEN two plans: a new function with its tag stamp, and a re-stamp of its fingerprint
    from scheduler.deploy.render import bookkeeping

    fn = desired.jobs["nightly-report"].function
    tag = o.TagFunction(job="nightly-report", function_arn=fn.arn, tags=dict(fn.tags))
    created = o.Plan(
        stage="dev", code_sha256="sha",
        ops=(o.CreateFunction(job="nightly-report", function=fn), tag),
    )  # fmt: skip
    spec = o.Change(f"tags.{contract.TAG_SPEC_HASH}", "old", "new")
    config = desired.jobs["nightly-report"].async_config
    update = o.PutAsyncConfig(job="nightly-report", config=config, action="update", changes=(spec,))
    restamp = o.Plan(stage="dev", code_sha256="sha", ops=(update,))
    # WHEN each is asked for twice, in turns, and a caller changes the set it got
    first = bookkeeping(created)
    first.clear()
    answers = [bookkeeping(created), bookkeeping(restamp), bookkeeping(created)]
    # THEN every answer is that plan's own, whatever was asked or changed before
    assert answers == [{id(tag)}, {id(update)}, {id(tag)}]
