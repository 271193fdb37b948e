"""``python -m scheduler`` runs the cronbridge CLI."""

from scheduler.cli.entry import run

run()
