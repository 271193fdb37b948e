"""What this stage owns: the one rule deploy, prune and destroy use before touching anything.

A resource is ours only if BOTH its name and its markers say so:

- its name is ``<prefix>-<stage>`` or starts with ``<prefix>-<stage>-`` (prefix and stage
  hold no hyphen, so no other catalogue's names share that start);
- tagged resources carry ``cronbridge:managed-by``, ``cronbridge:stage`` and
  ``cronbridge:prefix`` with our values. A resource deployed before the prefix tag existed
  (no ``cronbridge:prefix`` at all) counts as ours by its name alone; one carrying another
  prefix never does;
- EventBridge Scheduler schedules take no tags, so a schedule is ours only when its name,
  its description marker, its target (one of our functions) and its role (one of ours)
  all match what deploy or the worker writes. A schedule made by hand in our group is not.

Pure: no AWS calls. The planner decides with it, and the executor asks it again, on a fresh
read, right before every delete.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scheduler import contract

# The worker names retry schedules ``<job>.<attempt>.<8 hex>`` (scheduler/worker/retry.py);
# local mode's on-demand runs ``<job>.run.<8 hex>`` (scheduler/local/invoker.py); a pause's
# expiry ``<job>.resume.<8 hex>`` (scheduler/operate/pause.py).
_RETRY_NAME = re.compile(r"^(?P<job>[a-z][a-z0-9-]*)\.(\d+|run|resume)\.[0-9a-f]{8}$")


@dataclass(frozen=True)
class Owner:
    prefix: str
    stage: str

    @property
    def base(self) -> str:
        return f"{self.prefix}-{self.stage}"

    @property
    def jobs_group(self) -> str:
        return self.base

    @property
    def retry_group(self) -> str:
        return f"{self.base}-retries"

    def named(self, name: str) -> bool:
        """``name`` is one of this stage's names (``<prefix>-<stage>`` or ``...-*``)."""
        return name == self.base or name.startswith(self.base + "-")

    def owns(self, tags: dict[str, str] | None, name: str) -> bool:
        """Tagged resources: our name, our managed-by and stage, and our (or no) prefix."""
        if not tags or not self.named(name):
            return False
        if tags.get(contract.TAG_MANAGED_BY) != contract.MANAGED_BY_VALUE:
            return False
        if tags.get(contract.TAG_STAGE) != self.stage:
            return False
        # Before the prefix tag existed only the name told catalogues apart; a resource
        # without the tag is ours by name alone, one with another prefix never is.
        return tags.get(contract.TAG_PREFIX, self.prefix) == self.prefix

    def function_of(self, arn: str) -> str | None:
        """The function name in a Lambda ARN, when it is one of this stage's names."""
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            return None
        name = parts[6]
        return name if name.startswith(self.base + "-") else None

    def _our_role(self, arn: str) -> bool:
        role = arn.rsplit("/", 1)[-1] if ":role/" in arn else ""
        return role.startswith(self.base + "-")

    def owns_schedule(self, schedule: dict[str, Any] | None, group: str) -> bool:
        """A ``GetSchedule`` answer: made by deploy (jobs group) or by the worker (retries)?"""
        if not schedule:
            return False
        name = str(schedule.get("Name", ""))
        target = schedule.get("Target") or {}
        function = self.function_of(str(target.get("Arn", "")))
        if function is None or not self._our_role(str(target.get("RoleArn", ""))):
            return False
        job = function[len(self.base) + 1 :]
        description = str(schedule.get("Description", ""))
        if group == self.jobs_group:
            if not re.fullmatch(re.escape(function) + r"(-\d+)?", name):
                return False
            if not description.startswith(f"cronbridge {self.stage} {job}"):
                return False
            return _input_job(target.get("Input")) == job
        if group == self.retry_group:
            match = _RETRY_NAME.match(name)
            return bool(
                match
                and match.group("job") == job
                and description.startswith(
                    (contract.RETRY_DESCRIPTION_PREFIX, contract.RESUME_DESCRIPTION_PREFIX)
                )
            )
        return False


def _input_job(text: Any) -> str | None:
    try:
        data = json.loads(str(text))
    except ValueError:
        return None
    return str(data.get("job")) if isinstance(data, dict) else None
