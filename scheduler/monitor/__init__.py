"""The stage's monitor: every five minutes, health and alerts per job, and catch-up runs.

On AWS it is one small Lambda function per stage (``scheduler.monitor.entry``) fired by an
EventBridge rule every five minutes; locally the same ``Monitor`` runs in the platform's
process when the ticker fires that rule (``local up``, ``local simulate``).
"""
