"""lamella.backend behaviour the golden fixtures cannot show: variables and in-place updates,
dtypes, the learning phase, randomness, autograd through the ops, TensorFlow-only names,
errors, and properties checked with hypothesis."""

import copy
import threading

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lamella import backend as K
from lamella.engine import learning_phase as phase


@pytest.fixture(autouse=True)
def _clean_backend_state():
    yield
    K.clear_session()
    K.set_floatx("float32")
    K.set_epsilon(1e-7)
    K.set_image_data_format("channels_last")


# ------------------------------------------------------------------ variables and values


def test_variable_copies_the_callers_array():
    data = np.arange(6, dtype="float32").reshape(2, 3)
    v = K.variable(data, name="kernel")
    K.set_value(v, np.zeros((2, 3)))
    assert data[0, 1] == 1.0  # the caller's array is untouched
    data[0, 0] = 42.0
    assert K.get_value(v)[0, 0] == 0.0  # and the variable does not see later writes
    assert isinstance(v, torch.nn.Parameter) and K.is_variable(v) and v.name == "kernel"


def test_variable_accepts_negative_strides_and_tensors():
    data = np.arange(12, dtype="float32").reshape(3, 4)
    np.testing.assert_array_equal(K.get_value(K.variable(data[..., ::-1])), data[..., ::-1])
    t = torch.ones(2)
    v = K.variable(t)
    K.update_add(v, torch.ones(2))
    assert t.tolist() == [1.0, 1.0] and K.get_value(v).tolist() == [2.0, 2.0]


def test_variable_dtype_names_and_constraint():
    v = K.variable([1, 2], dtype="int32")
    assert v.dtype == torch.int32 and not v.requires_grad
    assert K.variable([1.0]).name.startswith("variable_")
    assert K.variable([1.0], constraint=torch.relu).constraint is torch.relu
    copied = copy.deepcopy(K.variable([1.0], name="w", constraint=torch.relu))
    assert (copied.name, copied.constraint) == ("w", torch.relu)
    assert repr(copied).startswith("Variable 'w' containing:")
    with pytest.raises(ValueError, match="constraint must be callable"):
        K.variable([1.0], constraint="nonneg")
    K.set_floatx("float64")
    assert K.variable([1.0]).dtype == torch.float64 and K.zeros((2,)).dtype == torch.float64


@pytest.mark.parametrize("dtype", [torch.int64, np.int64, np.dtype("int64"), "int64",
                                   "torch.int64"])
def test_cast_accepts_torch_numpy_and_string_dtypes(dtype):
    x = torch.tensor([1.7, -2.2])
    other = torch.zeros(1, dtype=torch.int64)
    assert K.cast(x, dtype).dtype == torch.int64
    assert K.cast(x, other.dtype).tolist() == [1, -2]
    assert K.dtype(K.cast(x, dtype)) == "int64"


def test_cast_rejects_unknown_dtypes():
    with pytest.raises(ValueError, match="Not a dtype"):
        K.cast(torch.ones(1), "float33")


def test_updates_change_variables_in_place():
    v = K.variable(np.ones((2, 2)))
    for fn, arg, expected in ((K.update, np.full((2, 2), 3.0), 3.0),
                              (K.update_add, np.ones((2, 2)), 4.0),
                              (K.update_sub, 0.5 * np.ones((2, 2)), 3.5),
                              (K.moving_average_update, np.zeros((2, 2)), 3.5 * 0.9)):
        extra = (0.9,) if fn is K.moving_average_update else ()
        assert fn(v, arg, *extra) is v
        np.testing.assert_allclose(K.get_value(v), expected, rtol=1e-6)
    assert v.grad is None and v.requires_grad  # updates are not part of any graph
    with pytest.raises(TypeError, match="update_add: expected a variable"):
        K.update_add(np.ones(2), 1.0)


def test_set_value_checks_the_shape():
    v = K.variable(np.ones(3))
    with pytest.raises(ValueError, match=r"has shape \(3,\), the value \(2,\)"):
        K.set_value(v, np.ones(2))
    with pytest.raises(TypeError, match="optimizer.learning_rate = value"):
        K.set_value(0.01, 0.1)
    K.batch_set_value([(v, [1.0, 2.0, 3.0])])
    assert K.batch_get_value([v])[0].tolist() == [1.0, 2.0, 3.0]
    assert K.eval(v).tolist() == [1.0, 2.0, 3.0] and K.count_params(v) == 3


