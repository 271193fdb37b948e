"""Sample job handlers. Replace them with your own; each is a plain ``handler(payload, ctx)``."""
