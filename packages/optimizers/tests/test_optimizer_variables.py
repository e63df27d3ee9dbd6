"""Hyper-parameters as backend variables, the Keras 2.3 way scripts use them.

Golden fixture: tools/keras231/make_optimizer_variable_fixtures.py under Keras 2.3.1 /
TensorFlow 1.15.5: ``K.set_value(optimizer.lr / momentum / rho / decay / iterations, ...)``
between ``train_on_batch`` steps of the model of test_keras231_parity.py.
"""

import copy
import json
import pathlib
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lamella import backend as K
from lamella import optimizers
from lamella_optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Nadam,
    RMSprop,
    TorchOptimizer,
)
from lamella_optimizers.schedules import ExponentialDecay

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures"
                      / "keras231_optimizer_variables.json").read_text())


def _train(optimizer, changes):
    """The fixture's 10 steps, with K.set_value(optimizer.<name>, value) before given steps."""
    x, y = torch.tensor(FIXTURE["x"]), torch.tensor(FIXTURE["y"])
    params = [torch.tensor(w, requires_grad=True) for w in FIXTURE["initial_weights"]]
    optimizer.build(params)
    batch, losses = FIXTURE["batch_size"], []
    for step in range(FIXTURE["steps"]):
        for name, value in changes.get(str(step), []):
            K.set_value(getattr(optimizer, name), value)
        xb, yb = x[step * batch:(step + 1) * batch], y[step * batch:(step + 1) * batch]
        optimizer.zero_grad()
        loss = ((torch.tanh(xb @ params[0] + params[1]) @ params[2] + params[3] - yb) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return [p.detach().numpy() for p in params], losses


@pytest.mark.parametrize("case", sorted(FIXTURE["cases"]))
def test_set_value_between_steps_matches_keras_231(case):
    expected = FIXTURE["cases"][case]
    optimizer = optimizers.get(
        {"class_name": expected["class_name"], "config": expected["kwargs"]})
    weights, losses = _train(optimizer, expected["set_value"])
    np.testing.assert_allclose(losses, expected["losses"], rtol=1e-5)
    for got, want in zip(weights, expected["final_weights"]):
        np.testing.assert_allclose(got, np.asarray(want, dtype="float32"), rtol=1e-5, atol=5e-7)
    for name, value in expected["variables"].items():
        assert K.get_value(getattr(optimizer, name)) == np.float32(value), name
    config = optimizer.get_config()
    assert sorted(config) == sorted(expected["config"])
    for key, value in expected["config"].items():
        assert type(config[key]) is type(value), key
        # Keras reports the float32 rounding of a number given to the constructor.
        assert config[key] == pytest.approx(value, rel=1e-7), key


def test_the_set_value_changes_are_not_a_no_op():
    # Without the set_value calls the fixture's weights come out different: the test above
    # would catch an optimizer that ignored the variables.
    case = FIXTURE["cases"]["sgd_decay_iterations"]
    weights, _ = _train(optimizers.get({"class_name": "SGD", "config": case["kwargs"]}), {})
    assert not np.allclose(weights[0], case["final_weights"][0], rtol=1e-4)


FACTORIES = [lambda: SGD(momentum=0.5), RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam, AdamW,
             lambda: TorchOptimizer(torch.optim.SGD)]


@pytest.mark.parametrize("make", FACTORIES, ids=[type(f()).__name__ for f in FACTORIES])
def test_keras_variables_exist_with_keras_kinds(make):
    opt = make()
    for name in ("iterations", "learning_rate", "lr", "decay"):
        assert K.is_variable(getattr(opt, name)), name
    assert opt.lr is opt.learning_rate
    assert opt.iterations.dtype == torch.int64 and K.eval(opt.iterations) == 0
    assert opt.learning_rate.dtype == torch.float32 and opt.learning_rate.device.type == "cpu"
    assert opt.learning_rate.name == f"{type(opt).__name__}/learning_rate"
    for name in ("momentum", "rho", "beta_1", "beta_2"):
        if hasattr(opt, name):
            assert K.is_variable(getattr(opt, name)) != isinstance(opt, Adadelta), name


def test_which_hyper_parameters_are_variables_follows_keras():
    assert set(SGD().hyperparameter_variables()) == {"iterations", "learning_rate", "decay",
                                                     "momentum"}
    assert set(RMSprop().hyperparameter_variables()) == {"iterations", "learning_rate", "decay",
                                                         "rho"}
    assert set(Adam().hyperparameter_variables()) == {"iterations", "learning_rate", "decay",
                                                      "beta_1", "beta_2"}
    # Keras's Adadelta keeps rho a float; epsilon, nesterov, amsgrad are never variables.
    assert Adadelta().rho == 0.95 and isinstance(Adadelta().rho, float)
    assert Adam().epsilon == 1e-7 and SGD().nesterov is False and Adam().amsgrad is False


def test_get_value_eval_and_iterations_count_steps():
    opt = Adam(learning_rate=0.01)
    param = torch.nn.Parameter(torch.ones(3))
    opt.build([param])
    for _ in range(3):
        param.grad = torch.ones(3)
        opt.step()
    assert K.eval(opt.iterations) == 3 and K.get_value(opt.iterations).dtype == np.int64
    assert K.get_value(opt.lr) == np.float32(0.01)
    assert opt.get_weights()[0] == 3 and opt.weights[0] is opt.iterations


def _sgd_step(opt, grad=1.0):
    param = opt._params[0]
    before = param.detach().clone()
    param.grad = torch.full_like(param, grad)
    opt.step()
    return float((before - param.detach())[0])


def _bound(opt):
    return opt.build([torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))])


