"""lamella-optimizers: every update against a hand-written numpy copy of Keras 2.3's formulas."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella
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
from lamella_optimizers.schedules import ExponentialDecay, PiecewiseConstantDecay

EPS = 1e-7
STEPS = 10


# --- numpy references (keras/optimizers.py@2.3.1) ----------------------------------------------


def ref_lr(lr, decay, it, schedule=None):
    base = schedule(it) if schedule is not None else lr
    return base * (1.0 / (1.0 + decay * it)) if decay > 0 else base


def ref_clip(gs, clipnorm=None, clipvalue=None):
    """Keras 2.3.1's get_gradients: clipnorm by the global norm of all gradients, then clipvalue."""
    if clipnorm is not None:
        norm = np.sqrt(sum(np.sum(g * g) for g in gs))
        if norm >= clipnorm:
            gs = [g * clipnorm / norm for g in gs]
    if clipvalue is not None:
        gs = [np.clip(g, -clipvalue, clipvalue) for g in gs]
    return gs


class RefSGD:
    def __init__(self, lr=0.01, momentum=0.0, nesterov=False):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov

    def init(self, p):
        return {"m": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        v = self.momentum * s["m"] - lr * g
        s["m"] = v
        return p + self.momentum * v - lr * g if self.nesterov else p + v


class RefRMSprop:
    def __init__(self, lr=0.001, rho=0.9):
        self.lr, self.rho = lr, rho

    def init(self, p):
        return {"a": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = self.rho * s["a"] + (1 - self.rho) * g * g
        return p - lr * g / (np.sqrt(s["a"]) + EPS)


class RefAdagrad:
    def __init__(self, lr=0.01):
        self.lr = lr

    def init(self, p):
        return {"a": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = s["a"] + g * g
        return p - lr * g / (np.sqrt(s["a"]) + EPS)


class RefAdadelta:
    def __init__(self, lr=1.0, rho=0.95):
        self.lr, self.rho = lr, rho

    def init(self, p):
        return {"a": np.zeros_like(p), "d": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = self.rho * s["a"] + (1 - self.rho) * g * g
        u = g * np.sqrt(s["d"] + EPS) / np.sqrt(s["a"] + EPS)
        s["d"] = self.rho * s["d"] + (1 - self.rho) * u * u
        return p - lr * u


class RefAdam:
    reads_incremented_iterations = True

    def __init__(self, lr=0.001, b1=0.9, b2=0.999, amsgrad=False, wd=0.0):
        self.lr, self.b1, self.b2, self.amsgrad, self.wd = lr, b1, b2, amsgrad, wd

    def init(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "vhat": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        p = p - lr * self.wd * p
        lr_t = lr * np.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)
        s["m"] = self.b1 * s["m"] + (1 - self.b1) * g
        s["v"] = self.b2 * s["v"] + (1 - self.b2) * g * g
        if self.amsgrad:
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            return p - lr_t * s["m"] / (np.sqrt(s["vhat"]) + EPS)
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + EPS)


class RefAdamW(RefAdam):
    """AdamW is beyond Keras 2.3 and counts steps the usual way."""

    reads_incremented_iterations = False


class RefAdamax:
    reads_incremented_iterations = True

    def __init__(self, lr=0.002, b1=0.9, b2=0.999):
        self.lr, self.b1, self.b2 = lr, b1, b2

    def init(self, p):
        return {"m": np.zeros_like(p), "u": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        lr_t = lr / (1 - self.b1 ** t)
        s["m"] = self.b1 * s["m"] + (1 - self.b1) * g
        s["u"] = np.maximum(self.b2 * s["u"], np.abs(g))
        return p - lr_t * s["m"] / (s["u"] + EPS)


class RefNadam:
    """Keras keeps one m_schedule for the optimizer; the test steps all parameters together."""

    reads_incremented_iterations = True

    def __init__(self, lr=0.002, b1=0.9, b2=0.999, sd=0.004):
        self.lr, self.b1, self.b2, self.sd = lr, b1, b2, sd
        self.m_schedule = 1.0
        self.last_t = 0

    def init(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        b1, b2, sd = self.b1, self.b2, self.sd
        mu_t = b1 * (1 - 0.5 * 0.96 ** (t * sd))
        mu_t1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * sd))
        if self.last_t != t:  # once per step, shared by every parameter
            self.m_schedule_prev = self.m_schedule
            self.m_schedule = self.m_schedule * mu_t
            self.last_t = t
        m_schedule_new = self.m_schedule
        m_schedule_next = self.m_schedule_prev * mu_t * mu_t1
        g_prime = g / (1 - m_schedule_new)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        m_prime = s["m"] / (1 - m_schedule_next)
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        v_prime = s["v"] / (1 - b2 ** t)
        m_bar = (1 - mu_t) * g_prime + mu_t1 * m_prime
        return p - lr * m_bar / (np.sqrt(v_prime) + EPS)


# --- a small random least-squares problem --------------------------------------------------------


def make_problem(seed=0, dtype=torch.float64):
    rng = np.random.RandomState(seed)
    x = rng.randn(16, 5)
    y = rng.randn(16, 3)
    w0 = rng.randn(5, 3) * 0.5
    b0 = rng.randn(3) * 0.1
    return x, y, [w0, b0]


def grads_np(x, y, w, b):
    pred = x @ w + b
    d = 2.0 * (pred - y) / pred.size
    return [x.T @ d, d.sum(0)]


def run_lamella(opt, steps=STEPS, seed=0, dtype=torch.float64):
    x, y, init = make_problem(seed)
    params = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in init]
    xt, yt = torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=dtype)
    opt.build(params)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((xt @ params[0] + params[1] - yt) ** 2).mean()
        loss.backward()
        opt.step()
    return [p.detach().numpy() for p in params]


def run_reference(ref, steps=STEPS, seed=0, decay=0.0, schedule=None, clipnorm=None,
                  clipvalue=None):
    x, y, init = make_problem(seed)
    params = [a.copy() for a in init]
    states = [ref.init(p) for p in params]
    for step in range(steps):
        # Keras 2.3.1 on TF 1.x: Adam, Adamax and Nadam read `iterations` after its increment.
        it = step + 1 if getattr(ref, "reads_incremented_iterations", False) else step
        lr = ref_lr(ref.lr, decay, it, schedule)
        gs = grads_np(x, y, *params)
        gs = ref_clip(gs, clipnorm, clipvalue)
        params = [ref.update(p, g, s, lr, it + 1) for p, g, s in zip(params, gs, states)]
    return params


CASES = [
    ("sgd", lambda **k: SGD(learning_rate=0.1, **k), lambda: RefSGD(0.1)),
    ("sgd-momentum", lambda **k: SGD(learning_rate=0.1, momentum=0.9, **k),
     lambda: RefSGD(0.1, 0.9)),
    ("sgd-nesterov", lambda **k: SGD(learning_rate=0.1, momentum=0.9, nesterov=True, **k),
     lambda: RefSGD(0.1, 0.9, True)),
    ("rmsprop", lambda **k: RMSprop(learning_rate=0.01, **k), lambda: RefRMSprop(0.01)),
    ("adagrad", lambda **k: Adagrad(learning_rate=0.1, **k), lambda: RefAdagrad(0.1)),
    ("adagrad-foreach", lambda **k: Adagrad(learning_rate=0.1, fused=False, **k),
     lambda: RefAdagrad(0.1)),
    ("adadelta", lambda **k: Adadelta(**k), lambda: RefAdadelta()),
    ("adam", lambda **k: Adam(learning_rate=0.01, **k), lambda: RefAdam(0.01)),
    ("adam-foreach", lambda **k: Adam(learning_rate=0.01, fused=False, **k), lambda: RefAdam(0.01)),
    ("amsgrad", lambda **k: Adam(learning_rate=0.01, amsgrad=True, **k),
     lambda: RefAdam(0.01, amsgrad=True)),
    ("amsgrad-foreach", lambda **k: Adam(learning_rate=0.01, amsgrad=True, fused=False, **k),
     lambda: RefAdam(0.01, amsgrad=True)),
    ("adamax", lambda **k: Adamax(**k), lambda: RefAdamax()),
    ("nadam", lambda **k: Nadam(**k), lambda: RefNadam()),
    ("adamw", lambda **k: AdamW(learning_rate=0.01, weight_decay=0.1, **k),
     lambda: RefAdamW(0.01, wd=0.1)),
    ("adamw-foreach", lambda **k: AdamW(learning_rate=0.01, weight_decay=0.1, fused=False, **k),
     lambda: RefAdamW(0.01, wd=0.1)),
]


def assert_close(got, want, rtol=1e-6, atol=1e-9):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_matches_keras_formula(name, make, ref):
    assert_close(run_lamella(make()), run_reference(ref()))


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_matches_keras_formula_with_decay(name, make, ref):
    assert_close(run_lamella(make(decay=0.05)), run_reference(ref(), decay=0.05))


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_clipnorm_and_clipvalue(name, make, ref):
    assert_close(run_lamella(make(clipnorm=0.1)), run_reference(ref(), clipnorm=0.1))
    assert_close(run_lamella(make(clipvalue=0.02)), run_reference(ref(), clipvalue=0.02))


@pytest.mark.parametrize("name,make,ref", CASES[:8], ids=[c[0] for c in CASES[:8]])
def test_float32_close_to_float64_reference(name, make, ref):
    assert_close(run_lamella(make(), dtype=torch.float32), run_reference(ref()), rtol=2e-5,
                 atol=1e-6)


def test_schedule_as_learning_rate():
    sched = ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)
    got = run_lamella(Adam(learning_rate=sched))
    want = run_reference(RefAdam(0.05), schedule=sched)
    assert_close(got, want)
    sched = PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01])
    assert_close(run_lamella(SGD(learning_rate=sched, momentum=0.5)),
                 run_reference(RefSGD(0.1, 0.5), schedule=sched))


