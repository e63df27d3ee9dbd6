"""The base Optimizer holds Keras's hyper-parameters as backend variables, for every subclass.

A plugin optimizer written against the contract (``self.beta_1 = float(beta_1)``, maths on
``self.beta_1`` in ``_apply``, ``get_config`` returning ``self.beta_1``) gets the variables with
no code of its own: here one defined in the test, as a plugin would be.
"""

import numpy as np
import pytest
import torch

from lamella import backend as K
from lamella.base.optimizer import Optimizer
from lamella.base.optimizer_variables import (
    HyperParameter,
    get_hyperparameter,
    set_hyperparameter,
)
from lamella.engine.callbacks import Callback
from lamella.testing import MomentumSGD, PlainSGD, toy_data, toy_model


class SignMomentum(Optimizer):
    """A plugin-style optimizer: plain floats in __init__, maths in _apply."""

    def __init__(self, learning_rate=0.1, beta_1=0.5, scale=2.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.scale = float(scale)           # not a Keras name: stays a plain float

    def _create_slots(self, params):
        assert isinstance(self.beta_1, float)   # numbers inside the optimizer's own methods
        self.ms = [torch.zeros_like(p) for p in params]
        return list(self.ms)

    def _apply(self, params, grads, lr):
        assert isinstance(self.beta_1, float) and isinstance(self.iterations, int)
        for p, g, m in zip(params, grads, self.ms):
            m.mul_(self.beta_1).add_(g, alpha=1.0 - self.beta_1)
            p.add_(m, alpha=-lr * self.scale)

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, scale=self.scale)


def _bound(opt):
    return opt.build([torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))])


def _step(opt, grad=1.0):
    param = opt._params[0]
    before = param.detach().clone()
    param.grad = torch.full_like(param, grad)
    opt.step()
    return float((before - param.detach())[0])


def test_a_plugin_optimizer_gets_variables_without_code_of_its_own():
    opt = _bound(SignMomentum(beta_1=0.5))
    assert K.is_variable(opt.beta_1) and K.is_variable(opt.lr) and K.is_variable(opt.iterations)
    assert opt.scale == 2.0 and not K.is_variable(opt.scale)
    assert _step(opt) == pytest.approx(0.1 * 2.0 * 0.5)          # m = 0.5
    K.set_value(opt.beta_1, 0.0)                                  # m = g
    K.set_value(opt.lr, 0.01)
    assert _step(opt) == pytest.approx(0.01 * 2.0 * 1.0)
    assert opt.get_config() == {"learning_rate": pytest.approx(0.01), "decay": 0.0,
                                "beta_1": 0.0, "scale": 2.0}
    assert all(type(v) is float for v in opt.get_config().values())
    assert K.eval(opt.iterations) == 2


def test_a_hyper_parameter_set_before_super_init_becomes_a_variable_too():
    class Early(Optimizer):
        def __init__(self, momentum=0.5, **kwargs):
            self.momentum = float(momentum)
            super().__init__(**kwargs)

        def _apply(self, params, grads, lr):
            torch._foreach_add_(params, grads, alpha=-lr * self.momentum)

    opt = _bound(Early(learning_rate=1.0))
    assert K.is_variable(opt.momentum)
    K.set_value(opt.momentum, 0.25)
    assert _step(opt) == pytest.approx(0.25)


def test_assigning_a_number_keeps_the_variable():
    opt = MomentumSGD(learning_rate=0.1, momentum=0.9)
    lr, momentum = opt.lr, opt.momentum
    opt.learning_rate = 0.2
    opt.momentum = 0.5
    assert opt.lr is lr and opt.momentum is momentum
    assert float(K.get_value(lr)) == pytest.approx(0.2) and K.get_value(momentum) == 0.5
    assert opt.get_config()["learning_rate"] == 0.2       # the number given, unrounded


def test_variables_stay_cpu_scalars_and_unknown_attributes_still_fail():
    opt = PlainSGD()
    for name, variable in opt.hyperparameter_variables().items():
        assert variable.device.type == "cpu" and variable.dim() == 0, name
    with pytest.raises(AttributeError, match="'PlainSGD' object has no attribute 'nope'"):
        opt.nope  # noqa: B018
    assert {"iterations", "learning_rate", "decay"} <= set(dir(opt))
    with pytest.raises(ValueError, match="PlainSGD: learning_rate must be a CPU variable"):
        opt.lr = torch.nn.Parameter(torch.tensor(0.1, device="meta"))


def test_hyper_parameter_cache_follows_every_write():
    hp = HyperParameter(K.variable(0.01))
    assert hp.read() == pytest.approx(0.01)
    hp.write(0.3)
    assert hp.read() == 0.3                          # the exact number written
    K.set_value(hp.variable, 0.5)
    assert hp.read() == 0.5
    with torch.no_grad():
        hp.variable.mul_(2)
    assert hp.read() == 1.0
    counter = HyperParameter(K.variable(0, dtype="int64"))
    counter.write(counter.read() + 1)
    assert counter.read() == 1 and type(counter.read()) is int


def test_callback_helpers_go_through_the_variable_and_accept_stand_ins():
    opt = MomentumSGD(learning_rate=0.1, momentum=0.9)
    lr = opt.lr
    set_hyperparameter(opt, "lr", 0.05)
    assert opt.lr is lr and get_hyperparameter(opt, "learning_rate") == pytest.approx(0.05)

    class Holder:                     # an object of its own holding a K.variable
        lr = K.variable(0.1)
    set_hyperparameter(Holder, "lr", 0.25)
    assert float(K.get_value(Holder.lr)) == 0.25

    class Plain:                      # a stand-in holding a number
        learning_rate = 0.1
    set_hyperparameter(Plain, "learning_rate", 0.5)
    assert Plain.learning_rate == 0.5 and get_hyperparameter(Plain, "learning_rate") == 0.5


def test_keras_style_callback_changes_training_through_k_set_value():
    x, y = toy_data(16)
    seen = []

    class Halve(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            K.set_value(self.model.optimizer.lr, 0.1 * 0.5 ** epoch)

        def on_epoch_end(self, epoch, logs=None):
            seen.append((float(K.get_value(self.model.optimizer.lr)),
                         int(K.eval(self.model.optimizer.iterations))))

    model = toy_model(lr=1.0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Halve()])
    np.testing.assert_allclose([s[0] for s in seen], [0.1, 0.05, 0.025], rtol=1e-7)
    assert [s[1] for s in seen] == [2, 4, 6]

