"""Base classes for initializers, regularizers and constraints."""


class Initializer:
    """Makes a weight's initial value: ``initializer(shape, dtype=None) -> torch.Tensor``.

    Example::

        class Fives(Initializer):
            def __call__(self, shape, dtype=None):
                return torch.full(shape, 5.0)
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


class Regularizer:
    """A penalty on a weight, added to the training loss: ``regularizer(weight) -> scalar``."""

    def __call__(self, weight):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Constraint:
    """A projection applied to a weight after each optimizer step: ``constraint(w) -> w'``."""

    def __call__(self, weight):
        return weight

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
