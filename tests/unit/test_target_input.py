"""Target input compiled for a job renders back to exactly the job's payload (pure).

EventBridge reads ``<name>`` in an InputTemplate as a placeholder, so payload text with
``<`` or ``>`` must reach the target unchanged: compile the job, render the target as
EventBridge / Scheduler would (the local ticker's renderer, ``scheduler.local.targets``),
parse the JSON the worker receives, and compare.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.local import targets

WHEN = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
PAYLOADS: list[dict[str, Any]] = [
    {"html": "<b>bold</b>", "cmp": "a > b", "arrow": "<-"},
    # the template's own placeholder names, as payload text
    {"note": "fired at <time> with <id>", "raw": "<aws.events.rule-arn>"},
    {"sched": "<aws.scheduler.scheduled-time> / <aws.scheduler.execution-id>"},
    {"<key>": ["<", ">", "<>", {"deep": "x<y>z"}], "plain": "no brackets", "n": 3},
    {"unicode": "café <ü>", "quote": 'say "<hi>"', "backslash": "\\<time>"},
]


def _compiled(tmp_path: Path, payload: dict[str, Any], backend: str) -> Any:
    (tmp_path / "jobs").mkdir(exist_ok=True)
    (tmp_path / "jobs" / "__init__.py").write_text("")
    (tmp_path / "jobs" / "x.py").write_text("def run(payload, ctx):\n    return None\n")
    (tmp_path / "jobs.yaml").write_text(
        "version: 1\njobs:\n  report:\n    schedule: '0 2 * * *'\n    handler: jobs.x:run\n"
        f"    backend: {backend}\n    payload: {json.dumps(payload)}\n"
    )
    catalogue = load_catalogue(tmp_path / "jobs.yaml")
    assert catalogue.jobs["report"].payload == payload  # YAML kept the text as written
    state = compile_catalogue(catalogue, "dev", account_id="123456789012", region="us-east-1")
    return state.jobs["report"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rule_input_template_renders_back_to_the_payload(
    tmp_path: Path, payload: dict[str, Any]
) -> None:
    # GIVEN a rules job whose payload text holds < and >
    rule = _compiled(tmp_path, payload, "rules").rules[0]
    target = rule.target
    # THEN the only placeholders EventBridge sees are the template's own
    assert re.findall(r"<[^<>]*>", target.input_template) == ["<time>", "<id>"]
    # WHEN EventBridge renders the target for a scheduled event
    event = targets.scheduled_event(
        rule_arn=rule.arn, when=WHEN, event_id="ev-1", account="123456789012", region="us-east-1"
    )
    text = targets.render_input_transformer(
        target.input_template, target.input_paths, event, rule_name=rule.name
    )
    # THEN the worker gets exactly the payload, and the slot
    sent = json.loads(text)
    assert sent["payload"] == payload
    assert (sent["scheduled_time"], sent["event_id"]) == ("2026-03-29T01:00:00Z", "ev-1")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_scheduler_input_renders_back_to_the_payload(
    tmp_path: Path, payload: dict[str, Any]
) -> None:
    # GIVEN a scheduler job whose payload text holds < and >
    schedule = _compiled(tmp_path, payload, "scheduler").schedules[0]
    # THEN the only placeholders Scheduler sees are its context attributes
    assert sorted(re.findall(r"<[^<>]*>", schedule.input)) == [
        "<aws.scheduler.execution-id>",
        "<aws.scheduler.scheduled-time>",
    ]
    # WHEN Scheduler substitutes its context attributes
    text = targets.render_scheduler_input(
        schedule.input, scheduled_time=WHEN, execution_id="ex-1", schedule_arn="arn:s"
    )
    # THEN the worker gets exactly the payload, and the slot
    sent = json.loads(text)
    assert sent["payload"] == payload
    assert (sent["scheduled_time"], sent["event_id"]) == ("2026-03-29T01:00:00Z", "ex-1")
