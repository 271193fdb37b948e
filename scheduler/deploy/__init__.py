"""The deploy engine: packaging, plan, apply and template export of ``scheduler.resources``."""
