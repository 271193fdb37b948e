"""Start one worker invocation in a child process, as Lambda would, and kill it at its deadline.

``child_environment`` is the function's configured environment plus what the Lambda
sandbox and the emulator need (endpoint, dummy credentials, the zip root on PYTHONPATH).
``run_child`` starts ``scheduler.local.childrun`` in its own process group with that
environment, hands it the event and a Lambda-like context on stdin, appends its output to
``.cronbridge/logs/<function>.log``, and kills the whole group ``KILL_GRACE_SECONDS``
after the function's timeout. It decides nothing about the run: the caller reads the
outcome it returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler import contract
from scheduler.awsclients import local_credentials_env
from scheduler.local.emulator import child_preexec
from scheduler.local.functions import FunctionInfo

# Grace after the deadline before SIGKILL: the worker's watchdog concludes the attempt a
# few seconds before the deadline and returns, but the child still has to write its result
# and exit. Killing it exactly at the deadline turned a handled timeout into a "crash" with
# an extra on-failure record per attempt. Lambda's own kill is not this kind, but there the
# watchdog's return ends the invocation at once.
KILL_GRACE_SECONDS = 2.0

Child = subprocess.Popen[bytes]


def child_environment(
    info: FunctionInfo, *, endpoint_url: str, region: str, code_root: Path
) -> dict[str, str]:
    """The function's configured env plus what the Lambda sandbox and emulator need."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(info.env)
    env.update(local_credentials_env())
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": info.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(info.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(info.timeout),
            "TZ": "UTC",  # Lambda's clock
            "PYTHONPATH": str(code_root),  # the zip root: the catalogue folder's packages
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault(contract.ENV_FUNCTION_ARN, info.arn)
    # The local ticker fires one-time schedules to the second (AWS: to the minute).
    env.setdefault(contract.ENV_RETRY_PRECISION, "second")
    return env


def run_child(
    info: FunctionInfo,
    spec: dict[str, Any],
    *,
    env: dict[str, str],
    python: str,
    code_root: Path,
    log_dir: Path,
    started: Callable[[Child], None],
    ended: Callable[[Child], None],
) -> tuple[dict[str, Any] | None, bool, int | None]:
    """Run one invocation to its end or its deadline: (the child's result or None when it
    wrote none, killed at the deadline, exit code). ``started``/``ended`` bracket the
    child's life, so the caller can kill it on shutdown."""
    log_dir.mkdir(parents=True, exist_ok=True)
    fd, result_name = tempfile.mkstemp(prefix="cronbridge-run-", suffix=".json")
    os.close(fd)
    result_path = Path(result_name)
    result_path.unlink()
    killed = False
    with (log_dir / f"{info.name}.log").open("ab") as log:
        process = subprocess.Popen(
            [python, "-m", "scheduler.local.childrun", str(result_path)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            env=env,
            cwd=str(code_root),
            start_new_session=True,  # Ctrl-C reaches `local up`, which stops us in order
            preexec_fn=child_preexec,  # noqa: PLW1509 - only sets PDEATHSIG
        )
        started(process)
        try:
            process.communicate(
                json.dumps(spec).encode(), timeout=info.timeout + KILL_GRACE_SECONDS
            )
        except subprocess.TimeoutExpired:
            killed = True
            kill_group(process)
        finally:
            ended(process)
    try:
        return json.loads(result_path.read_text(encoding="utf-8")), killed, process.returncode
    except (OSError, ValueError):
        return None, killed, process.returncode
    finally:
        result_path.unlink(missing_ok=True)


def kill_group(process: Child) -> None:
    """SIGKILL the child's whole process group (a handler's own children die with it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
