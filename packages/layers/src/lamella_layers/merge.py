"""Keras 2.3's merge layers and their functional forms.

``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum`` combine a list of
tensors element-wise (inputs of lower rank get axes inserted after the batch axis, then
broadcast, as in Keras); ``Concatenate(axis)`` joins them; ``Dot(axes, normalize)`` is
Keras's ``batch_dot`` (with ``normalize=True``: the cosine proximity). Masks are combined as
Keras does (logical AND).

Example::

    import torch
    from lamella_layers.merge import add, concatenate, dot

    a, b = torch.ones(2, 3), torch.full((2, 3), 2.0)
    add([a, b])                      # all 3
    concatenate([a, b]).shape        # (2, 6)
    dot([a, b], axes=1)              # [[6.], [6.]]
"""

import torch

from lamella.engine.base_layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _is_shape_list(input_shape):
    return isinstance(input_shape, list) and all(
        isinstance(s, (tuple, list)) for s in input_shape)


class _Merge(Layer):
    """The element-wise merge base (Keras's ``_Merge``)."""

    _min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, input_shape):
        owner = type(self).__name__
        if not _is_shape_list(input_shape):
            raise ValueError(f"{owner}: a merge layer should be called on a list of inputs; got "
                             f"an input of shape {input_shape!r}.")
        if len(input_shape) < self._min_inputs:
            raise ValueError(f"{owner}: a merge layer should be called on a list of at least "
                             f"{self._min_inputs} inputs; got {len(input_shape)} inputs.")

    @staticmethod
    def _elementwise_shape(shape1, shape2):
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return _Merge._elementwise_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(f"Operands could not be broadcast together with shapes "
                                 f"{tuple(shape1)} {tuple(shape2)}")
        return tuple(out)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        shape = tuple(input_shape[0][1:])
        for other in input_shape[1:]:
            shape = self._elementwise_shape(shape, tuple(other[1:]))
        batch = {s[0] for s in input_shape} - {None}
        return ((batch.pop() if len(batch) == 1 else None),) + shape

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{type(self).__name__}: a merge layer should be called on a list "
                             f"of inputs.")
        ranks = [x.dim() for x in inputs]
        if len(set(ranks)) > 1:
            top = max(ranks)
            inputs = [x.reshape(x.shape[:1] + (1,) * (top - x.dim()) + x.shape[1:])
                      for x in inputs]
        return self._merge(list(inputs))

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError("`mask` should be a list.")
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        if not all(torch.is_tensor(m) for m in masks):
            return True  # symbolic: some mask flows
        result = masks[0]
        for m in masks[1:]:
            result = result & m
        return result


class Add(_Merge):
    """Sums its inputs. Example: ``Add()([a, b])``."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    Example: ``Subtract()([torch.ones(1, 2), torch.ones(1, 2)])`` is zeros````.
    """

    def _check_inputs(self, input_shape):
        super()._check_inputs(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Subtract: a `Subtract` layer should be called on exactly 2 "
                             f"inputs; got {len(input_shape)}.")

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError("Subtract: a `Subtract` layer should be called on exactly 2 inputs.")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """The element-wise product of its inputs.

    Example: ``Multiply()([torch.full((1, 2), 2.0), torch.full((1, 2), 3.0)])`` is all ``6``.
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(_Merge):
    """The element-wise mean of its inputs.

    Example: ``Average()([torch.zeros(1, 2), torch.full((1, 2), 2.0)])`` is all ``1``.
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(_Merge):
    """The element-wise maximum of its inputs.

    Example: ``Maximum()([torch.zeros(1, 2), torch.ones(1, 2)])`` is all ``1``.
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = torch.maximum(out, x)
        return out


class Minimum(_Merge):
    """The element-wise minimum of its inputs.

    Example: ``Minimum()([torch.zeros(1, 2), torch.ones(1, 2)])`` is all ``0``.
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = torch.minimum(out, x)
        return out