def test_legacy_lr_and_unknown_kwarg():
    assert Adam(lr=0.5).learning_rate == 0.5
    assert SGD(lr=0.3).lr == 0.3
    with pytest.raises(TypeError):
        Adam(bogus=1)
    with pytest.raises(TypeError):
        SGD(epsilon=1e-3)
    with pytest.raises(TypeError):
        TorchOptimizer(torch.optim.SGD, lr=0.1, momentum=0.9, nonsense=3).build(
            [torch.zeros(2, requires_grad=True)])


@pytest.mark.parametrize("name", ["adam", "Adam", "ADAM"])
def test_string_resolution(name):
    opt = optimizers.get(name)
    assert isinstance(opt, Adam)
    assert opt.get_config()["learning_rate"] == 0.001


@pytest.mark.parametrize("name,cls", [("sgd", SGD), ("RMSprop", RMSprop), ("rmsprop", RMSprop),
                                      ("adagrad", Adagrad), ("Adadelta", Adadelta),
                                      ("adamax", Adamax), ("nadam", Nadam), ("AdamW", AdamW)])
def test_other_names(name, cls):
    assert type(optimizers.get(name)) is cls
    assert getattr(optimizers, cls.__name__) is cls


def test_keras_config_keys_and_defaults():
    assert Adam().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                   "decay": 0.0, "epsilon": 1e-7, "amsgrad": False}
    assert SGD().get_config() == {"learning_rate": 0.01, "momentum": 0.0, "decay": 0.0,
                                  "nesterov": False}
    assert RMSprop().get_config() == {"learning_rate": 0.001, "rho": 0.9, "decay": 0.0,
                                      "epsilon": 1e-7}
    assert Adagrad().get_config() == {"learning_rate": 0.01, "decay": 0.0, "epsilon": 1e-7}
    assert Adadelta().get_config() == {"learning_rate": 1.0, "rho": 0.95, "decay": 0.0,
                                       "epsilon": 1e-7}
    assert Adamax().get_config() == {"learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999,
                                     "decay": 0.0, "epsilon": 1e-7}
    assert Nadam().get_config() == {"learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999,
                                    "epsilon": 1e-7, "schedule_decay": 0.004}
    assert list(Adam(clipnorm=1.0).get_config())[-1] == "clipnorm"


