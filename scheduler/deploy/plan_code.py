"""Which code each job's function should run, as the plan sees it: one ``CodeSha256`` per
job (each job has its own zip, zipbuild.py), or one for every job (tests, benchmarks).

Pure: no AWS calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

# Each job's code CodeSha256 (job -> sha), or one for every job.
CodeShas = str | Mapping[str, str]


def code_of(shas: CodeShas, job: str) -> str:
    """The CodeSha256 of ``job``'s zip."""
    return shas if isinstance(shas, str) else shas[job]


def code_digest(shas: CodeShas) -> str:
    """One fingerprint of every job's code: the CodeSha256 when all jobs share one zip,
    else a SHA-256 over the sorted ``job=sha`` lines."""
    if isinstance(shas, str):
        return shas
    if len(set(shas.values())) == 1:
        return next(iter(shas.values()))
    lines = "\n".join(f"{job}={sha}" for job, sha in sorted(shas.items()))
    return "sha256:" + hashlib.sha256(lines.encode()).hexdigest()
