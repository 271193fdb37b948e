"""Operating deployed jobs without editing ``jobs.yaml``: pause/resume and backfill.

``slots`` is pure (which past slots a backfill covers); ``backfill`` dispatches slots through
an injected ``Invoker`` and reads outcomes through an injected ledger reader; ``pause`` and
``toggle`` switch a job's rules or schedules off and on, with the pause recorded in the
runs table. No argparse here and no boto3 import: clients are handed in.
"""
