"""lamella.backend on torch tensors, lamella.utils, and clone_model."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lamella
from lamella import backend as K
from lamella.testing import SeededDense as ToyDense
from lamella.utils import normalize, to_categorical

arrays = hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4),
                    elements=st.floats(-5, 5, width=32))


@settings(max_examples=30, deadline=None)
@given(arrays, st.sampled_from([None, 0, -1, [0, 1]]), st.booleans())
def test_reductions_match_numpy(x, axis, keepdims):
    t = torch.from_numpy(x)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    for ours, theirs in ((K.mean, np.mean), (K.sum, np.sum), (K.max, np.max), (K.min, np.min),
                         (K.std, np.std), (K.var, np.var)):
        np.testing.assert_allclose(ours(t, axis=axis, keepdims=keepdims).numpy(),
                                   theirs(x, axis=np_axis, keepdims=keepdims), rtol=1e-4, atol=1e-5)


def test_elementwise_and_shape_functions():
    x = torch.tensor([[1.0, -4.0], [9.0, 0.25]])
    assert K.sqrt(torch.tensor([-1.0, 4.0])).tolist() == [0.0, 2.0]  # clipped at 0, as Keras
    assert K.clip(x, -1.0, 1.0).tolist() == [[1.0, -1.0], [1.0, 0.25]]
    assert K.int_shape(x) == (2, 2) and K.ndim(x) == 2
    assert K.expand_dims(x).shape == (2, 2, 1)
    assert K.concatenate([x, x], axis=0).shape == (4, 2)
    assert K.argmax(x).tolist() == [0, 0]
    assert K.cast(x, "int32").dtype == torch.int32
    assert (K.epsilon() == 1e-7 and K.floatx() == "float32"
            and K.image_data_format() == "channels_last")


@pytest.mark.parametrize("x_shape,y_shape,axes,expected", [
    ((2, 3), (2, 3), 1, (2, 1)),  # a 1-D result becomes (batch, 1), as Keras 2.3.1
    ((2, 3, 4), (2, 4, 5), (2, 1), (2, 3, 5)),
    ((2, 3, 4), (2, 3, 5), (1, 1), (2, 4, 5)),
])
def test_batch_dot_matches_keras_shapes_and_values(x_shape, y_shape, axes, expected):
    x, y = torch.rand(x_shape), torch.rand(y_shape)
    out = K.batch_dot(x, y, axes=axes)
    assert tuple(out.shape) == expected
    for i in range(x_shape[0]):
        ref = np.tensordot(x[i].numpy(), y[i].numpy(),
                           axes=(axes[0] - 1 if isinstance(axes, tuple) else axes - 1,
                                 axes[1] - 1 if isinstance(axes, tuple) else axes - 1))
        np.testing.assert_allclose(out[i].numpy(), ref, rtol=1e-5)


def test_crossentropies_clip_like_keras():
    target = torch.tensor([[0.0, 1.0]])
    assert float(K.categorical_crossentropy(target, torch.tensor([[1.0, 0.0]]))) == pytest.approx(
        -np.log(1e-7), rel=1e-5)
    logits = torch.tensor([[2.0, -1.0]])
    assert float(K.categorical_crossentropy(target, logits, from_logits=True)) == pytest.approx(
        float(-torch.log_softmax(logits, -1)[0, 1]), rel=1e-6)


def test_variables_get_and_set_value():
    v = K.variable([[1, 2], [3, 4]])
    K.set_value(v, np.zeros((2, 2)))
    assert K.get_value(v).tolist() == [[0, 0], [0, 0]]
    assert K.batch_get_value([v])[0].shape == (2, 2)


def test_to_categorical_and_normalize():
    assert to_categorical([[1], [0], [2]]).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    assert to_categorical([0, 1], num_classes=4).shape == (2, 4)
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([5], num_classes=3)
    np.testing.assert_allclose(np.linalg.norm(normalize(np.random.rand(3, 4)), axis=-1), 1.0)


def test_clone_model_fresh_weights_and_on_new_inputs():
    model = lamella.Sequential([ToyDense(3, input_shape=(4,)), ToyDense(2, seed=1)])
    twin = lamella.models.clone_model(model)
    assert twin.get_config()["layers"] == model.get_config()["layers"]
    assert all(a is not b for a, b in zip(twin.parameters(), model.parameters()))
    inp = lamella.Input((4,), name="fresh")
    on_input = lamella.models.clone_model(model, input_tensors=inp)
    assert isinstance(on_input, lamella.Sequential) and on_input.inputs[0] is inp

    a = lamella.Input((4,))
    functional = lamella.Model(a, ToyDense(2)(a))
    b = lamella.Input((4,), name="b")
    clone = lamella.models.clone_model(functional, input_tensors=b)
    assert clone.inputs[0] is b and clone.output_shape == (None, 2)


def test_loss_scaling_unscales_and_skips_overflowing_steps():
    """The fp16 path (GradScaler on CUDA) drives a lamella optimizer through _ScalerView;
    checked here with torch's CPU GradScaler, which follows the same protocol."""
    from lamella.engine.trainer import _ScalerView
    from lamella.testing import PlainSGD as ToySGD

    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = ToySGD(learning_rate=0.1).build([weight])
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(weight.sum()).backward()
    scaler.step(_ScalerView(optimizer))
    scaler.update()
    assert weight.detach().tolist() == pytest.approx([0.9, 0.9, 0.9])
    weight.grad = torch.tensor([float("inf"), 0.0, 0.0])
    scaler.step(_ScalerView(optimizer))
    scaler.update()
    assert weight.detach().tolist() == pytest.approx([0.9, 0.9, 0.9])
    assert optimizer.iterations == 1 and scaler.get_scale() == 2.0
