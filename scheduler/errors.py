"""The one error tree users see.

Every failure a user can cause or fix is a ``CronbridgeError``: a one-line message that
says what is wrong and where, plus an optional hint that says what to do. The CLI prints
``error: MESSAGE`` and ``hint: HINT`` to stderr and exits non-zero, with no traceback
unless ``--debug`` is given. Stdlib only, so the worker may import it cheaply.
"""

from __future__ import annotations

from typing import Any


class CronbridgeError(Exception):
    """A failure the user can act on."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CronbridgeError):
    """Bad command-line input (a flag value, a missing argument)."""


class CatalogueError(CronbridgeError):
    """jobs.yaml could not be loaded or is invalid; ``problems`` lists every finding."""

    def __init__(self, message: str, problems: list[Any] | None = None) -> None:
        super().__init__(message, hint="run `cronbridge validate` to see every problem")
        self.problems = list(problems or [])


class AwsCallError(CronbridgeError):
    """An AWS call failed: names the operation, the resource and AWS's error code."""

    def __init__(
        self, operation: str, resource: str, code: str, detail: str, hint: str | None = None
    ) -> None:
        super().__init__(f"{operation} on {resource} failed: {code}: {detail}", hint)
        self.operation = operation
        self.resource = resource
        self.code = code

    @classmethod
    def from_exception(cls, exc: Exception, operation: str, resource: str) -> AwsCallError:
        """Translate a botocore ``ClientError`` (or connection error) into one clear line."""
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            err = response.get("Error", {})
            code = str(err.get("Code", "Unknown"))
            detail = str(err.get("Message", "")) or str(exc)
        else:
            code, detail = type(exc).__name__, str(exc)
        return cls(operation, resource, code, detail, hint=_hint_for(code))


def _hint_for(code: str) -> str | None:
    if code in {"AccessDenied", "AccessDeniedException", "UnrecognizedClientException"}:
        return "check the AWS credentials and the deploy role's policy (deploy/)"
    if code in {"EndpointConnectionError", "ConnectionRefusedError", "ConnectTimeoutError"}:
        return "is the endpoint up? for local mode start it with `cronbridge local up`"
    if code in {"NoCredentialsError", "NoRegionError"}:
        return "set AWS_PROFILE/AWS_REGION, or pass --region; for local mode use --local"
    if code in {"ResourceNotFoundException", "ResourceNotFound"}:
        return "has this stage been deployed? try `cronbridge plan` then `cronbridge deploy`"
    return None
