"""The Lambda worker every job function runs: entry (handler), runtime (state machine),
context (the ctx handlers get), retry (one-time schedules), secrets (ssm: refs).

Nothing here may import pydantic, yaml, croniter, the catalogue or the schedule grammar.
"""
