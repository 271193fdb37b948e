"""Calls that fail for a while after a new IAM role or policy, until IAM has propagated.

IAM is eventually consistent: a role created (or a policy put) seconds ago may not yet be
assumable or effective where Lambda and EventBridge Scheduler check it, and they answer
with a validation error, not a throttle, so botocore does not retry. The errors:

- CreateFunction: ``InvalidParameterValueException`` "The role defined for the function
  cannot be assumed by Lambda."
- PutFunctionEventInvokeConfig: ``InvalidParameterValueException`` "The function's
  execution role does not have permissions to call SendMessage on arn:aws:sqs:..." (the
  on-failure destination is checked against the role's policy; reported for this call in
  aws-amplify/amplify-cli#10395, for the same check on a DLQ in elastic/beats#13963).
- CreateSchedule / UpdateSchedule: ``ValidationException`` "The execution role you provide
  must allow AWS EventBridge Scheduler to assume the role." (aws/aws-sdk-js-v3#6494).

https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
"""

from __future__ import annotations

from typing import Any

from scheduler.deploy.awsapi import AwsApi
from scheduler.errors import AwsCallError

TRIES = 10
DELAY = 3.0

# (service, operation) -> (error code, a phrase its message carries when a role is not ready)
_NOT_READY = {
    ("lambda", "create_function"): ("InvalidParameterValueException", "role"),
    ("lambda", "put_function_event_invoke_config"): ("InvalidParameterValueException", "role"),
    ("scheduler", "create_schedule"): ("ValidationException", "execution role"),
    ("scheduler", "update_schedule"): ("ValidationException", "execution role"),
}


def role_not_ready(service: str, operation: str, err: AwsCallError) -> bool:
    code, phrase = _NOT_READY.get((service, operation), ("", ""))
    return bool(code) and err.code == code and phrase in str(err.message).lower()


class PatientApi:
    """``AwsApi.call`` retried (``TRIES`` times, ``DELAY`` s apart) while a role propagates."""

    def __init__(self, api: AwsApi) -> None:
        self.api = api

    def call(self, service: str, operation: str, resource: str, **kwargs: Any) -> Any:
        for attempt in range(TRIES):
            try:
                return self.api.call(service, operation, resource, **kwargs)
            except AwsCallError as err:
                if attempt + 1 == TRIES or not role_not_ready(service, operation, err):
                    raise
                self.api.sleep(DELAY)
        raise AssertionError("unreachable")  # pragma: no cover
