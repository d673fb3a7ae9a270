"""kmslint, a linter for AWS KMS keys in CloudFormation templates and for KMS key policies.

The wheel's payload is the native ``kmslint`` binary, installed in the environment's scripts
directory; this package only lets ``python -m kmslint`` (``__main__.py``) find and run it, as
``python -m ruff`` does for ruff. It imports nothing: ``python -m`` imports the package
before running ``__main__``, and a ``__main__`` already imported here would run twice.
"""
