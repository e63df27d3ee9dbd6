"""An optimizer's state between Keras 3's ``optimizer/vars`` and lamella's ``get_weights()``.

Keras 3 stores ``[iterations, learning_rate]`` and then each optimizer's slot variables as its
``build`` creates them: ``add_optimizer_variables(vars, ["momentum", "velocity"])`` makes them
per model variable, interleaved (Adam: ``m0, v0, m1, v1, ...``), one name at a time makes a block
(``velocity_hat`` after them with ``amsgrad``). lamella's (Keras 2.3's) ``get_weights()`` is
``[iterations]`` and then one block per slot kind (Adam: ``ms + vs + vhats``, the ``vhats``
one-element dummies without ``amsgrad``). The slots hold the same quantities in both (moments,
squared-gradient accumulators), so they carry over as they are; another optimizer, or a shape
that does not fit, keeps a fresh optimizer with a warning, as Keras does.

The step counter: Keras 3's next update uses ``t = iterations + 1``; lamella's optimizers that
reproduce Keras 2.3.1's ``iterations`` read-after-increment (Adam: ``_iterations_read_after_
increment``) use ``t = iterations + 2``. So that training resumes exactly where Keras 3 left
off (bias correction and schedules alike), such an optimizer reads Keras 3's ``k`` as ``k - 1``
and writes its own ``k`` as ``k + 1``. (Adam and SGD then continue exactly as in Keras 3;
Keras 3's RMSprop and Adagrad put ``epsilon`` inside the square root, so their next steps
differ from Keras 2.3's by that much, whatever the state.)

Example::

    values = to_keras3(model.optimizer)                  # the arrays of optimizer/vars
    from_keras3(model.optimizer, values, where="m.keras")
"""

import warnings

import numpy as np

#: ``class name -> (Keras 3 groups(config), lamella's slot kinds in block order)``; a group is
#: ``("interleave", kinds)`` or ``("block", kind)``.
LAYOUTS = {
    "Adam": (lambda c: [("interleave", ("m", "v"))] + ([("block", "vhat")] if c.get("amsgrad")
                                                       else []),
             ("m", "v", "vhat")),
    "SGD": (lambda c: [("block", "m")] if c.get("momentum") else [], ("m",)),
    "RMSprop": (lambda c: [("block", "a")], ("a",)),
    "Adagrad": (lambda c: [("block", "a")], ("a",)),
}


def _layout(optimizer):
    from lamella.plugins import lookup

    name = lookup.registered_name("optimizers", optimizer)
    entry = LAYOUTS.get(name)
    if entry is None:
        return None, name
    groups, kinds = entry
    return (groups(optimizer.get_config()), kinds), name


def _keras3_order(groups, count):
    """``[(kind, param index)]`` of Keras 3's slot variables, in file order."""
    order = []
    for mode, kinds in groups:
        if mode == "interleave":
            order += [(kind, i) for i in range(count) for kind in kinds]
        else:
            order += [(kinds, i) for i in range(count)]
    return order


def _offset(optimizer):
    """How far lamella's ``iterations`` is behind Keras 3's for the same next update."""
    return 1 if getattr(optimizer, "_iterations_read_after_increment", False) else 0


def _state(optimizer):
    weights = optimizer.get_weights()
    params = len(getattr(optimizer, "_params", []) or [])
    return weights, params


#: ``optimizer/vars``'s ``lamella_layout`` attribute for an optimizer Keras 3 does not have the
#: layout of: lamella's own ``get_weights()`` order, read back by lamella only (Keras 3 finds a
#: different variable count, warns and keeps a fresh optimizer).
OWN_LAYOUT = "get_weights"


def to_keras3(optimizer):
    """``(arrays, layout)``: what ``optimizer/vars`` holds for ``optimizer`` (``layout`` is
    ``None`` for Keras 3's, :data:`OWN_LAYOUT` for lamella's own), or ``(None, None)`` when
    it has no state yet."""
    if not getattr(optimizer, "built", False):
        return None, None
    layout, name = _layout(optimizer)
    if layout is None:
        return [np.asarray(w) for w in optimizer.get_weights()], OWN_LAYOUT
    (groups, kinds), (weights, count) = layout, _state(optimizer)
    slots = weights[1:]
    blocks = {kind: slots[i * count:(i + 1) * count] for i, kind in enumerate(kinds)}
    lr = optimizer.get_config().get("learning_rate")
    values = [np.asarray(int(weights[0]) + _offset(optimizer), dtype="int64"),
              np.asarray(lr if isinstance(lr, (int, float)) else 0.0, dtype="float32")]
    for kind, index in _keras3_order(groups, count):
        values.append(np.asarray(blocks[kind][index]))
    return values, None


def from_keras3(optimizer, datasets, where, own_layout=False):
    """Set ``optimizer``'s state from Keras 3's ``optimizer/vars`` datasets (checked shapes
    first, then read); warn and keep a fresh optimizer when it does not map. ``own_layout``:
    the datasets are lamella's ``get_weights()`` (:data:`OWN_LAYOUT`)."""
    from lamella_io.hdf5.files import read_dataset

    if own_layout:
        _restore_own(optimizer, datasets, where)
        return
    layout, name = _layout(optimizer)
    if layout is None:
        _fresh(where, f"lamella does not map Keras 3's state of the {name} optimizer")
        return
    if not getattr(optimizer, "built", False):
        _fresh(where, "the optimizer has no state yet (the model is not built)")
        return
    (groups, kinds), (weights, count) = layout, _state(optimizer)
    order = _keras3_order(groups, count)
    if len(datasets) != 2 + len(order):
        _fresh(where, f"the file holds {len(datasets)} optimizer variables, a Keras 3 {name} "
                      f"with this config over {count} trainable weights has {2 + len(order)}")
        return
    new = [np.asarray(w).copy() for w in weights]
    position = {kind: i for i, kind in enumerate(kinds)}
    targets = []
    for (kind, index), dataset in zip(order, datasets[2:]):
        slot = 1 + position[kind] * count + index
        if tuple(dataset.shape) != tuple(np.shape(new[slot])):
            _fresh(where, f"optimizer variable {dataset.name!r} has shape {dataset.shape}, "
                          f"lamella's slot has {np.shape(new[slot])}")
            return
        targets.append((slot, dataset))
    for slot, dataset in targets:
        new[slot] = read_dataset(dataset, f"optimizer variable {dataset.name!r}")
    iterations = int(read_dataset(datasets[0], "the optimizer's iterations"))
    new[0] = np.asarray(max(iterations - _offset(optimizer), 0)).astype(
        np.asarray(weights[0]).dtype)
    optimizer.set_weights(new)


def _restore_own(optimizer, datasets, where):
    from lamella_io.hdf5.files import read_dataset

    if not getattr(optimizer, "built", False):
        _fresh(where, "the optimizer has no state yet (the model is not built)")
        return
    expected = [tuple(np.shape(w)) for w in optimizer.get_weights()]
    stored = [tuple(d.shape) for d in datasets]
    if expected != stored:
        _fresh(where, f"the file holds optimizer variables of shapes {stored}, the optimizer "
                      f"has {expected}")
        return
    optimizer.set_weights([read_dataset(d, f"optimizer variable {d.name!r}") for d in datasets])


def _fresh(where, reason):
    warnings.warn(f"{where!r}: the saved optimizer state was not restored ({reason}); "
                  f"training continues with a fresh optimizer.", stacklevel=4)


__all__ = ["LAYOUTS", "OWN_LAYOUT", "from_keras3", "to_keras3"]