def test_every_way_of_writing_the_learning_rate_changes_the_next_step():
    opt = _bound(SGD(learning_rate=0.1))
    lr = opt.lr
    assert _sgd_step(opt) == pytest.approx(0.1)
    K.set_value(opt.lr, 0.5)
    assert _sgd_step(opt) == pytest.approx(0.5)
    K.update(opt.learning_rate, 0.25)
    assert _sgd_step(opt) == pytest.approx(0.25)
    K.update_add(opt.lr, 0.25)
    assert _sgd_step(opt) == pytest.approx(0.5)
    K.batch_set_value([(opt.lr, 0.125)])
    assert _sgd_step(opt) == pytest.approx(0.125)
    opt.lr = 0.3                           # assignment writes into the same variable
    assert _sgd_step(opt) == pytest.approx(0.3) and opt.lr is lr
    assert float(K.get_value(lr)) == pytest.approx(0.3)
    opt.learning_rate = np.float32(0.2)
    assert _sgd_step(opt) == pytest.approx(0.2) and opt.lr is lr
    replacement = K.variable(0.7)          # assigning a variable replaces it, as in Keras
    opt.lr = replacement
    assert opt.lr is replacement and _sgd_step(opt) == pytest.approx(0.7)
    assert opt.get_config()["learning_rate"] == pytest.approx(0.7)


def test_momentum_decay_and_iterations_are_read_every_step():
    opt = _bound(SGD(learning_rate=1.0, momentum=0.5, decay=1.0))
    assert _sgd_step(opt) == pytest.approx(1.0)           # iterations 0: no decay yet
    K.set_value(opt.iterations, 3)                          # lr / (1 + 1·3)
    K.set_value(opt.momentum, 0.0)                          # and no momentum
    assert _sgd_step(opt) == pytest.approx(0.25)
    K.set_value(opt.decay, 0.0)
    assert _sgd_step(opt) == pytest.approx(1.0)
    assert K.eval(opt.iterations) == 5


def test_decay_variable_is_ignored_without_an_initial_decay_as_in_keras():
    opt = _bound(SGD(learning_rate=1.0))
    K.set_value(opt.decay, 10.0)
    K.set_value(opt.iterations, 10)
    assert _sgd_step(opt) == pytest.approx(1.0)


def test_adam_betas_are_read_every_step():
    a, b = Adam(learning_rate=0.1, fused=False), Adam(learning_rate=0.1, beta_1=0.5, beta_2=0.9,
                                                      fused=False)
    pa, pb = _bound(a)._params[0], _bound(b)._params[0]
    K.set_value(a.beta_1, 0.5)
    K.set_value(a.beta_2, 0.9)
    for grad in (1.0, -2.0, 0.5):
        pa.grad = torch.full_like(pa, grad)
        pb.grad = torch.full_like(pb, grad)
        a.step()
        b.step()
    # Same path as an optimizer built with the (float32-rounded) values.
    torch.testing.assert_close(pa, pb, rtol=1e-6, atol=1e-9)


