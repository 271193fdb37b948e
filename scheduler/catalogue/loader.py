"""Load jobs.yaml into a ``Catalogue``, reporting every problem at once with its position.

Order of work: parse YAML keeping positions (duplicate keys are findings), check the
shape with the pydantic models, merge ``defaults`` under each job, then run the semantic
checks. Nothing stops at the first problem: a tired user fixes the file in one pass.
Reads only the catalogue file (and handler sources, without running them); no AWS.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scheduler import names
from scheduler.catalogue.checks import check_job
from scheduler.catalogue.models import (
    ALERT_EVENTS,
    BOUNDARY_PATTERN,
    DURATION_PATTERN,
    JOB_DEFAULTS,
    SNS_TOPIC_ARN_PATTERN,
    Catalogue,
    CatalogueFile,
    Job,
    JobFields,
    Notify,
    RetryPolicy,
)
from scheduler.catalogue.problems import Problem
from scheduler.catalogue.yamlsource import Path_, SourceMap, parse_yaml
from scheduler.errors import CatalogueError, CronbridgeError
from scheduler.schedule import parse_schedule, to_aws_expressions

MAX_RULES_PER_BUS = 300  # EventBridge default quota (adjustable)
TOP_LEVEL_KEYS = tuple(CatalogueFile.model_fields)
JOB_KEYS = tuple(JobFields.model_fields)
MERGED_DICTS = ("env", "tags")  # job entries add to the defaults' mappings, not replace them


class _Collector:
    def __init__(self, file: str, source: SourceMap) -> None:
        self.file = file
        self.source = source
        self.problems: list[Problem] = []

    def add(
        self,
        path: Path_,
        job: str | None,
        field: str | None,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
    ) -> None:
        mark = self.source.locate_key(path) if at_key else self.source.locate(path)
        self.problems.append(Problem(self.file, mark.line, mark.column, job, field, message, hint))


def read_catalogue(path: Path) -> tuple[Catalogue | None, list[Problem]]:
    """The catalogue (None when anything is wrong) and every problem found, in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CronbridgeError(
            f"{path}: no such file", hint="run from the folder holding jobs.yaml, or pass -f PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CronbridgeError(f"{path}: cannot read: {exc}") from None
    document = parse_yaml(text)
    out = _Collector(str(path), document.source)
    for yp in document.problems:
        field = str(yp.path[-1]) if len(yp.path) > 2 else None
        job = str(yp.path[1]) if len(yp.path) >= 2 and yp.path[0] == "jobs" else None
        out.problems.append(
            Problem(out.file, yp.mark.line, yp.mark.column, job, field, yp.message, yp.hint)
        )
    data = document.data
    if data is None and not out.problems:
        out.add((), None, None, "the catalogue is empty", "start from the sample jobs.yaml")
    if not isinstance(data, dict):
        if data is not None:
            out.add((), None, None, "the catalogue must be a mapping with version and jobs")
        return None, _sorted(out.problems)
    catalogue = _build(path, data, out)
    problems = _sorted(out.problems)
    return (catalogue if not problems else None), problems


def load_catalogue(path: Path) -> Catalogue:
    """A valid catalogue, or ``CatalogueError`` carrying every problem."""
    catalogue, problems = read_catalogue(path)
    if catalogue is None:
        first = problems[0].render() if problems else f"{path}: invalid catalogue"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CatalogueError(first + more, problems)
    return catalogue


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


def _build(path: Path, data: dict[str, Any], out: _Collector) -> Catalogue | None:
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            out.add(
                (key,),
                None,
                key,
                f"unknown top-level key {key!r}",
                _did_you_mean(key, TOP_LEVEL_KEYS),
                at_key=True,
            )
    if data.get("version") != 1:
        out.add(
            ("version",),
            None,
            "version",
            f"expected `version: 1`, got {data.get('version')!r}",
            "add `version: 1` at the top",
        )
    prefix = data.get("prefix", names.DEFAULT_PREFIX)
    problem = names.prefix_problem(prefix) if isinstance(prefix, str) else "must be text"
    if problem:
        out.add(("prefix",), None, "prefix", problem)
    boundary = data.get("permissions_boundary")
    if boundary is not None and not (
        isinstance(boundary, str) and re.fullmatch(BOUNDARY_PATTERN, boundary)
    ):
        out.add(
            ("permissions_boundary",),
            None,
            "permissions_boundary",
            f"{boundary!r} is not a managed policy name or a policy ARN",
            f"e.g. `permissions_boundary: {prefix}-boundary`, the policy deploy/ci-role.yaml "
            "creates",
        )
    defaults = _fields(data.get("defaults"), ("defaults",), None, out, "defaults") or {}
    jobs_raw = data.get("jobs")
    if not isinstance(jobs_raw, dict) or not jobs_raw:
        out.add(
            ("jobs",),
            None,
            "jobs",
            "`jobs` must be a mapping of job name to job",
            "see the sample jobs.yaml",
        )
        return None
    jobs: dict[str, Job] = {}
    rule_count = 0
    root = path.resolve().parent  # once: resolving is a syscall per path component
    handler_memo: dict[str, Any] = {}  # 1,000 jobs name a handful of handlers
    for name, raw in jobs_raw.items():
        before = len(out.problems)
        fields = _fields(raw, ("jobs", name), name, out, None)
        if fields is None:
            continue
        merged = _merge(defaults, fields)
        job = _finish_job(
            root, name, merged, out, shape_ok=len(out.problems) == before, memo=handler_memo
        )
        if job is not None:
            jobs[name] = job
            if job.backend == "rules":
                rule_count += len(to_aws_expressions(parse_schedule(job.schedule)))
    if rule_count > MAX_RULES_PER_BUS:
        out.add(
            ("jobs",),
            None,
            "jobs",
            f"{rule_count} EventBridge rules exceed the default quota of "
            f"{MAX_RULES_PER_BUS} per bus",
            "request a quota increase, or move jobs to `backend: scheduler`",
        )
    if out.problems:
        return None
    return Catalogue(
        version=1,
        prefix=prefix,
        jobs=jobs,
        path=path.resolve(),
        permissions_boundary=boundary,
    )


def _fields(
    raw: Any, path: Path_, job: str | None, out: _Collector, section: str | None
) -> dict[str, Any] | None:
    """Shape-check one job entry (or defaults); returns the keys the user wrote that are
    well-formed, so later checks still run on them and every problem shows at once."""
    if raw is None:
        if section:
            return {}
        out.add(path, job, None, "job has no fields", "a job needs at least schedule and handler")
        return None
    if not isinstance(raw, dict):
        out.add(path, job, section, f"expected a mapping of fields, got {type(raw).__name__}")
        return None
    raw = dict(raw)
    retries = raw.pop("retries", None)
    notify = raw.pop("notify", None)
    window = raw.pop("catchup_window", None)
    try:
        JobFields.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            _report_pydantic(err, path, job, section, out)
            if err["loc"]:
                raw.pop(str(err["loc"][0]), None)
    if retries is not None:
        policy = _retry_policy(retries, (*path, "retries"), job, section, out)
        if policy is not None:
            raw["retries"] = policy
    if notify is not None:
        parsed = _notify(notify, (*path, "notify"), job, _field_name(section, "notify"), out)
        if parsed is not None:
            raw["notify"] = parsed
    if window is not None:
        if isinstance(window, str) and re.fullmatch(DURATION_PATTERN, window):
            raw["catchup_window"] = window
        else:
            out.add(
                (*path, "catchup_window"),
                job,
                _field_name(section, "catchup_window"),
                f"{window!r} is not a duration",
                'write minutes, hours or days, e.g. "30m", "6h" or "2d"',
            )
    return raw


_NOTIFY_HINT = (
    f"e.g. `notify: [dead, failing]` or `notify: {{events: [dead], topic: ARN}}`; "
    f"events: {', '.join(ALERT_EVENTS)}"
)


def _notify(value: Any, path: Path_, job: str | None, field: str, out: _Collector) -> Notify | None:
    """``[dead, late]`` is short for ``{events: [dead, late]}`` (the stage's topic);
    repeated events count once."""
    data = {"events": value} if isinstance(value, list) else value
    if not isinstance(data, dict):
        out.add(path, job, field, f"expected a list of events or a mapping, got {value!r}",
                _NOTIFY_HINT)  # fmt: skip
        return None
    extra = [k for k in data if k not in Notify.model_fields]
    if extra:
        out.add((*path, str(extra[0])), job, field, f"unknown field {extra[0]!r}",
                "allowed: events, topic", at_key=True)  # fmt: skip
        return None
    topic = data.get("topic")
    if topic is not None and not (
        isinstance(topic, str) and re.fullmatch(SNS_TOPIC_ARN_PATTERN, topic)
    ):
        out.add((*path, "topic"), job, field, f"{topic!r} is not an SNS topic ARN",
                "e.g. arn:aws:sns:eu-west-1:123456789012:oncall; leave it out for the "
                "topic deploy makes per stage")  # fmt: skip
        return None
    events = data.get("events")
    if isinstance(events, list):
        unknown = [e for e in events if e not in ALERT_EVENTS]
        if unknown:
            out.add(path, job, field, f"unknown alert event {unknown[0]!r}", _NOTIFY_HINT)
            return None
        data = {**data, "events": list(dict.fromkeys(events))}
    try:
        return Notify.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            _report_pydantic(err, path, job, field, out)
        return None


def _retry_policy(
    value: Any, path: Path_, job: str | None, section: str | None, out: _Collector
) -> RetryPolicy | None:
    field = _field_name(section, "retries")
    if isinstance(value, bool) or not isinstance(value, int | dict):
        out.add(
            path,
            job,
            field,
            f"expected a number or a mapping, got {value!r}",
            "e.g. `retries: 3` or `retries: {retries: 3, delay: 60}`",
        )
        return None
    try:
        if isinstance(value, int):
            return RetryPolicy(retries=value)
        return RetryPolicy.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors():
            _report_pydantic(err, path, job, field, out)
        return None


def _report_pydantic(
    err: Any, path: Path_, job: str | None, section: str | None, out: _Collector
) -> None:
    loc = tuple(str(part) for part in err["loc"])
    where = (*path, *loc)
    field = _field_name(section, ".".join(loc)) if loc else section
    kind = err["type"]
    if kind == "extra_forbidden":
        candidates = JOB_KEYS if path[:1] != ("retries",) else tuple(RetryPolicy.model_fields)
        if (path and path[-1] == "retries") or (section or "").endswith("retries"):
            candidates = tuple(RetryPolicy.model_fields)
        out.add(
            where,
            job,
            field,
            f"unknown field {loc[-1]!r}",
            _did_you_mean(loc[-1], candidates),
            at_key=True,
        )
        return
    value = err.get("input")
    message = err["msg"][0].lower() + err["msg"][1:]
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    hint = None
    if isinstance(value, str) and kind in ("int_type", "bool_type", "float_type"):
        hint = "remove the quotes around the value"
    out.add(where, job, field, f"{shown}: {message}", hint)


def _field_name(section: str | None, field: str) -> str:
    return f"{section}.{field}" if section else field


def _did_you_mean(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "allowed: " + ", ".join(options)


def _merge(defaults: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    merged = {**JOB_DEFAULTS, **defaults, **fields}
    for key in MERGED_DICTS:
        merged[key] = {**defaults.get(key, {}), **fields.get(key, {})}
    return merged


def _finish_job(
    root: Path,
    name: str,
    merged: dict[str, Any],
    out: _Collector,
    *,
    shape_ok: bool,
    memo: dict[str, Any] | None = None,
) -> Job | None:
    where: Path_ = ("jobs", name)
    before = len(out.problems)
    for required in ("schedule", "handler"):
        if merged.get(required) is None:
            out.add(
                where,
                name,
                required,
                "is required",
                'e.g. schedule: "0 2 * * *"'
                if required == "schedule"
                else "e.g. handler: jobs.reports:nightly",
                at_key=True,
            )
    for field, message, hint in check_job(name, merged, root, handler_memo=memo):
        target = (*where, *field.split(".", 1)) if field else where
        out.add(target, name, field, message, hint, at_key=field is None)
    if len(out.problems) > before or not shape_ok:
        return None
    return Job(name=name, **{k: merged[k] for k in Job.model_fields if k != "name"})
