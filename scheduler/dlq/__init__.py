"""Dead-letter queue: the worker's sender, and decoding/listing/redrive/purge for the CLI.

Import submodules directly (``scheduler.dlq.sender`` for the worker, ``scheduler.dlq.queue``
for the CLI) so the worker never loads the CLI-side code.
"""
