"""cronbridge: scheduled jobs on AWS Lambda, compiled from one ``jobs.yaml`` catalogue.

The package is layered one way: pure stages (``catalogue``, ``schedule``, ``compile``, the
``resources`` model it produces, ``deploy.plan``) import no boto3; AWS-facing modules are
handed their clients; ``cli`` is the composition root that wires everything together. The
Lambda ``worker`` imports only the standard library, boto3 and powertools, to keep cold
starts short.
"""

__version__ = "0.1.0"
