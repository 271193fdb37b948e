"""The child process of the local executor: one Lambda invocation of the worker entry.

Run as ``python -m scheduler.local.childrun RESULT_PATH`` with the invocation spec as JSON
on stdin (``event`` and ``context`` fields). The environment is already the function's
configured one (plus the emulator endpoint and dummy credentials), exactly like a Lambda
sandbox. It calls ``scheduler.worker.entry.handler(event, context)`` and writes
``{"ok": bool, "result" | "error": ...}`` to RESULT_PATH. The parent kills it at the
function's deadline; then no result file is written, as with a timed-out Lambda.
Everything the invocation prints is tagged with its request id (``runlogs.localfile``),
between ``START RequestId`` and ``END RequestId`` lines as on Lambda, so ``cronbridge logs``
can pick one run's lines out of the function's shared log file.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.runlogs import end_marker, start_marker
from scheduler.runlogs.localfile import TaggedStream


@dataclass
class LocalLambdaContext:
    """The fields of Lambda's context object that handlers and powertools read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    memory_limit_in_mb: int
    deadline_epoch_ms: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_epoch_ms - int(time.time() * 1000))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LocalLambdaContext:
        return cls(
            function_name=str(data["function_name"]),
            invoked_function_arn=str(data["invoked_function_arn"]),
            aws_request_id=str(data["aws_request_id"]),
            memory_limit_in_mb=int(data.get("memory_limit_in_mb", 128)),
            deadline_epoch_ms=int(data["deadline_epoch_ms"]),
            log_group_name=str(data.get("log_group_name", "")),
        )


def main(argv: list[str]) -> int:
    result_path = Path(argv[0])
    spec = json.loads(sys.stdin.read())
    context = LocalLambdaContext.from_json(spec["context"])
    request_id = context.aws_request_id
    # Before the worker is imported: its Logger keeps the stream it finds at creation.
    sys.stdout = TaggedStream(sys.__stdout__ or sys.stdout, request_id)
    sys.stderr = TaggedStream(sys.__stderr__ or sys.stderr, request_id)
    print(start_marker(request_id) + " Version: $LATEST", flush=True)
    from scheduler.worker.entry import handler  # imported like Lambda's cold start

    try:
        result = handler(spec["event"], context)
        outcome: dict[str, Any] = {"ok": True, "result": result}
    except Exception as exc:  # Lambda reports an unhandled error; so do we
        outcome = {
            "ok": False,
            "error": {"type": type(exc).__name__, "message": str(exc)},
            "traceback": traceback.format_exc(),
        }
        print(outcome["traceback"], file=sys.stderr, end="", flush=True)
    finally:
        print(end_marker(request_id), flush=True)
    result_path.write_text(json.dumps(outcome, default=str), encoding="utf-8")
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
