"""``python -m scheduler`` runs the cronbridge CLI."""

from scheduler.cli.main import main

raise SystemExit(main())
