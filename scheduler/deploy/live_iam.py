"""Read a stage's IAM roles: one paged listing by IAM path, deep reads where needed.

Every role a stage owns (its scheduler role and one role per job) lives under the IAM path
``/cronbridge/<prefix>/<stage>/``, so one paged ``ListRoles(PathPrefix=...)`` finds them
all whatever the number of jobs. IAM's listings leave out tags and the permissions
boundary, so a role is deep-read (``GetRole`` + ``GetRolePolicy``) only when the planner
asks. Reads only; no decisions, no writes.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from scheduler.deploy.awsapi import AwsApi
from scheduler.resources import Role

# IAM returns at most 1,000 roles a page.
_ROLES_PAGE = 1000


def list_stage_roles(api: AwsApi, path: str) -> dict[str, dict[str, Any]]:
    """Role name -> ListRoles entry (no tags, no boundary) for every role under ``path``."""
    return {
        r["RoleName"]: dict(r)
        for r in api.pages(
            "iam",
            "list_roles",
            f"roles under {path}",
            "Roles",
            PathPrefix=path,
            PaginationConfig={"PageSize": _ROLES_PAGE},
        )
    }


def get_role(api: AwsApi, name: str) -> dict[str, Any] | None:
    """``GetRole``'s Role (with tags and boundary), or None when there is none."""
    out = api.maybe("iam", "get_role", f"role {name}", RoleName=name)
    return None if out is None else dict(out["Role"])


def role_policy(api: AwsApi, role: str, policy: str) -> dict[str, Any] | None:
    out = api.maybe("iam", "get_role_policy", f"role {role}", RoleName=role, PolicyName=policy)
    if out is None:
        return None
    doc = out["PolicyDocument"]
    return dict(json.loads(unquote(doc)) if isinstance(doc, str) else doc)


def role_tags(full: dict[str, Any] | None) -> dict[str, str] | None:
    if full is None:
        return None
    return {t["Key"]: t["Value"] for t in full.get("Tags") or []}


def read_role(api: AwsApi, desired: Role, full: dict[str, Any] | None = None) -> Role | None:
    """The live role as a model object (tags with the spec tag: the planner compares it).
    ``full``: a GetRole result already read by the caller; else it is read here."""
    role = full if full is not None else get_role(api, desired.name)
    if role is None:
        return None
    trust = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(trust, str):
        trust = json.loads(unquote(trust))
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return Role(
        name=desired.name,
        arn=role.get("Arn", ""),
        purpose=desired.purpose,
        trust_policy=dict(trust),
        policy_name=desired.policy_name,
        policy_document=role_policy(api, desired.name, desired.policy_name) or {},
        path=role.get("Path", "/"),
        permissions_boundary=boundary,
        tags=role_tags(role) or {},
    )


def boundary_exists(api: AwsApi, arn: str) -> bool:
    """Whether the managed policy ``arn`` exists (deploy refuses a missing boundary)."""
    return api.maybe("iam", "get_policy", f"policy {arn}", PolicyArn=arn) is not None
