"""Resolve ``ssm:/path`` secret references in the function's environment, once per container.

Deploy leaves secret env values as references (``API_KEY=ssm:/team/api-key``) and grants
``ssm:GetParameter`` on them; the worker swaps in the decrypted values before the first
handler call. The SSM client is created only when at least one reference exists, so jobs
without secrets never pay for it. Failures raise (the attempt is recorded as FAILED).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

SSM_PREFIX = "ssm:"
_BATCH = 10  # GetParameters takes at most 10 names


def secret_refs(env: MutableMapping[str, str]) -> dict[str, str]:
    """{env var: parameter name} for every ``ssm:`` reference."""
    return {k: v[len(SSM_PREFIX) :] for k, v in env.items() if v.startswith(SSM_PREFIX)}


def resolve_secrets(env: MutableMapping[str, str], ssm_client: Callable[[], Any]) -> list[str]:
    """Replace references in ``env`` in place; returns the variables resolved."""
    refs = secret_refs(env)
    if not refs:
        return []
    client = ssm_client()
    names = sorted(set(refs.values()))
    values: dict[str, str] = {}
    for start in range(0, len(names), _BATCH):
        response = client.get_parameters(Names=names[start : start + _BATCH], WithDecryption=True)
        for param in response.get("Parameters", []):
            values[param["Name"]] = param["Value"]
        missing = response.get("InvalidParameters") or []
        if missing:
            raise LookupError(f"SSM parameters not found: {', '.join(missing)}")
    for var, name in refs.items():
        env[var] = values[name]
    return sorted(refs)
