"""The jobs.yaml catalogue: models, loading with positions, and validation. No AWS."""

from scheduler.catalogue.loader import load_catalogue, read_catalogue
from scheduler.catalogue.models import Catalogue, CatalogueFile, Job, RetryPolicy
from scheduler.catalogue.problems import Problem

__all__ = [
    "Catalogue",
    "CatalogueFile",
    "Job",
    "Problem",
    "RetryPolicy",
    "load_catalogue",
    "read_catalogue",
]