def test_constants_and_shapes():
    c = K.constant(2, shape=(2, 3))
    assert c.dtype == torch.float32 and c.tolist() == [[2.0] * 3] * 2
    assert K.int_shape(c) == (2, 3) and K.ndim(c) == 2
    assert K.shape(c).tolist() == [2, 3] and int(K.size(c)) == 6
    assert K.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert K.ones_like(c, dtype="int32").dtype == torch.int32
    with pytest.raises(ValueError, match="eye: size must be"):
        K.eye((1, 2, 3))


# ------------------------------------------------------------------ learning phase


def test_learning_phase_is_a_bool_tensor_of_the_threads_phase():
    lp = K.learning_phase()
    assert isinstance(lp, torch.Tensor) and lp.dtype == torch.bool and not bool(lp)
    with phase.learning_phase_scope(True):
        assert bool(K.learning_phase())
        x = torch.ones(2)
        assert K.in_train_phase(x * 2, x, training=K.learning_phase()).tolist() == [2.0, 2.0]
        assert K.in_train_phase(lambda: x * 3, x).tolist() == [3.0, 3.0]
        assert K.in_test_phase(x * 2, x).tolist() == [1.0, 1.0]
    assert type(K.learning_phase() + 1) is torch.Tensor  # results are plain tensors


def test_set_learning_phase_fixes_this_threads_phase_only():
    K.set_learning_phase(1)
    assert K.learning_phase() == 1 and phase.current() is True
    seen = []
    worker = threading.Thread(target=lambda: seen.append(phase.current()))
    worker.start()
    worker.join()
    assert seen == [None]  # another thread keeps its own phase
    with phase.learning_phase_scope(False):  # fit/predict still set their own phase
        assert bool(K.learning_phase()) is False
    assert K.learning_phase() == 1
    K.clear_session()  # as in Keras, clear_session forgets the fixed phase
    assert phase.current() is None and not bool(K.learning_phase())
    with pytest.raises(ValueError, match="Expected learning phase to be 0 or 1"):
        K.set_learning_phase(2)


def test_set_learning_phase_reaches_layers_training_argument():
    seen = []

    class Probe(torch.nn.Module):
        def forward(self, x):
            seen.append(phase.current())
            return x

    K.set_learning_phase(0)
    Probe()(torch.ones(1))
    assert seen == [False]


def test_in_train_phase_with_per_sample_flags():
    x, alt = torch.ones(3, 2), torch.zeros(3, 2)
    out = K.in_train_phase(x, alt, training=torch.tensor([True, False, True]))
    assert out[:, 0].tolist() == [1.0, 0.0, 1.0]


def test_clear_session_resets_name_counters():
    K.get_uid("dense")
    assert K.get_uid("dense") == 2
    K.clear_session()
    assert K.get_uid("dense") == 1
    K.reset_uids()
    assert K.get_uid("dense") == 1


# ------------------------------------------------------------------ randomness


@pytest.mark.parametrize("fn,kwargs,mean,std", [
    (K.random_normal, {"mean": 1.0, "stddev": 2.0}, 1.0, 2.0),
    (K.random_uniform, {"minval": -1.0, "maxval": 3.0}, 1.0, 4.0 / 12 ** 0.5),
    (K.truncated_normal, {"mean": 0.0, "stddev": 1.0}, 0.0, 0.88),
    (K.random_binomial, {"p": 0.3}, 0.3, 0.3 ** 0.5 * 0.7 ** 0.5),
])
def test_random_draws_have_their_distribution_and_seed(fn, kwargs, mean, std):
    x = fn((20000,), seed=3, **kwargs)
    assert x.dtype == torch.float32 and x.shape == (20000,)
    assert abs(float(x.mean()) - mean) < 0.05 and abs(float(x.std()) - std) < 0.05
    assert torch.equal(x, fn((20000,), seed=3, **kwargs))
    assert fn((2, 3), dtype="float64", **kwargs).dtype == torch.float64


