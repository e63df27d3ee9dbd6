"""``Optimizer``: Keras's optimizer contract, stepping torch parameters.

A Keras optimizer is created before the model's weights exist (``Adam(lr=1e-3)``), so a lamella
optimizer holds its hyper-parameters until ``compile`` binds it to the model's trainable
weights with :meth:`build`. After each backward pass the engine calls :meth:`step`, which
clips the gradients as Keras does (``clipnorm`` per tensor, ``clipvalue`` element-wise), works
out the learning rate (``decay``, schedules) and hands the rest to the subclass's
:meth:`_apply`.

As in Keras 2.3.1, ``iterations``, ``learning_rate`` (``lr``), ``decay`` and the Keras
hyper-parameters ``momentum``, ``rho``, ``beta_1``, ``beta_2`` are backend variables
(:mod:`lamella.base.optimizer_variables`): ``K.set_value(optimizer.lr, 0.01)`` between two
batches changes the next step.
"""

import functools

import numpy as np
import torch

# The schedules facade, not the optimizers one: that facade imports this module.
from lamella import schedules
from lamella.backend import variables as backend_variables
from lamella.base.optimizer_variables import (
    VARIABLE_HYPERPARAMETERS,
    HyperAttribute,
    HyperParameter,
    as_number,
    check_scalar_variable,
    is_number,
    new_variable,
)
from lamella.plugins import lookup


