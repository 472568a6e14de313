"""Schemathesis hooks for InvoicePilot's API fuzzing run (loaded through SCHEMATHESIS_HOOKS).

CPython 3.11 before 3.11.8 can raise `SystemError: AST constructor recursion depth mismatch`
from `ast.parse` deep inside a call stack (gh-106905). Hypothesis parses source files to name
the lambdas of a strategy's `.filter()`, only for its repr, so that bug aborted whole
operations in the coverage phase. A lambda whose source cannot be parsed is named the way
Hypothesis names any it cannot read; test generation is unchanged.
"""

import hypothesis.internal.lambda_sources as _lambda_sources

_describe = _lambda_sources._lambda_description


def _describe_or_unknown(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


_lambda_sources._lambda_description = _describe_or_unknown