def test_truncated_normal_stays_within_two_stddevs():
    x = K.truncated_normal((5000,), mean=1.0, stddev=0.5, seed=0)
    assert float(x.min()) >= 0.0 and float(x.max()) <= 2.0


def test_random_variables_and_dropout():
    v = K.random_uniform_variable((100,), 2.0, 3.0, seed=1)
    assert K.is_variable(v) and 2.0 <= K.get_value(v).min() and K.get_value(v).max() < 3.0
    n = K.random_normal_variable((2, 2), 0.0, 1.0, seed=1, name="n")
    assert n.name == "n"
    x = torch.ones(1000, 4)
    y = K.dropout(x, 0.5, seed=0)
    assert set(torch.unique(y).tolist()) <= {0.0, 2.0}
    shared = K.dropout(x, 0.5, noise_shape=(1000, 1), seed=0)
    assert bool((shared == shared[:, :1]).all())  # one draw per row
    with pytest.raises(ValueError, match=r"dropout: level must be in \[0, 1\)"):
        K.dropout(x, 1.0)


# ------------------------------------------------------------------ autograd through ops


def test_gradients_flow_through_convolutions_rnn_and_ctc():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 3, requires_grad=True)
    kernel = torch.randn(3, 3, 5, requires_grad=True)
    y = K.conv1d(x, kernel, padding="same")
    w = torch.randn(5, 4, requires_grad=True)

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, w) + states[0])
        return h, [h]

    last, outputs, states = K.rnn(step, y, [torch.zeros(2, 4)])
    probs = K.softmax(outputs)
    loss = K.ctc_batch_cost(torch.tensor([[0, 1], [2, 2]]), probs,
                            torch.tensor([[6], [6]]), torch.tensor([[2], [2]]))
    assert loss.shape == (2, 1)
    (loss.sum() + last.sum()).backward()
    for tensor in (x, kernel, w):
        assert tensor.grad is not None and bool(torch.isfinite(tensor.grad).all())
    assert K.stop_gradient(x).requires_grad is False
    assert [t.requires_grad for t in K.stop_gradient([x, w])] == [False, False]


def test_rnn_argument_errors():
    def step(x_t, states):
        return x_t, states

    with pytest.raises(ValueError, match="at least 3 dimensions"):
        K.rnn(step, torch.ones(2, 3), [])
    with pytest.raises(ValueError, match="No initial states provided"):
        K.rnn(step, torch.ones(2, 3, 1), [], mask=torch.ones(2, 3))
    with pytest.raises(ValueError, match="input_length=4 but the inputs have 3 timesteps"):
        K.rnn(step, torch.ones(2, 3, 1), [torch.ones(2, 1)], input_length=4)


def test_map_fn_and_folds():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert K.map_fn(lambda row: row.sum(), x).tolist() == [3.0, 7.0]
    assert K.foldl(lambda acc, row: acc * 10 + row, x).tolist() == [13.0, 24.0]
    assert K.foldr(lambda acc, row: acc * 10 + row, x).tolist() == [31.0, 42.0]
    assert K.foldl(lambda acc, row: acc + row.sum(), x, initializer=torch.tensor(0.0)) == 10.0


# ------------------------------------------------------------------ TensorFlow-only names


def test_session_functions_name_the_torch_way():
    for call in (K.get_session, lambda: K.set_session(None)):
        with pytest.raises(RuntimeError, match="torch runs eagerly.*K.get_value"):
            call()


def test_layers_built_in_a_name_scope_carry_it_in_their_weight_names():
    # Keras 2.3.1 (TensorFlow's variables): 'encoder/block/dense_1/kernel:0'; NASNet's published
    # weight files list such names. The layer's own name is unchanged; outside a scope, none.
    import lamella
    from lamella.testing import SeededDense

    K.clear_session()
    inputs = lamella.Input(shape=(4,))
    with K.name_scope("encoder"):
        with K.name_scope("block"):
            inner = SeededDense(3, name="inner")
            hidden = inner(inputs)
    outer = SeededDense(2, name="outer")
    outer(hidden)
    assert inner.name == "inner"
    assert inner.keras_weight_names() == ["encoder/block/inner/kernel:0",
                                          "encoder/block/inner/bias:0"]
    assert outer.keras_weight_names() == ["outer/kernel:0", "outer/bias:0"]


