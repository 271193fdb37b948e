"""``cronbridge ui`` and ``cronbridge report``: the run ledger as web pages.

Layers, one way: ``views`` (pure view models: health rows, heatmap buckets, duration
stats) and ``svg`` (pure inline charts) know nothing of HTTP or AWS; ``source`` reads the
ledger and the dead-letter queue through ``scheduler.ledger`` / ``scheduler.dlq`` with
injected clients; ``render`` turns view models into HTML with autoescaping Jinja2
templates; ``app`` is the Starlette app (routes, Host check, CSRF, read-only mode).
Nothing here is imported by the worker, and Starlette/Jinja2 load only with this package.
"""