def _reading_numbers(method):
    """Run ``method`` with the hyper-parameter attributes reading as Python numbers."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._numbers_begin()
        try:
            return method(self, *args, **kwargs)
        finally:
            self._numbers_end()
    return wrapper


def _install_hyper_attributes(cls, names):
    """Class attributes routing ``obj.<name>`` to the optimizer's variables, for each name not
    already an attribute of ``cls`` (a subclass's own property or constant wins)."""
    for name in names:
        if not hasattr(cls, name):
            setattr(cls, name, HyperAttribute(name))


class Optimizer:
    """Base class of lamella optimizers.

    Subclasses implement ``_create_slots(params)`` (per-parameter state, returned as a list of
    tensors in a stable order, for saving) and ``_apply(params, grads, lr)`` (one update, under
    ``torch.no_grad``), and extend ``get_config``. ``_apply`` receives only the parameters that
    have a gradient this step (a frozen or unused weight has none), so it picks their slots with
    :meth:`select_slots`.

    Hyper-parameters are Keras's backend variables: ``iterations`` (int64), ``learning_rate``
    (alias ``lr``; or the schedule object given), ``decay``, and any of ``momentum``, ``rho``,
    ``beta_1``, ``beta_2`` a subclass assigns a number (``self.beta_1 = float(beta_1)``; more
    names through ``_variable_hyperparameters``). From outside they are the variables
    (``K.get_value``, ``K.set_value``, ``K.update`` work on them; assigning a number writes it
    into the variable, which keeps its identity). Inside the optimizer's own ``_apply``,
    ``_create_slots`` and ``get_config`` they read as Python numbers, the variables' current
    values, so a subclass's maths and config need no code of their own for it, and reading
    them costs no device synchronisation (the variables are CPU scalars, their values cached
    until written).

    Example::

        class PlainSGD(Optimizer):
            def _apply(self, params, grads, lr):
                torch._foreach_add_(params, grads, alpha=-lr)

        class Momentum(Optimizer):
            def _create_slots(self, params):
                self.moments = [torch.zeros_like(p) for p in params]
                return self.moments           # saved with the model, restored by set_weights

            def _apply(self, params, grads, lr):
                moments = self.select_slots(params, self.moments)
                torch._foreach_mul_(moments, 0.9)
                torch._foreach_add_(moments, grads)
                torch._foreach_add_(params, moments, alpha=-lr)

        model.compile(optimizer=PlainSGD(learning_rate=0.1), loss="mse")
        K.set_value(model.optimizer.lr, 0.01)     # the next step uses 0.01
    """

    #: Keras 2.3.1 on TensorFlow 1.x runs its ``iterations += 1`` update before the rest of the
    #: step reads ``iterations`` in some optimizers, so Adam's first update uses ``t = 2`` and
    #: its ``decay`` sees ``iterations = 1`` (measured against real Keras 2.3.1:
    #: tools/keras231/make_optimizer_fixtures.py). Optimizers reproducing that set this to True:
    #: ``iterations`` is then incremented before ``_apply`` and the learning rate are computed.
    _iterations_read_after_increment = False

    #: The attribute names that become backend variables when assigned a number (Keras's
    #: ``momentum``, ``rho``, ``beta_1``, ``beta_2``); a subclass may add its own.
    _variable_hyperparameters = VARIABLE_HYPERPARAMETERS

    #: Names among those that a subclass keeps as plain numbers (Keras's Adadelta keeps ``rho``
    #: a float, and reports it unrounded in ``get_config``).
    _constant_hyperparameters = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A subclass's get_config reads self.beta_1... as numbers (Keras reports floats), with
        # no code of its own for it.
        if "get_config" in cls.__dict__:
            cls.get_config = _reading_numbers(cls.__dict__["get_config"])
        _install_hyper_attributes(cls, cls._variable_hyperparameters)

    def __init__(self, learning_rate=0.001, clipnorm=None, clipvalue=None, decay=0.0, lr=None,
                 name=None, **kwargs):
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument {sorted(kwargs)[0]!r}. "
                f"Allowed: learning_rate (or lr), decay, clipnorm, clipvalue and the optimizer's "
                f"own hyper-parameters."
            )
        # Set first: the HyperAttribute class attributes route the hyper-parameters here.
        self.__dict__["_hyper"] = {}
        self.__dict__["_numbers_view"] = 0
        self.__dict__["_schedule"] = None
        self.name = name or type(self).__name__
        if lr is not None:
            learning_rate = lr
        decay = as_number(self.name, "decay", decay)
        if decay < 0:
            raise ValueError(f"{type(self).__name__}: decay must be >= 0, got {decay}")
        for option, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue)):
            if value is not None and value <= 0:
                raise ValueError(f"{type(self).__name__}: {option} must be > 0, got {value}")
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        # Keras 2.3.1's order and kinds: iterations (int64), learning_rate and decay (floatx).
        self._new_variable("iterations", 0, dtype="int64")
        self.learning_rate = learning_rate
        # Keras applies decay only when the optimizer was built with one (initial_decay > 0);
        # the decay variable then holds the current value.
        self.initial_decay = float(decay)
        self._new_variable("decay", decay)
        # A subclass that set a hyper-parameter before calling this gets its variable too.
        for early in self._variable_hyperparameters - self._constant_hyperparameters:
            if is_number(self.__dict__.get(early)):
                self._new_variable(early, as_number(self.name, early, self.__dict__[early]))
        self._params = None
        self._slots = []

    # --- hyper-parameters as backend variables ---------------------------------------------

    def _new_variable(self, name, value, dtype=None):
        variable, array = new_variable(value, dtype=dtype, name=f"{type(self).__name__}/{name}")
        # The maths and get_config see the number given, unrounded.
        self._hyper[name] = HyperParameter(variable, value, array)
        self.__dict__.pop(name, None)

    def _set_hyperparameter(self, name, value):
        """``self.<name> = value`` for a hyper-parameter name (see :class:`HyperAttribute`)."""
        state = self.__dict__
        entry = state["_hyper"].get(name)
        if entry is None:
            if (name in ("iterations", "decay") or name in self._variable_hyperparameters
                    and name not in self._constant_hyperparameters):
                if backend_variables.is_variable(value):
                    state["_hyper"][name] = HyperParameter(
                        check_scalar_variable(self.name, name, value))
                    return
                if is_number(value):
                    self._new_variable(name, as_number(self.name, name, value))
                    return
            state[name] = value        # a plain attribute (Adadelta's rho, or not a number)
        elif backend_variables.is_variable(value):
            # Assigning a variable replaces it, as in Keras.
            state["_hyper"][name] = HyperParameter(check_scalar_variable(self.name, name, value))
        else:
            # Assigning a number writes it into the variable, which stays the same object (in
            # Keras it would replace the variable, which a compiled model no longer reads).
            entry.write(as_number(self.name, name, value))

    def _numbers_begin(self):
        """Make ``self.<hyper-parameter>`` read as its current Python number until
        :meth:`_numbers_end` (nestable)."""
        self.__dict__["_numbers_view"] += 1

    def _numbers_end(self):
        self.__dict__["_numbers_view"] -= 1

    def hyperparameter_variables(self):
        """``{name: variable}`` for every hyper-parameter held as a backend variable
        (``iterations``, ``learning_rate``, ``decay`` and the optimizer's own, such as
        ``beta_1``), in creation order.

        Example::

            {name: K.get_value(v) for name, v in opt.hyperparameter_variables().items()}
        """
        return {name: entry.variable for name, entry in self._hyper.items()}

    # --- learning rate --------------------------------------------------------------------

    @property
    def learning_rate(self):
        """The base learning rate: a backend variable (``K.set_value(opt.learning_rate, x)``
        changes the next step), or the schedule object the optimizer was given. Assigning a
        number writes it into the variable (and replaces a schedule); assigning a schedule or a
        variable replaces the learning rate."""
        schedule = self._schedule
        if schedule is not None:
            return schedule
        entry = self._hyper["learning_rate"]
        return entry.read() if self._numbers_view else entry.variable

    @learning_rate.setter
    def learning_rate(self, value):
        owner = type(self).__name__
        if backend_variables.is_variable(value):
            self._hyper["learning_rate"] = HyperParameter(
                check_scalar_variable(owner, "learning_rate", value))
            self._schedule = None
            return
        if callable(value):
            self._schedule = value
            return
        value = as_number(owner, "learning_rate", value)
        if value < 0:
            raise ValueError(f"{owner}: learning_rate must be >= 0, got {value}")
        entry = self._hyper.get("learning_rate")
        if entry is None:
            self._new_variable("learning_rate", value)
        else:
            entry.write(value)
        self._schedule = None

    lr = learning_rate

    def current_learning_rate(self):
        """The rate the next step uses: the schedule at ``iterations``, then Keras's ``decay``."""
        hyper = self._hyper
        iterations = hyper["iterations"].read()
        schedule = self._schedule
        lr = float(schedule(iterations)) if schedule is not None else (
            hyper["learning_rate"].read())
        if self.initial_decay > 0:
            lr = lr * (1.0 / (1.0 + hyper["decay"].read() * iterations))
        return lr

    # --- binding and stepping ---------------------------------------------------------------

    def build(self, params):
        """Bind to ``params`` (the model's trainable weights) and create the slots."""
        self._params = [p for p in params]
        self._index = {id(p): i for i, p in enumerate(self._params)}
        self._numbers_begin()  # _create_slots reads hyper-parameters as numbers
        try:
            self._slots = list(self._create_slots(self._params) or [])
        finally:
            self._numbers_end()
        return self

    def select_slots(self, params, *slot_lists):
        """The entries of each per-parameter ``slot_list`` that belong to ``params``.

        ``_apply`` gets only the parameters with a gradient this step, in the order of the
        bound parameters; each slot list (one tensor per bound parameter, in that order) is
        cut down to match. In the usual step every parameter has a gradient and the lists come
        back as they are, uncopied. One slot list returns a list; several return a tuple.

        Example::

            ms, vs = self.select_slots(params, self.ms, self.vs)
        """
        if self._params is None:
            raise RuntimeError(f"{self.name}: select_slots() before build(params)")
        for slots in slot_lists:
            if len(slots) != len(self._params):
                raise ValueError(
                    f"{self.name}: select_slots expects one slot per bound parameter "
                    f"({len(self._params)}), got a list of {len(slots)}")
        if len(params) == len(self._params):
            return slot_lists if len(slot_lists) != 1 else slot_lists[0]
        try:
            idx = [self._index[id(p)] for p in params]
        except KeyError:
            raise ValueError(f"{self.name}: select_slots got a parameter this optimizer is not "
                             f"bound to (build(params) binds them)") from None
        picked = tuple([s[i] for i in idx] for s in slot_lists)
        return picked if len(picked) != 1 else picked[0]

    @property
    def built(self):
        return self._params is not None

    def _create_slots(self, params):
        return []

    def _apply(self, params, grads, lr):
        raise NotImplementedError(f"{type(self).__name__} must implement _apply(params, grads, lr)")

    def zero_grad(self):
        for p in self._params or ():
            p.grad = None

    def _clip(self, grads):
        """Clip in place as Keras 2.3.1 does: ``clipnorm`` by the global norm of all gradients
        (every gradient scaled by ``clipnorm / norm`` when ``norm >= clipnorm``), then
        ``clipvalue`` element-wise. ``param.grad`` holds the clipped values afterwards."""
        if self.clipnorm is not None:
            total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
            scale = torch.clamp(self.clipnorm / torch.clamp(total, min=1e-12), max=1.0)
            torch._foreach_mul_(grads, scale)
        if self.clipvalue is not None:
            torch._foreach_clamp_min_(grads, -self.clipvalue)
            torch._foreach_clamp_max_(grads, self.clipvalue)
        return grads

    @torch.no_grad()
    def step(self):
        """Apply one update from the gradients held in ``param.grad``."""
        if self._params is None:
            raise RuntimeError(f"{self.name}: step() before build(params); compile the model first")
        pairs = [(p, p.grad) for p in self._params if p.grad is not None]
        iterations = self._hyper["iterations"]
        if self._iterations_read_after_increment:
            iterations.write(iterations.read() + 1)
        if pairs:
            params, grads = map(list, zip(*pairs))
            if self.clipnorm is not None or self.clipvalue is not None:
                grads = self._clip(grads)
            # _apply reads self.iterations, self.beta_1... as Python numbers: the variables'
            # current values, so a K.set_value between two batches changes the next step.
            lr = self.current_learning_rate()
            state = self.__dict__   # _numbers_begin/_end inlined: this runs every step
            state["_numbers_view"] += 1
            try:
                self._apply(params, grads, lr)
            finally:
                state["_numbers_view"] -= 1
        if not self._iterations_read_after_increment:
            iterations.write(iterations.read() + 1)

    # --- state ------------------------------------------------------------------------------

    @property
    def weights(self):
        """``[iterations] + slots``, the state saved with a model (``iterations`` is the
        variable itself, as in Keras)."""
        return [self._hyper["iterations"].variable] + list(self._slots)

    def _slot_layout(self, index, slot):
        """The Keras layout of slot ``index`` (see ``WeightRecord.layout``), or ``None``.

        Slots come as per-parameter lists in the parameters' order (Keras's ``ms``, ``vs``),
        so slot ``index`` belongs to parameter ``index % len(params)`` when it has its shape;
        the model sets ``_keras_layouts`` (one per parameter) when it builds the optimizer.
        """
        layouts = getattr(self, "_keras_layouts", None)
        if not layouts or not self._params:
            return None
        param = self._params[index % len(self._params)]
        layout = layouts[index % len(self._params)]
        if layout is None or tuple(slot.shape) != tuple(param.shape):
            return None
        return layout

    def _slot_in_keras_layout(self, index, slot):
        layout = self._slot_layout(index, slot)
        return slot if layout is None else layout.to_keras(slot)

    def get_weights(self):
        """``[iterations] + slots`` as NumPy arrays (copies, as Keras's), in Keras's layouts."""
        weights = self.weights
        return [weights[0].detach().numpy().copy()] + [
            self._slot_in_keras_layout(i, w).detach().cpu().numpy().copy()
            for i, w in enumerate(weights[1:])]

    def set_weights(self, weights):
        current = self.weights
        if len(weights) != len(current):
            raise ValueError(
                f"{self.name}: set_weights expects {len(current)} arrays (iterations and "
                f"{len(current) - 1} slots), got {len(weights)}."
            )
        for index, (target, value) in enumerate(zip(current[1:], weights[1:])):
            value = np.asarray(value)
            expected = tuple(self._slot_in_keras_layout(index, target).shape)
            if tuple(value.shape) != expected:
                raise ValueError(
                    f"{self.name}: slot of shape {expected} cannot take an array of "
                    f"shape {tuple(value.shape)}."
                )
            value = torch.as_tensor(value, dtype=target.dtype, device=target.device)
            layout = self._slot_layout(index, target)
            with torch.no_grad():
                target.copy_(value if layout is None else layout.from_keras(value))
        self._hyper["iterations"].write(int(np.asarray(weights[0])))

    @_reading_numbers
    def get_config(self):
        """The constructor's arguments, hyper-parameters as plain floats: the variables'
        current values (the number last assigned, unrounded; Keras 2.3.1 reports the float32
        rounding, ``0.0010000000474974513`` for ``0.001``)."""
        lr = self.learning_rate
        if callable(lr) and hasattr(lr, "get_config"):
            lr = {"class_name": lookup.registered_name("schedules", lr),
                  "config": lr.get_config()}
        config = {"learning_rate": lr, "decay": self.decay}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("name", None)
        lr = config.get("learning_rate", config.get("lr"))
        if isinstance(lr, dict):
            config["learning_rate"] = schedules.deserialize(lr, custom_objects)
            config.pop("lr", None)
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


_install_hyper_attributes(Optimizer, ("iterations", "decay") + tuple(sorted(
    VARIABLE_HYPERPARAMETERS)))
