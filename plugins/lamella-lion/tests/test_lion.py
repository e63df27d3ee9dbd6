"""Lion through lamella's public API, with only lamella-core and this plugin installed."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from lamella_lion.optimizer import Lion

import lamella
from lamella import optimizers
from lamella.testing import SeededDense, mean_squared_error, toy_data


def reference_lion(p, g, m, lr, beta_1, beta_2, wd):
    """Algorithm 2 of the paper, in NumPy float64."""
    c = beta_1 * m + (1 - beta_1) * g
    p = p - lr * (np.sign(c) + wd * p)
    m = beta_2 * m + (1 - beta_2) * g
    return p, m


def _model(optimizer="lion"):
    model = lamella.Sequential([SeededDense(8, "tanh", input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(optimizer=optimizer, loss=mean_squared_error)
    return model


def test_plugin_is_loaded_and_declares_its_contract():
    info = {i.name: i for i in lamella.plugins.plugin_infos()}["lamella-lion"]
    assert info.status == "loaded", info.error
    assert info.registered == {"optimizers": ["Lion"]}
    assert info.contract == ">=1.0,<2"


@pytest.mark.parametrize("name", ["lion", "Lion", "LION"])
def test_names_resolve_case_insensitively(name):
    assert type(optimizers.get(name)) is Lion
    assert optimizers.Lion is Lion


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(1e-4, 0.1), st.floats(0.0, 0.99),
       st.floats(0.0, 0.999), st.floats(0.0, 0.5))
def test_steps_match_the_paper(seed, lr, beta_1, beta_2, wd):
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=(3, 5))
    param = torch.nn.Parameter(torch.tensor(p0))
    opt = Lion(learning_rate=lr, beta_1=beta_1, beta_2=beta_2, weight_decay=wd).build([param])
    p, m = p0.copy(), np.zeros_like(p0)
    for _ in range(4):
        g = rng.normal(size=p0.shape)
        param.grad = torch.tensor(g)
        opt.step()
        p, m = reference_lion(p, g, m, lr, beta_1, beta_2, wd)
    np.testing.assert_allclose(param.detach().numpy(), p, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(opt.momentums[0].numpy(), m, rtol=1e-12, atol=1e-12)
    assert opt.iterations == 4


def test_a_weight_without_gradient_keeps_its_value_and_momentum():
    a, b = (torch.nn.Parameter(torch.ones(2)) for _ in range(2))
    opt = Lion(learning_rate=0.1).build([a, b])
    a.grad, b.grad = torch.ones(2), torch.ones(2)
    opt.step()
    momentum_b = opt.momentums[1].clone()
    a.grad, b.grad = torch.ones(2), None  # b frozen this step: _apply sees only a
    opt.step()
    torch.testing.assert_close(b.detach(), torch.full((2,), 0.9))
    torch.testing.assert_close(opt.momentums[1], momentum_b)
    torch.testing.assert_close(a.detach(), torch.full((2,), 0.8))


def test_training_by_name_reduces_the_loss():
    x, y = toy_data(64)
    model = _model(Lion(learning_rate=0.01))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * before
    assert type(_model("lion").optimizer) is Lion


def test_config_and_state_round_trip_and_training_continues_identically():
    x, y = toy_data(32)
    model = _model(Lion(learning_rate=0.02, beta_1=0.8, weight_decay=0.01, clipnorm=1.0))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    config = optimizers.serialize(model.optimizer)
    assert config["class_name"] == "Lion"
    assert config["config"]["beta_1"] == 0.8 and config["config"]["weight_decay"] == 0.01
    assert config["config"]["clipnorm"] == 1.0

    clone = _model(optimizers.deserialize(config))
    clone.set_weights(model.get_weights())
    clone.fit(x[:8], y[:8], epochs=1, batch_size=8, verbose=0)  # builds the optimizer's slots
    clone.set_weights(model.get_weights())
    clone.optimizer.set_weights(model.optimizer.get_weights())
    assert clone.optimizer.iterations == model.optimizer.iterations == 8
    for model_ in (model, clone):
        model_.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for left, right in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(left, right)


@pytest.mark.parametrize("kwargs, message", [
    ({"beta_1": 1.0}, "Lion: beta_1 must be in \\[0, 1\\), got 1.0"),
    ({"beta_2": -0.1}, "Lion: beta_2 must be in \\[0, 1\\)"),
    ({"weight_decay": -1}, "Lion: weight_decay must be >= 0"),
    ({"learning_rate": -1}, "Lion: learning_rate must be >= 0"),
])
def test_bad_hyper_parameters_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Lion(**kwargs)


def test_unknown_keyword_names_the_optimizer():
    with pytest.raises(TypeError, match="Lion: unexpected keyword argument 'betas'"):
        Lion(betas=(0.9, 0.99))


def test_hyper_parameters_are_keras_variables_from_the_base_class():
    # Lion has no code for it: the base Optimizer makes beta_1/beta_2 (Keras names) variables.
    from lamella import backend as K

    param = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    opt = Lion(learning_rate=0.1, beta_1=0.9, beta_2=0.99).build([param])
    assert K.is_variable(opt.lr) and K.is_variable(opt.beta_1) and K.is_variable(opt.beta_2)
    assert not K.is_variable(opt.weight_decay)
    K.set_value(opt.lr, 0.5)
    K.set_value(opt.beta_1, 0.0)          # c = g: the sign of this step's gradient
    param.grad = torch.tensor([1.0, -2.0, 0.0], dtype=torch.float64)
    opt.step()
    np.testing.assert_allclose(param.detach().numpy(), [-0.5, 0.5, 0.0])
    config = opt.get_config()
    assert config["learning_rate"] == 0.5 and config["beta_1"] == 0.0
    assert all(type(config[k]) is float for k in ("learning_rate", "beta_1", "beta_2"))
