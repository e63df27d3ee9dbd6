"""Control flow: ``switch``, ``in_train_phase``/``in_test_phase``, ``rnn`` (Keras's
step-function loop), ``map_fn``, ``foldl`` and ``foldr``, as eager Python loops over torch
tensors (autograd records them; ``unroll`` changes nothing in the result).

Example::

    from lamella import backend as K

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, W) + K.dot(states[0], U))
        return h, [h]

    last, outputs, states = K.rnn(step, x, [K.zeros_like(x[:, 0, :units])], mask=mask)
"""

import torch

from lamella.backend import config
from lamella.backend._tensors import to_tensor
from lamella.engine.dtypes import as_torch_dtype


def _value(expression):
    return expression() if callable(expression) else expression


def switch(condition, then_expression, else_expression):
    """``then_expression`` where ``condition`` holds, else ``else_expression``: a scalar
    condition picks one whole expression (calling it when it is a callable); a tensor
    condition of rank up to the expressions' selects element-wise, broadcast over their
    trailing axes."""
    if isinstance(condition, (bool, int, float)):
        return _value(then_expression) if condition else _value(else_expression)
    condition = to_tensor(condition)
    if condition.dim() == 0:
        return _value(then_expression) if bool(condition) else _value(else_expression)
    then_value = to_tensor(_value(then_expression))
    else_value = to_tensor(_value(else_expression))
    if condition.dim() > then_value.dim():
        raise ValueError("Rank of `condition` should be less than or equal to rank of "
                         f"`then_expression` and `else_expression`. ndim(condition)="
                         f"{condition.dim()}, ndim(then_expression)={then_value.dim()}")
    condition = condition.bool().reshape(
        tuple(condition.shape) + (1,) * (then_value.dim() - condition.dim()))
    return torch.where(condition, then_value, else_value.to(then_value.dtype))


def in_train_phase(x, alt, training=None):
    """``x`` in the training phase, ``alt`` otherwise (either may be a callable).
    ``training`` defaults to ``learning_phase()``; it may be a bool, ``0``/``1`` or a tensor
    (a 0-d tensor picks one, a batch of flags selects per sample)."""
    if training is None:
        training = config.learning_phase()
    if not torch.is_tensor(training) and training in (0, 1):  # Python bools and ints
        return _value(x) if training else _value(alt)
    return switch(training, x, alt)


def in_test_phase(x, alt, training=None):
    """``x`` in the inference phase, ``alt`` otherwise."""
    return in_train_phase(alt, x, training=training)


def _expand_mask(mask_t, value):
    """The ``(batch, 1)`` mask broadcast against ``value`` ``(batch, ...)``."""
    return mask_t.reshape(mask_t.shape[:1] + (1,) * (value.dim() - 1))


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None,
        constants=None, unroll=False, input_length=None):
    """Iterate ``step_function(input_t, states + constants) -> (output_t, new_states)`` over
    the time axis (1) of ``inputs`` ``(samples, time, ...)``.

    Returns ``(last_output, outputs, new_states)``: ``outputs`` is ``(samples, time, ...)``
    (in the order of iteration, so reversed with ``go_backwards``). Where ``mask``
    ``(samples, time)`` is 0 the step's output is the previous step's output (zeros before the
    first) and the states stay unchanged, as in Keras 2.3.1.
    """
    inputs = to_tensor(inputs)
    if inputs.dim() < 3:
        raise ValueError(f"rnn: inputs need at least 3 dimensions (samples, time, ...), got "
                         f"shape {tuple(inputs.shape)}")
    steps = inputs.shape[1]
    if input_length is not None and int(input_length) != steps:
        raise ValueError(f"rnn: input_length={input_length} but the inputs have {steps} "
                         f"timesteps")
    if unroll and steps == 0:
        raise ValueError("Unrolling requires a fixed number of timesteps.")
    states = list(initial_states)
    constants = list(constants or [])
    if mask is not None:
        if not states:
            raise ValueError("No initial states provided! When using masking in an RNN, you "
                             "should provide initial states (and your step function should "
                             "return as its first state at time `t` the output at time `t-1`).")
        mask = to_tensor(mask).bool()
        if mask.dim() == 3:
            mask = mask[..., 0]
        if tuple(mask.shape) != tuple(inputs.shape[:2]):
            raise ValueError(f"rnn: the mask's shape {tuple(mask.shape)} is not the inputs' "
                             f"(samples, time) {tuple(inputs.shape[:2])}")
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs = []
    prev_output = None
    for t in order:
        output, new_states = step_function(inputs[:, t], states + constants)
        new_states = list(new_states)
        if mask is not None:
            mask_t = mask[:, t]
            if prev_output is None:
                prev_output = torch.zeros_like(output)
            output = torch.where(_expand_mask(mask_t, output), output, prev_output)
            new_states = [torch.where(_expand_mask(mask_t, new), new, old)
                          for new, old in zip(new_states, states)]
        prev_output = output
        outputs.append(output)
        states = new_states
    if not outputs:
        raise ValueError("rnn: the inputs have no timesteps")
    return outputs[-1], torch.stack(outputs, dim=1), states


def map_fn(fn, elems, name=None, dtype=None):
    """``fn`` applied to each element of ``elems`` along its first axis, the results
    stacked."""
    elems = to_tensor(elems)
    out = torch.stack([to_tensor(fn(e)) for e in elems.unbind(0)])
    return out if dtype is None else out.to(as_torch_dtype(dtype))


def foldl(fn, elems, initializer=None, name=None):
    """``fn(accumulator, element)`` over ``elems`` from first to last (the first element is
    the initial accumulator when ``initializer`` is ``None``)."""
    items = list(to_tensor(elems).unbind(0))
    return _fold(fn, items, initializer, "foldl")


def foldr(fn, elems, initializer=None, name=None):
    """``fn(accumulator, element)`` over ``elems`` from last to first."""
    items = list(reversed(to_tensor(elems).unbind(0)))
    return _fold(fn, items, initializer, "foldr")


def _fold(fn, items, initializer, name):
    if initializer is None:
        if not items:
            raise ValueError(f"{name}: elems is empty and there is no initializer")
        accumulator, items = items[0], items[1:]
    else:
        accumulator = initializer
    for item in items:
        accumulator = fn(accumulator, item)
    return accumulator