def test_name_scope_control_dependencies_print_and_decorators(capsys):
    with K.name_scope("outer") as outer:
        with K.name_scope("inner") as inner:
            pass
    assert (outer, inner) == ("outer/", "outer/inner/")
    with K.control_dependencies([torch.ones(1)]):
        pass
    x = torch.tensor([1.0])
    assert K.print_tensor(x, message="x = ") is x
    assert "x = tensor([1.])" in capsys.readouterr().out

    def double(t):
        return t * 2

    assert K.eager(double) is double and K.symbolic(double)(x).tolist() == [2.0]
    K.manual_variable_initialization(True)
    assert K.backend() == "pytorch"


# ------------------------------------------------------------------ config


def test_config_setters_check_their_values():
    with pytest.raises(ValueError, match="Unknown floatx type: 'float8'"):
        K.set_floatx("float8")
    with pytest.raises(ValueError, match="Unknown data_format"):
        K.set_image_data_format("NHWC")
    with pytest.raises(ValueError, match="must be one of"):
        K.normalize_data_format("channels_middle")
    K.set_image_data_format("channels_first")
    assert K.normalize_data_format(None) == "channels_first"
    assert K.normalize_data_format("Channels_Last") == "channels_last"
    K.set_epsilon(1e-4)
    assert K.epsilon() == 1e-4
    assert K.cast_to_floatx([1, 2]).dtype == np.float32


def test_data_format_default_follows_image_data_format():
    x = torch.randn(1, 2, 5, 5)  # channels_first
    kernel = torch.randn(3, 3, 2, 4)
    K.set_image_data_format("channels_first")
    assert K.conv2d(x, kernel).shape == (1, 4, 3, 3)
    assert K.pool2d(x, (2, 2)).shape == (1, 2, 4, 4)
    assert K.bias_add(x, torch.ones(2)).shape == x.shape


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("call,message", [
    (lambda: K.conv2d(torch.ones(1, 4, 4, 3), torch.ones(3, 3, 2, 1)),
     "conv2d: the input has 3 channels, the kernel expects 2"),
    (lambda: K.conv2d(torch.ones(1, 4, 4, 3), torch.ones(3, 3, 3, 1), padding="full"),
     "conv2d: padding must be one of"),
    (lambda: K.conv1d(torch.ones(4, 3), torch.ones(3, 3, 1)), "conv1d: expected a 3-D input"),
    (lambda: K.pool2d(torch.ones(1, 4, 4, 3), (2, 2), pool_mode="sum"), "Invalid pool_mode"),
    (lambda: K.bias_add(torch.ones(2, 3), torch.ones(4)), "a bias of 4 values"),
    (lambda: K.bias_add(torch.ones(2, 3), torch.ones(1, 2, 3)), "Unexpected bias dimensions"),
    (lambda: K.squeeze(torch.ones(2, 3), 1), "squeeze: axis 1"),
    (lambda: K.batch_dot(torch.ones(2, 3), torch.ones(2, 4)), "have different sizes"),
    (lambda: K.batch_dot(torch.ones(3), torch.ones(2, 4)), "at least 2 dimensions"),
    (lambda: K.dot(torch.ones(2, 3, 4), torch.ones(5, 6)), "dot: the last axis of x"),
    (lambda: K.mean(torch.ones(2, 3), axis=2), "axis 2 is out of range"),
    (lambda: K.repeat(torch.ones(2, 3, 4), 2), "repeat: x must be 2-D"),
    (lambda: K.permute_dimensions(torch.ones(2, 3), (0, 0)), "not a permutation"),
    (lambda: K.resize_images(torch.ones(1, 2, 2, 1), 2, 2, "channels_last", "bicubic"),
     "interpolation should be one of"),
    (lambda: K.resize_images(torch.ones(1, 2, 2, 1), 1.5, 2, "channels_last"),
     "height_factor must be a positive integer"),
    (lambda: K.switch(torch.ones(2, 2, 2) > 0, torch.ones(2), torch.zeros(2)),
     "Rank of `condition`"),
    (lambda: K.sparse_categorical_crossentropy(torch.tensor([3]), torch.ones(1, 3) / 3),
     "outside"),
    (lambda: K.ctc_decode(torch.ones(1, 3, 4) / 4, torch.tensor([3]), greedy=False,
                          beam_width=2, top_paths=3), "top_paths <= beam_width"),
    (lambda: K.ctc_decode(torch.ones(1, 3, 4) / 4, torch.tensor([5])), "input_length"),
    (lambda: K.spatial_2d_padding(torch.ones(1, 2, 2, 1), ((1, 1),)), "2 pairs of paddings"),
    (lambda: K.random_binomial((2,), p=1.5), "p must be in"),
])
def test_bad_inputs_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ------------------------------------------------------------------ properties


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 3), st.data())
def test_repeat_elements_and_tile_match_numpy(shape, rep, data):
    x = np.arange(int(np.prod(shape)), dtype="float32").reshape(shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    np.testing.assert_array_equal(K.repeat_elements(torch.from_numpy(x), rep, axis).numpy(),
                                  np.repeat(x, rep, axis=axis))
    reps = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape)))
    np.testing.assert_array_equal(K.tile(torch.from_numpy(x), reps).numpy(), np.tile(x, reps))
    np.testing.assert_array_equal(K.reverse(torch.from_numpy(x), axis).numpy(),
                                  np.flip(x, axis=axis))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.sampled_from(["max", "avg"]))
