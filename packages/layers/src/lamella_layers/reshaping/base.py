"""What the shape layers share: ``_Spatial`` (the data format, the input rank and the output
shape from one length rule per axis) and ``_pairs`` (Keras's ``cropping``/``padding``
arguments: an int, one int per axis, or a ``(before, after)`` pair per axis).

Example::

    from lamella_layers.reshaping.base import _pairs

    _pairs("ZeroPadding2D", "padding", (1, 2), 2)        # ((1, 1), (2, 2))
"""

from lamella.engine.base_layer import InputSpec, Layer
from lamella_layers import _utils


def _pairs(owner, argument, value, rank):
    """An int, ``rank`` ints (symmetric) or ``rank`` pairs -> ``((a, b), ...)``."""
    def bad():
        raise ValueError(f"{owner}: `{argument}` must be an int, a tuple of {rank} ints or a "
                         f"tuple of {rank} tuples of 2 ints; got {value!r}.")
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            bad()
        return ((value, value),) * rank
    try:
        items = list(value)
    except TypeError:
        bad()
    if rank == 1 and len(items) == 2 and all(isinstance(i, int) for i in items):
        pairs = [tuple(items)]
    elif len(items) != rank:
        bad()
    else:
        pairs = []
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                pairs.append((item, item))
            else:
                try:
                    pair = tuple(int(v) for v in item)
                except TypeError:
                    bad()
                if len(pair) != 2:
                    bad()
                pairs.append(pair)
    if any(v < 0 for pair in pairs for v in pair):
        bad()
    return tuple(tuple(p) for p in pairs)


class _Spatial(Layer):
    """A layer that changes the spatial axes only; subclasses give ``rank`` and
    ``_new_length(axis, length)``. 1-D layers are always channels_last, as in Keras.

    Example: ``ZeroPadding2D(1).compute_output_shape((None, 3, 3, 2)) == (None, 5, 5, 2)``.
    """

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if self.rank == 1:
            self.data_format = "channels_last"
        else:
            self.data_format = _utils.normalize_data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _channels(self, shape):
        return shape[-1] if self.data_format == "channels_last" else shape[1]

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        space = tuple(None if d is None else self._new_length(i, d)
                      for i, d in enumerate(_utils.spatial_of(input_shape, self.data_format)))
        return _utils.with_spatial(input_shape, self.data_format, space,
                                   self._channels(input_shape))

    def _config(self):
        config = super().get_config()
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config
