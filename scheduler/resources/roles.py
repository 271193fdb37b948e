"""The IAM role shape: the stage's scheduler role and each job's own execution role.

One frozen dataclass for both purposes, with the name of the one inline policy each kind
carries. Compile fills it, plan and apply diff and write it, the CloudFormation export
renders it. Pure stdlib: no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scheduler.resources.fingerprint import Specced

# The inline policy of each job's own role, and of the stage's scheduler role.
JOB_POLICY_NAME = "cronbridge-job"
SCHEDULER_POLICY_NAME = "cronbridge-scheduler"


@dataclass(frozen=True)
class Role(Specced):
    """An IAM role with one inline policy: the stage's scheduler role (shared) or one job's
    own execution role (per job). ``path`` groups a stage's roles for one ListRoles call;
    ``permissions_boundary`` (a managed policy ARN) caps what the role can ever do."""

    name: str
    arn: str
    purpose: Literal["job", "scheduler"]
    trust_policy: dict[str, Any]
    policy_name: str
    policy_document: dict[str, Any]
    path: str = "/"
    permissions_boundary: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