def test_same_padding_keeps_ceil_size(h, w, k, stride, dilation, pool_mode):
    x = torch.randn(1, h, w, 2)
    out = K.conv2d(x, torch.randn(k, k, 2, 3), strides=(stride, stride), padding="same",
                   dilation_rate=(dilation, dilation) if stride == 1 else (1, 1))
    expected = (1, -(-h // stride), -(-w // stride), 3)
    assert tuple(out.shape) == expected
    pooled = K.pool2d(x, (k, k), strides=(stride, stride), padding="same", pool_mode=pool_mode)
    assert tuple(pooled.shape) == expected[:3] + (2,)
    if pool_mode == "max":  # a padded position is never the maximum
        assert float(pooled.max()) <= float(x.max())
    else:  # an average of real positions stays within their range
        assert float(x.min()) - 1e-6 <= float(pooled.min()) <= float(pooled.max()) <= float(
            x.max()) + 1e-6


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["float16", "float32", "float64", "int32", "int64", "bool"]))
def test_dtypes_round_trip(dtype_name):
    x = K.cast(torch.tensor([0.0, 1.0, 2.0]), dtype_name)
    assert K.dtype(x) == dtype_name
    assert K.dtype(K.zeros_like(x)) == dtype_name


# ------------------------------------------------------------------ CUDA


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_ops_on_cuda_match_the_cpu():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 5, 3)
    kernel = torch.randn(3, 3, 3, 4)
    cases = [
        lambda t, k: K.conv2d(t, k, padding="same", strides=(2, 2)),
        lambda t, k: K.pool2d(t, (2, 2), padding="same", pool_mode="avg"),
        lambda t, k: K.resize_images(t, 2, 2, "channels_last", interpolation="bilinear"),
        lambda t, k: K.bias_add(t, k[0, 0, 0, :3]),
        lambda t, k: K.clip(t, -0.5, K.max(t) * 0.5),
        lambda t, k: K.in_top_k(t[:, 0, 0], torch.zeros(2, dtype=torch.long, device=t.device),
                                1),
        lambda t, k: K.ctc_batch_cost(torch.tensor([[0, 1], [2, 3]], device=t.device),
                                      K.softmax(t[..., 0]),
                                      torch.tensor([[6], [5]], device=t.device),
                                      torch.tensor([[2], [2]], device=t.device)),
        lambda t, k: K.ctc_decode(K.softmax(t[..., 0]), torch.tensor([6, 4], device=t.device),
                                  greedy=False, beam_width=5, top_paths=2)[1],
    ]
    for fn in cases:
        cpu = fn(x, kernel)
        gpu = fn(x.cuda(), kernel.cuda())
        assert gpu.device.type == "cuda"
        torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-4, atol=1e-4)
    dropped = K.dropout(x.cuda(), 0.5, seed=1)
    assert dropped.device.type == "cuda"
    assert bool(((dropped == 0) | torch.isclose(dropped, 2 * x.cuda())).all())
