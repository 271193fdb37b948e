"""Apply role operations: create/update a role with its path, boundary and inline policy;
delete one after removing its inline policy (IAM refuses to delete a role that has one).

Order matters under the CI role's permissions-boundary conditions: a role is created with
its boundary in the same call, and an existing role gets its boundary before its policy is
written, because the CI policy allows ``PutRolePolicy`` only on roles already carrying the
boundary. The fingerprint tag goes on last, so an interrupted update still looks changed.
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

import json
from typing import Any

from scheduler.deploy import ops as o
from scheduler.deploy.awsapi import AwsApi


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def put_role(api: AwsApi, op: o.PutRole) -> None:
    role = op.role
    res = f"role {role.name}"
    trust = json.dumps(role.trust_policy)
    changed = {c.field.split(".")[0] for c in op.changes}
    # A job's role is decided by the job's fingerprint (stamped on its function last), so it
    # can take its spec tag at creation; the scheduler role's own tag must come last.
    spec_at_create = role.purpose == "job"
    if op.action == "create":
        kwargs: dict[str, Any] = {
            "RoleName": role.name,
            "Path": role.path,
            "AssumeRolePolicyDocument": trust,
            "Tags": _tag_list(role.tags_with_spec if spec_at_create else role.tags),
        }
        if role.permissions_boundary:
            kwargs["PermissionsBoundary"] = role.permissions_boundary
        api.call("iam", "create_role", res, **kwargs)
    else:
        if "permissions_boundary" in changed:
            if role.permissions_boundary:
                api.call(
                    "iam",
                    "put_role_permissions_boundary",
                    res,
                    RoleName=role.name,
                    PermissionsBoundary=role.permissions_boundary,
                )
            else:
                api.call("iam", "delete_role_permissions_boundary", res, RoleName=role.name)
        api.call("iam", "update_assume_role_policy", res, RoleName=role.name, PolicyDocument=trust)
    api.call(
        "iam",
        "put_role_policy",
        res,
        RoleName=role.name,
        PolicyName=role.policy_name,
        PolicyDocument=json.dumps(role.policy_document),
    )
    if not (spec_at_create and op.action == "create"):
        api.call("iam", "tag_role", res, RoleName=role.name, Tags=_tag_list(role.tags_with_spec))


def delete_role(api: AwsApi, op: o.DeleteRole) -> None:
    """Inline policy first (DeleteRole fails with DeleteConflict while one is attached);
    both calls tolerate "already gone", so an interrupted delete converges."""
    name = op.name
    api.maybe("iam", "delete_role_policy", f"role {name}", RoleName=name, PolicyName=op.policy_name)
    api.maybe("iam", "delete_role", f"role {name}", RoleName=name)
