"""The exception convlab raises for shapes and hyperparameters that do not fit."""


class ShapeError(ValueError):
    """An array shape or hyperparameter that does not fit the operation.

    A subclass of ValueError, so ``except ValueError`` catches it too.
    """
