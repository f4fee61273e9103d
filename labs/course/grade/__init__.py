"""The grader: ``tracelab grade``. :mod:`.run` runs and scores, :mod:`.worker` executes one
notebook in its own process, :mod:`.report` writes the gradebook, feedback and class summary."""
from .run import GradeError, Row, grade

__all__ = ["GradeError", "Row", "grade"]
