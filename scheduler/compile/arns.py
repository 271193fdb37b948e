"""ARN builders for the resources a stage owns. Pure string formatting, no AWS calls."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arns:
    account_id: str
    region: str
    partition: str = "aws"

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    def function(self, name: str) -> str:
        return self._arn("lambda", f"function:{name}")

    def functions_matching(self, pattern: str) -> str:
        return self._arn("lambda", f"function:{pattern}")

    def rule(self, name: str) -> str:
        return self._arn("events", f"rule/{name}")

    def table(self, name: str) -> str:
        return self._arn("dynamodb", f"table/{name}")

    def queue(self, name: str) -> str:
        return self._arn("sqs", name)

    def queue_url(self, name: str) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"

    def role(self, name: str, path: str = "/") -> str:
        """A role's ARN carries its IAM path: ``role/cronbridge/p/s/name``."""
        return self._arn("iam", f"role{path}{name}", regional=False)

    def policy(self, name_or_arn: str) -> str:
        """A customer managed policy by name (this account), or an ARN as given."""
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return self._arn("iam", f"policy/{name_or_arn}", regional=False)

    def schedule_group(self, name: str) -> str:
        return self._arn("scheduler", f"schedule-group/{name}")

    def schedule(self, group: str, name: str) -> str:
        return self._arn("scheduler", f"schedule/{group}/{name}")

    def schedules_in_group(self, group: str, name_prefix: str = "") -> str:
        return self._arn("scheduler", f"schedule/{group}/{name_prefix}*")

    def log_groups(self, pattern: str) -> str:
        return self._arn("logs", f"log-group:{pattern}")

    def log_group(self, name: str) -> str:
        """The form the tagging API and ``logGroupArn`` use (no trailing ``:*``)."""
        return self._arn("logs", f"log-group:{name}")

    def topic(self, name: str) -> str:
        return self._arn("sns", name)

    def ssm_parameter(self, name: str) -> str:
        return self._arn("ssm", f"parameter/{name.lstrip('/')}")
