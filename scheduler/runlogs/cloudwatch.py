"""A run's lines from CloudWatch Logs, found by each attempt's Lambda request id.

Lambda writes ``START RequestId: <id>`` and ``END RequestId: <id>`` around each invocation
in the log stream of the execution environment that ran it, and an environment runs one
invocation at a time, so every line of that stream between the two belongs to it: the
handler's ``print`` output included, which carries no request id. So per request id: one
``FilterLogEvents`` over the function's log group with the request id as a quoted term
(it contains hyphens, which only a quoted term matches literally:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html)
finds the stream and the START time, then ``FilterLogEvents`` on that one stream from then
on reads the invocation's lines up to its END. Both follow ``nextToken`` to the end, since
a page may come back empty while more remain, and events come sorted by timestamp
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html).

The log group keeps events for its retention (``log_retention_days``, default 30 days);
``retention_days`` reads it so the CLI can say why an old run has no lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from scheduler.runlogs import LogLine, end_marker, start_marker


def _iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class CloudWatchLogSource:
    """One function's log group; ``read`` returns each attempt's lines not returned yet."""

    def __init__(self, logs_client: Any, log_group: str, since_ms: int) -> None:
        self._client = logs_client
        self.log_group = log_group
        self._since_ms = since_ms  # the run's start, less a margin: no older event is its
        self._streams: dict[str, tuple[str, int]] = {}  # request id -> (stream, START ms)
        self._seen: set[str] = set()  # event ids already returned
        self._ended: set[str] = set()

    def retention_days(self) -> int | None:
        """The group's retention in days; None when it keeps events for ever."""
        pages = self._client.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=self.log_group
        )
        for page in pages:
            for group in page.get("logGroups", []):
                if group.get("logGroupName") == self.log_group:
                    days = group.get("retentionInDays")
                    return int(days) if days else None
        raise LookupError(self.log_group)

    def read(self, request_ids: dict[str, int]) -> list[LogLine]:
        out: list[LogLine] = []
        for request_id, attempt in request_ids.items():
            if request_id in self._ended:
                continue
            where = self._streams.get(request_id) or self._locate(request_id)
            if where is None:
                continue  # not ingested yet (CloudWatch lags the function by seconds)
            stream, start_ms = where
            out += self._invocation_lines(request_id, attempt, stream, start_ms)
        return out

    def finished(self, request_id: str) -> bool:
        return request_id in self._ended

    def _locate(self, request_id: str) -> tuple[str, int] | None:
        marker = start_marker(request_id)
        first: tuple[str, int] | None = None
        for event in self._events(filterPattern=f'"{request_id}"', startTime=self._since_ms):
            where = (str(event["logStreamName"]), int(event["timestamp"]))
            if str(event.get("message", "")).startswith(marker):
                self._streams[request_id] = where
                return where
            first = first or where
        # No START line read (yet): start from the first line that names the request.
        return first

    def _invocation_lines(
        self, request_id: str, attempt: int, stream: str, start_ms: int
    ) -> list[LogLine]:
        out: list[LogLine] = []
        from_start = request_id in self._streams  # else from the first line naming it
        inside = ended = False
        for event in self._events(logStreamNames=[stream], startTime=start_ms):
            message = str(event.get("message", "")).rstrip("\n")
            if not inside:
                # Lines of START's millisecond may still close the previous invocation.
                marker = start_marker(request_id) if from_start else request_id
                inside = message.startswith(marker) if from_start else marker in message
                if not inside:
                    continue
            if ended and not message.startswith(f"REPORT RequestId: {request_id}"):
                break  # Lambda's REPORT line (duration, memory) follows END; then the next
            event_id = str(event.get("eventId", ""))
            if event_id not in self._seen:
                self._seen.add(event_id)
                out.append(LogLine(_iso(int(event["timestamp"])), request_id, message, attempt))
            if message.startswith(end_marker(request_id)):
                self._ended.add(request_id)
                ended = True
        return out

    def _events(self, **query: Any) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = self._client.filter_log_events(
                logGroupName=self.log_group, **query, **({"nextToken": token} if token else {})
            )
            yield from page.get("events", [])
            token = page.get("nextToken")
            if not token:
                return
