"""checkov findings the CloudFormation export accepts on purpose, each with its reason.

The generator puts them in each resource's ``Metadata.checkov.skip`` (checkov's inline
suppression: https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html),
and deploy/README.md lists them. Pure data.
"""

from __future__ import annotations

from typing import Any

SKIP_FUNCTION = [
    ("CKV_AWS_117", "No VPC: the job functions call only public AWS APIs; a VPC is optional."),
    (
        "CKV_AWS_116",
        "Async failures go to the DLQ through the EventInvokeConfig OnFailure destination.",
    ),
    (
        "CKV_AWS_173",
        "Env holds names and settings only; secrets are ssm: references resolved at run time.",
    ),
]
SKIP_CONCURRENCY = (
    "CKV_AWS_115",
    "Reserved concurrency is opt-in per job (reserved_concurrency in jobs.yaml).",
)
SKIP_QUEUE = [
    (
        "CKV_AWS_27",
        "Encrypted with SSE-SQS (SqsManagedSseEnabled); the check only sees KMS. An AWS managed"
        " KMS key would block EventBridge from writing dead letters.",
    ),
]
SKIP_TOPIC = [
    (
        "CKV_AWS_26",
        "Alerts carry job names, slots and one-line error summaries, never payloads or results;"
        " a KMS key for the topic (and kms: grants for every publisher) is a team choice.",
    ),
]
SKIP_CODE_BUCKET = [
    (
        "CKV_AWS_18",
        "Holds only build output (code zips, named by their hash); access logging would need a"
        " second bucket per stage for objects anyone can rebuild from the repository.",
    ),
    (
        "CKV_AWS_21",
        "Not versioned on purpose: a key is its content and is never overwritten, so versions"
        " would only keep deleted zips.",
    ),
]
SKIP_TABLE = [
    (
        "CKV_AWS_119",
        "Encrypted at rest with the AWS owned key; a customer managed key is a team choice.",
    ),
]
SKIP_LOG_GROUP = [
    (
        "CKV_AWS_158",
        "Encrypted by CloudWatch Logs' own keys; a customer managed KMS key is a team choice.",
    ),
    (
        "CKV_AWS_338",
        "Retention is the catalogue's log_retention_days (default 30 days), a team choice.",
    ),
]


def checkov(skips: list[tuple[str, str]]) -> dict[str, Any]:
    return {"checkov": {"skip": [{"id": i, "comment": c} for i, c in skips]}}