def test_get_config_reports_plain_floats_and_round_trips():
    opt = SGD(learning_rate=0.01, momentum=0.9, decay=0.001)
    K.set_value(opt.lr, 0.5)
    K.set_value(opt.momentum, 0.25)
    config = opt.get_config()
    assert config == {"learning_rate": 0.5, "momentum": 0.25, "decay": 0.001,
                      "nesterov": False}
    assert all(type(config[k]) is float for k in ("learning_rate", "momentum", "decay"))
    clone = SGD.from_config(config)
    assert clone.get_config() == config and K.is_variable(clone.lr)
    assert json.loads(json.dumps(optimizers.serialize(opt)))["config"] == config


def test_schedules_still_work_and_a_number_replaces_one():
    sched = ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = _bound(SGD(learning_rate=sched))
    assert opt.learning_rate is sched and opt.get_config()["learning_rate"]["class_name"]
    assert _sgd_step(opt) == pytest.approx(0.1)
    assert _sgd_step(opt) == pytest.approx(0.05)
    opt.learning_rate = 0.3
    assert K.is_variable(opt.lr) and _sgd_step(opt) == pytest.approx(0.3)


def test_torch_optimizer_reads_the_variable():
    opt = _bound(TorchOptimizer(torch.optim.SGD, learning_rate=0.1))
    assert _sgd_step(opt) == pytest.approx(0.1)
    K.set_value(opt.lr, 0.01)
    assert _sgd_step(opt) == pytest.approx(0.01)
    assert opt.torch_optimizer.param_groups[0]["lr"] == pytest.approx(0.01)


def test_set_weights_restores_iterations_into_the_variable():
    opt = _bound(Adam())
    iterations = opt.iterations
    weights = opt.get_weights()
    weights[0] = np.array(41, dtype=np.int64)
    opt.set_weights(weights)
    assert opt.iterations is iterations and K.eval(iterations) == 41


def test_copies_have_their_own_variables():
    opt = SGD(learning_rate=0.1, momentum=0.9)
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        K.set_value(clone.lr, 0.5)
        assert float(K.get_value(opt.lr)) == pytest.approx(0.1)
        assert clone.get_config()["learning_rate"] == 0.5


@pytest.mark.parametrize("value,error,match", [
    ("fast", TypeError, "SGD: learning_rate must be a number or a backend variable"),
    (None, TypeError, "SGD: learning_rate must be a number"),
    (-0.1, ValueError, "SGD: learning_rate must be >= 0"),
    (K.variable(np.ones(2)), ValueError, "SGD: learning_rate must be a scalar variable"),
])
def test_bad_learning_rates_are_refused(value, error, match):
    opt = SGD()
    with pytest.raises(error, match=match):
        opt.learning_rate = value
    with pytest.raises(TypeError, match="SGD: momentum must be a number or a backend variable"):
        opt.momentum = "heavy"
    with pytest.raises(TypeError, match="SGD: decay must be a number"):
        SGD(decay="a lot")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 2.0, allow_nan=False), min_size=1, max_size=6),
       st.floats(0.0, 0.95))
def test_property_each_step_uses_the_value_just_set(rates, momentum):
    # Built with a rate outside the drawn ones: a K.set_value that leaves the float32 variable
    # unchanged keeps the exact number the optimizer was given, by design.
    opt = _bound(SGD(learning_rate=3.0, momentum=momentum))
    velocity = 0.0
    param = 0.0
    for rate in rates:
        K.set_value(opt.lr, rate)
        opt._params[0].grad = torch.ones(2, dtype=torch.float64)
        opt.step()
        lr, mom = float(np.float32(rate)), momentum  # set_value rounds; the constructor not
        velocity = mom * velocity - lr * 1.0
        param += velocity
        assert float(opt._params[0].detach()[0]) == pytest.approx(param, rel=1e-9, abs=1e-12)
