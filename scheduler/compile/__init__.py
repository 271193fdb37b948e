"""Compile a catalogue plus a stage into the desired resources of that stage.

Pure: no boto3, no AWS calls, no file I/O. The account id and region are inputs because
ARNs embed them; nothing is resolved at deploy time (``ssm:`` env values stay references).
"""

from __future__ import annotations

from scheduler.compile.compiler import DELIVERY_RETRY, compile_catalogue

__all__ = ["DELIVERY_RETRY", "compile_catalogue"]