floats = st.floats(min_value=1e-4, max_value=0.99, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(lr=floats, b1=floats, b2=floats, decay=st.sampled_from([0.0, 0.01]), amsgrad=st.booleans(),
       clip=st.one_of(st.none(), floats), cls_idx=st.integers(0, 7))
def test_config_round_trip(lr, b1, b2, decay, amsgrad, clip, cls_idx):
    kw = {"learning_rate": lr, "decay": decay}
    if clip is not None:
        kw["clipnorm"] = clip
    builders = [
        lambda: SGD(momentum=b1, nesterov=amsgrad, **kw),
        lambda: RMSprop(rho=b1, **kw),
        lambda: Adagrad(**kw),
        lambda: Adadelta(rho=b2, **kw),
        lambda: Adam(beta_1=b1, beta_2=b2, amsgrad=amsgrad, **kw),
        lambda: Adamax(beta_1=b1, beta_2=b2, **kw),
        lambda: Nadam(beta_1=b1, beta_2=b2, **kw),
        lambda: AdamW(beta_1=b1, weight_decay=b2, **kw),
    ]
    opt = builders[cls_idx]()
    config = opt.get_config()
    clone = type(opt).from_config(config)
    assert clone.get_config() == config
    # and through the facade's serialize/deserialize
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == config


def test_schedule_config_round_trip():
    opt = Adam(learning_rate=ExponentialDecay(0.1, 10, 0.5, staircase=True))
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    clone = Adam.from_config(config)
    assert isinstance(clone.learning_rate, ExponentialDecay)
    assert clone.get_config() == config


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_weights_round_trip_resumes_identically(name, make, ref):
    straight = run_lamella(make(), steps=10)
    # 4 steps, save, restore into a fresh optimizer and fresh params, 6 more steps
    x, y, init = make_problem(0)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def loop(opt, params, n):
        for _ in range(n):
            opt.zero_grad()
            ((xt @ params[0] + params[1] - yt) ** 2).mean().backward()
            opt.step()

    params = [torch.tensor(a, requires_grad=True) for a in init]
    first = make().build(params)
    loop(first, params, 4)
    saved_w = first.get_weights()
    saved_p = [p.detach().clone() for p in params]
    assert saved_w[0] == 4 and saved_w[0].dtype == np.int64
    params2 = [p.clone().requires_grad_(True) for p in saved_p]
    second = make().build(params2)
    second.set_weights(saved_w)
    assert second.iterations == 4
    loop(second, params2, 6)
    for got, want in zip(params2, straight):
        np.testing.assert_array_equal(got.detach().numpy(), want)


def test_slot_order_matches_keras():
    params = [torch.zeros(2, 3, requires_grad=True), torch.zeros(3, requires_grad=True)]
    shapes = lambda opt: [w.shape for w in opt.get_weights()]  # noqa: E731
    assert shapes(Adam().build(params)) == [(), (2, 3), (3,), (2, 3), (3,), (1,), (1,)]
    assert shapes(Adam(amsgrad=True).build(params)) == [(), (2, 3), (3,)] * 1 + [(2, 3), (3,)] * 2
    assert shapes(Nadam().build(params)) == [(), (), (2, 3), (3,), (2, 3), (3,)]
    assert shapes(Adadelta().build(params)) == [(), (2, 3), (3,), (2, 3), (3,)]
    assert shapes(SGD(momentum=0.9).build(params)) == [(), (2, 3), (3,)]
    with pytest.raises(ValueError):
        Adam().build(params).set_weights([np.zeros(()), np.zeros((2, 3))])


def test_params_without_gradients_are_skipped():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    opt = Adam(learning_rate=0.1).build([a, b])
    b.grad = torch.ones(2)
    opt.step()
    assert torch.equal(a.detach(), torch.ones(3))
    assert (b.detach() < 1).all()
    assert torch.equal(opt.ms[0], torch.zeros(3))


def test_torch_optimizer_wrapper():
    want = run_lamella(SGD(learning_rate=0.1, momentum=0.9))
    got = run_lamella(TorchOptimizer(torch.optim.SGD, learning_rate=0.1, momentum=0.9))
    assert_close(got, want)
    # torch's RMSprop is Keras's with alpha=rho, eps=1e-7
    got = run_lamella(TorchOptimizer(torch.optim.RMSprop, learning_rate=0.01, alpha=0.9, eps=1e-7))
    assert_close(got, run_reference(RefRMSprop(0.01)))
    opt = TorchOptimizer(torch.optim.AdamW, learning_rate=0.01, weight_decay=0.05)
    config = opt.get_config()
    assert config["torch_optimizer_class"] == "torch.optim.adamw.AdamW"
    clone = TorchOptimizer.from_config(config)
    assert clone.torch_optimizer_class is torch.optim.AdamW and clone.get_config() == config
    with pytest.raises(ValueError):
        TorchOptimizer.from_config({"torch_optimizer_class": "os.system"})
    # decay reaches the torch optimizer's param groups
    opt = TorchOptimizer(torch.optim.SGD, learning_rate=0.1, decay=1.0)
    assert_close(run_lamella(opt), run_reference(RefSGD(0.1), decay=1.0))
    assert len(opt.get_weights()) == 1  # SGD without momentum keeps no state


def test_lr_settable_like_keras_callbacks():
    opt = SGD(learning_rate=0.1)
    opt.lr = 0.5
    assert opt.learning_rate == 0.5 and opt.current_learning_rate() == 0.5


def test_lamella_facade_is_registered_class():
    assert lamella.optimizers.Adam is Adam
    assert lamella.optimizers.TorchOptimizer is TorchOptimizer
    assert isinstance(lamella.optimizers.get(Adam(learning_rate=0.2)), Adam)


# Keras 2.3.1's positional parameters (inspect.signature on keras.optimizers, Keras 2.3.1):
# everything else (epsilon, decay, clipnorm, schedule_decay...) is keyword-only there.
KERAS_231_POSITIONAL = {
    "SGD": ["learning_rate", "momentum", "nesterov"],
    "RMSprop": ["learning_rate", "rho"],
    "Adagrad": ["learning_rate"],
    "Adadelta": ["learning_rate", "rho"],
    "Adam": ["learning_rate", "beta_1", "beta_2", "amsgrad"],
    "Adamax": ["learning_rate", "beta_1", "beta_2"],
    "Nadam": ["learning_rate", "beta_1", "beta_2"],
}


@pytest.mark.parametrize("name", sorted(KERAS_231_POSITIONAL))
def test_positional_parameters_follow_keras_231(name):
    import inspect

    from lamella_optimizers import optimizers as module

    parameters = inspect.signature(getattr(module, name).__init__).parameters.values()
    positional = [p.name for p in parameters
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "self"]
    assert positional == KERAS_231_POSITIONAL[name]


def test_adam_with_amsgrad_given_by_position_as_keras_scripts_do():
    from lamella_optimizers.optimizers import Adam

    optimizer = Adam(0.001, 0.9, 0.999, True)
    assert optimizer.amsgrad is True and optimizer.epsilon == pytest.approx(1e-7)
