"""The deploy engine: desired-resource model, packaging, plan, apply and template export."""
