"""Alerts: a job's trouble told once, on SNS (AWS) or in ``.cronbridge/alerts.log`` (local).

``transitions`` decides which health change deserves a message (pure), ``message`` writes it
for a human (pure, stdlib: the worker renders ``dead`` with it at run time), ``notified``
remembers the last state told per job with a conditional write, ``sns`` publishes.
"""