class Concatenate(_Merge):
    """Concatenates its inputs along ``axis`` (default the last).

    Example: ``Concatenate(axis=1)([torch.ones(1, 2, 3), torch.ones(1, 4, 3)]).shape == (1, 6, 3)``.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"Concatenate: `axis` must be an integer; got {axis!r}.")
        self.axis = axis

    def _check_inputs(self, input_shape):
        super()._check_inputs(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(f"Concatenate: a `Concatenate` layer requires inputs with matching "
                             f"shapes except for the concat axis. Got inputs shapes: "
                             f"{[tuple(s) for s in input_shape]}")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"Concatenate: `axis` {self.axis} is out of range for inputs of "
                             f"rank {rank}.")
        axis = self.axis % rank
        reduced = {tuple(d for i, d in enumerate(s) if i != axis and d is not None and i)
                   for s in input_shape}
        shapes = [[d for i, d in enumerate(s) if i != axis] for s in input_shape]
        for dims in zip(*shapes):
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(f"Concatenate: a `Concatenate` layer requires inputs with "
                                 f"matching shapes except for the concat axis. Got inputs "
                                 f"shapes: {[tuple(s) for s in input_shape]}")
        del reduced

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        out = list(input_shape[0])
        axis = self.axis % len(out)
        for shape in input_shape[1:]:
            if out[axis] is None or shape[axis] is None:
                out[axis] = None
            else:
                out[axis] += shape[axis]
        for i in range(len(out)):
            if i != axis and out[i] is None:
                out[i] = next((s[i] for s in input_shape if s[i] is not None), None)
        return tuple(out)

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError("`mask` should be a list of the same length as `inputs`.")
        if all(m is None for m in mask):
            return None
        if not all(torch.is_tensor(x) for x in inputs):
            return True
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(torch.ones_like(x, dtype=torch.bool))
            elif m.dim() < x.dim():
                masks.append(m.unsqueeze(-1).expand(x.shape))
            else:
                masks.append(m)
        return torch.cat(masks, dim=self.axis).all(dim=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis):
    """Keras's ``K.l2_normalize``: ``x / sqrt(max(sum(x**2), 1e-12))``."""
    square_sum = (x * x).sum(dim=axis, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def batch_dot(x, y, axes):
    """Keras 2.3's ``K.batch_dot`` with both axes given (batch axis 0 excluded)."""
    ax, ay = axes
    if x.dim() == 2 and y.dim() == 2:
        if ax == ay:
            return (x * y).sum(dim=ax, keepdim=True)
        return (x.transpose(0, 1) * y).sum(dim=ay, keepdim=True) if ax == 0 else \
            (x * y.transpose(0, 1)).sum(dim=ax, keepdim=True)
    xm = x.movedim(ax, -1)
    ym = y.movedim(ay, 1)
    x_rest, y_rest = xm.shape[1:-1], ym.shape[2:]
    out = torch.bmm(xm.reshape(x.shape[0], -1, xm.shape[-1]),
                    ym.reshape(y.shape[0], ym.shape[1], -1))
    out = out.reshape((x.shape[0],) + tuple(x_rest) + tuple(y_rest))
    if out.dim() == 1:
        out = out.unsqueeze(1)
    return out


class Dot(_Merge):
    """The dot product of two tensors along ``axes`` (an int or a pair), per sample.

    ``normalize=True`` L2-normalises both along the axes first (cosine proximity).

    Example: ``Dot(axes=1)([torch.ones(2, 3), torch.ones(2, 3)])`` is ``[[3.], [3.]]``.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot: `axes` must be an integer or a list of 2 integers; got "
                                 f"{axes!r}.")
            axes = tuple(axes)
        elif isinstance(axes, bool) or not isinstance(axes, int):
            raise ValueError(f"Dot: `axes` must be an integer or a list of 2 integers; got "
                             f"{axes!r}.")
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolved_axes(self, ranks):
        if isinstance(self.axes, int):
            return [self.axes % ranks[0], self.axes % ranks[1]] if self.axes < 0 else \
                [self.axes, self.axes]
        return [a % r if a < 0 else a for a, r in zip(self.axes, ranks)]

    def _check_inputs(self, input_shape):
        super()._check_inputs(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Dot: a `Dot` layer should be called on a list of 2 inputs; got "
                             f"{len(input_shape)}.")
        shape1, shape2 = input_shape
        ax1, ax2 = self._resolved_axes([len(shape1), len(shape2)])
        if not (0 < ax1 < len(shape1) and 0 < ax2 < len(shape2)):
            raise ValueError(f"Dot: `axes` {self.axes!r} out of range for shapes "
                             f"{tuple(shape1)} and {tuple(shape2)}.")
        if shape1[ax1] is not None and shape2[ax2] is not None and shape1[ax1] != shape2[ax2]:
            raise ValueError(f"Dot: dimension incompatibility {shape1[ax1]} != {shape2[ax2]}. "
                             f"Layer shapes: {tuple(shape1)}, {tuple(shape2)}")

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        ax1, ax2 = self._resolved_axes([len(shape1), len(shape2)])
        shape1.pop(ax1)
        shape2.pop(ax2)
        shape2.pop(0)
        out = shape1 + shape2
        if len(out) == 1:
            out += [1]
        return tuple(out)

    def call(self, inputs):
        if len(inputs) != 2:
            raise ValueError("Dot: a `Dot` layer should be called on exactly 2 inputs.")
        x1, x2 = inputs
        axes = self._resolved_axes([x1.dim(), x2.dim()])
        if self.normalize:
            x1 = _l2_normalize(x1, axes[0])
            x2 = _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """Functional ``Add``: ``add([a, b])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional ``Subtract``: ``subtract([a, b])`` is ``a - b``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional ``Multiply``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional ``Average``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional ``Maximum``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional ``Minimum``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional ``Concatenate``: ``concatenate([a, b], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional ``Dot``: ``dot([a, b], axes=1)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
