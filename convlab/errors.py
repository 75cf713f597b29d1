"""The exceptions convlab raises: shapes that do not fit, classes that cannot be graded."""


class ShapeError(ValueError):
    """An array shape or hyperparameter that does not fit the operation.

    A subclass of ValueError, so ``except ValueError`` catches it too.
    """


class ClassroomError(Exception):
    """A class that cannot be set up or graded (convlab.classroom), with the reason."""
