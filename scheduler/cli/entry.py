"""The ``cronbridge`` process: run the CLI, then end the process without tearing it down.

A command's heap is hundreds of thousands of objects (botocore's service models, the
catalogue, the desired resources, the plan). A normal interpreter exit frees them one by
one (module teardown, the final collection): about a tenth of a second of a no-op deploy,
spent after the answer is printed. So once ``main`` has returned, its output is flushed
and the ``atexit`` handlers have run (log handlers, temporary folders' finalizers), the
process ends with ``os._exit``, as Instagram's Python services end theirs.

Only when nothing else is running: if a thread that Python would wait for at exit (a
non-daemon thread, such as a thread pool's worker) is still alive, the normal exit runs
and waits for it, so no work a verb left running is cut short; and not under a profiler
or a tracer, which write their results after the program returns. ``main`` itself stays an
ordinary function that returns its exit status; tests call it in-process.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

from scheduler.cli.main import EXIT_ERROR, main


def run() -> NoReturn:
    """The console script: ``cronbridge ARGS``."""
    leave(main())


def leave(code: int) -> NoReturn:
    """End the process with ``code``, quickly when that is safe (see the module docstring)."""
    if _threads_python_would_wait_for() or _observed():
        raise SystemExit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`cronbridge list | head -1`)
            code = code or EXIT_ERROR
    atexit._run_exitfuncs()  # what the normal exit would run before finalizing
    os._exit(code)


def _threads_python_would_wait_for() -> bool:
    main_thread = threading.main_thread()
    return any(t is not main_thread and not t.daemon for t in threading.enumerate())


def _observed() -> bool:
    """A profiler or tracer is running (``python -m cProfile``, coverage): it writes what
    it saw after the program returns, so the normal exit is kept for it."""
    return sys.getprofile() is not None or sys.gettrace() is not None
