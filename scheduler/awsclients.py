"""boto3 clients for the CLI, built once per command from the usual boto3 conventions.

Profile, region and ``AWS_ENDPOINT_URL`` are honoured the way boto3 does; ``--endpoint-url``
and ``--region`` override them. Clients are created lazily and cached, so a verb that
needs only DynamoDB never builds a Lambda client. Only the CLI builds this; the deploy
engine, ledger and DLQ modules are handed the clients they need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

DEFAULT_REGION = "us-east-1"


@dataclass
class AwsClients:
    """A lazy cache of boto3 clients sharing one session and endpoint."""

    region: str | None = None
    endpoint_url: str | None = None
    profile: str | None = None
    max_attempts: int = 5  # botocore's standard retry mode, first try included
    connect_timeout: float = 5
    _session: Any = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._make(service)
        return self._clients[service]

    @property
    def session(self) -> Any:
        if self._session is None:
            # botocore's session builds the very clients boto3's does (boto3 adds S3
            # transfer helpers and resources, neither used here) without importing boto3
            # and s3transfer: a tenth of a no-op deploy's wall time.
            import botocore.session

            from scheduler.awstime import use_fast_timestamps
            from scheduler.modelcache import use_model_cache

            self._session = botocore.session.Session(profile=self.profile)
            use_model_cache(self._session)
            use_fast_timestamps(self._session)
        return self._session

    @property
    def region_name(self) -> str:
        region = self.region or self.session.get_config_variable("region")
        return str(region or DEFAULT_REGION)

    def _make(self, service: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
        )
        kwargs: dict[str, Any] = {"region_name": self.region_name, "config": config}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        return self.session.create_client(service, **kwargs)

    def account_id(self) -> str:
        """The caller's account id (one STS call, cached)."""
        if "_account" not in self._clients:
            self._clients["_account"] = self.client("sts").get_caller_identity()["Account"]
        return str(self._clients["_account"])


def local_credentials_env() -> dict[str, str]:
    """Dummy credentials for the local emulator, so no real AWS account is ever touched."""
    return {
        "AWS_ACCESS_KEY_ID": os.environ.get("CRONBRIDGE_LOCAL_KEY", "testing"),
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
    }
