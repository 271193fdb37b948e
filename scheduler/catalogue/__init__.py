"""The jobs.yaml catalogue: models, loading with positions, and validation. No AWS."""

import os

# pydantic looks for plugins (the entry points of every installed distribution) as it
# builds each model class: a tenth of a second or more in a CI virtualenv, for plugins
# the catalogue's models never use. Switched off while they are built, then restored, so
# code imported later (a handler `local simulate` runs in-process) still gets its plugins.
# https://docs.pydantic.dev/latest/concepts/plugins/
_PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
_plugins_setting = os.environ.get(_PLUGINS_ENV)
os.environ[_PLUGINS_ENV] = "__all__"
try:
    from scheduler.catalogue.loader import load_catalogue, read_catalogue
    from scheduler.catalogue.models import Catalogue, CatalogueFile, Job, RetryPolicy
    from scheduler.catalogue.problems import Problem
finally:
    if _plugins_setting is None:
        del os.environ[_PLUGINS_ENV]
    else:
        os.environ[_PLUGINS_ENV] = _plugins_setting

__all__ = [
    "Catalogue",
    "CatalogueFile",
    "Job",
    "Problem",
    "RetryPolicy",
    "load_catalogue",
    "read_catalogue",
]
