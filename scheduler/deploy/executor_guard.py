"""The last check before any delete: read the resource from its own service, now, and ask
``ownership.Owner`` whether it is still ours.

A plan may be minutes old, and was partly built from listings; between plan and apply a
resource can be replaced by someone else's under the same name, or a schedule made by hand
can land in our group. ``refusal`` returns why a delete must be skipped (the executor
reports it and moves on), or None when the resource is ours or already gone.
"""

from __future__ import annotations

from scheduler.deploy import live_logs, plan_extras
from scheduler.deploy import ops as o
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.ownership import Owner

DELETE_OPS = (
    o.DeleteFunction,
    o.DeleteRule,
    o.DeleteSchedule,
    o.DeleteScheduleGroup,
    o.DeleteRole,
    o.DeleteLogGroup,
    o.DeleteTable,
    o.DeleteQueue,
)


class DeleteGuard:
    def __init__(self, api: AwsApi, owner: Owner) -> None:
        self.api = api
        self.owner = owner

    def refusal(self, op: o.Op) -> str | None:
        match op:
            case o.DeleteFunction(function_name=name):
                return self._tagged(name, self.api.function_tags(name))
            case o.DeleteRule(name=name):
                rule = self.api.describe_rule(name)
                return None if rule is None else self._tagged(name, self.api.rule_tags(rule["Arn"]))
            case o.DeleteSchedule(name=name, group_name=group):
                read = self.api.get_schedule(name, group)
                if read is None or self.owner.owns_schedule(read, group):
                    return None
                return "not created by this stage (no cronbridge marker on the schedule)"
            case o.DeleteScheduleGroup(name=name):
                return self._group(name)
            case o.DeleteRole(name=name):
                return self._tagged(name, self.api.role_tags(name))
            case o.DeleteLogGroup(name=name):
                return self._log_group(name)
            case o.DeleteTable(name=name):
                return self._tagged(name, self.api.table_tags(name))
            case o.DeleteQueue(name=name):
                return self._tagged(name, self.api.queue_tags(name))
        return None

    def _tagged(self, name: str, tags: dict[str, str] | None) -> str | None:
        if tags is None or self.owner.owns(tags, name):
            return None  # gone already, or ours
        return f"not owned by {self.owner.prefix} stage {self.owner.stage} (its tags say otherwise)"

    def _log_group(self, name: str) -> str | None:
        """Logs' own listing, then its tags; named after one of our functions."""
        listed = live_logs.list_log_groups(self.api, name).get(name)
        if listed is None:
            return None
        tags = live_logs.log_group_tags(self.api, str(listed.get("logGroupArn", "")))
        if tags is None or plan_extras.owns_log_group(self.owner, tags, name):
            return None
        return f"not owned by {self.owner.prefix} stage {self.owner.stage} (its tags say otherwise)"

    def _group(self, name: str) -> str | None:
        group = self.api.maybe("scheduler", "get_schedule_group", f"group {name}", Name=name)
        if group is None:
            return None
        tags = self.api.group_tags(name, str(group["Arn"]))
        refusal = self._tagged(name, tags if tags is not None else {})
        if refusal:
            return refusal
        # Deleting a group deletes every schedule in it: refuse while any is not ours.
        foreign = sorted(
            s["Name"]
            for s in self.api.list_schedules(name)
            if not self.owner.owns_schedule(self.api.get_schedule(s["Name"], name), name)
        )
        if foreign:
            return f"it holds schedules this stage did not create: {', '.join(foreign)}"
        return None
