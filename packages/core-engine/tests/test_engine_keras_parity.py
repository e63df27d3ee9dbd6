"""The core engine against facts printed by real Keras 2.3.1 (fixtures/keras231)."""

import json
import pathlib

import numpy as np
import pytest
import torch

import lamella
from lamella import backend as K
from lamella.engine.base_layer import Layer
from lamella.testing import PlainSGD as ToySGD
from lamella.testing import SeededDense as ToyDense
from lamella.testing import mean_squared_error as mse

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras231"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


class Dense(ToyDense):
    """Named ``Dense`` so summaries and auto-names match Keras's."""


class Concatenate(Layer):
    def call(self, inputs):
        return torch.cat(inputs, dim=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (sum(s[-1] for s in input_shape),)


class LeakyReLU(Layer):
    pass


class ReLU(Layer):
    pass


class MaxPooling2D(Layer):
    pass


class BatchNormalization(Layer):
    pass


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    yield
    K.clear_session()


def summary_text(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def test_auto_names_follow_keras():
    created = [Dense(1), Dense(1), LeakyReLU(), ReLU(), BatchNormalization(), MaxPooling2D()]
    assert [layer.name for layer in created] == [
        "dense_1", "dense_2", "leaky_re_lu_1", "re_lu_1", "batch_normalization_1",
        "max_pooling2d_1"]
    assert lamella.Sequential().name == "sequential_1"
    inp = lamella.Input((2,))
    assert inp._keras_history[0].name == "input_1"
    assert lamella.Model(inp, Dense(1)(inp)).name == "model_1"
    K.clear_session()
    assert Dense(1).name == "dense_1"


def test_sequential_input_layer_name_matches_keras():
    expected = fixture("names.json")["sequential_with_input_shape"]
    model = lamella.Sequential([Dense(3, input_shape=(4,)), Dense(2)])
    assert model.name == expected["model_name"]
    assert [layer.name for layer in model.layers] == expected["layer_names"]
    assert model.input_names == [expected["input_layer_name"]]


@pytest.mark.parametrize("case,kwargs", [("i_seq_dense", {}),
                                         ("v_seq_dense_line_length_80", {"line_length": 80})])
def test_sequential_summary_is_byte_identical(case, kwargs):
    model = lamella.Sequential([Dense(3, input_shape=(4,)), Dense(2)])
    assert summary_text(model, **kwargs) == fixture("summaries.json")[case]["text"]


def test_non_trainable_summary():
    model = lamella.Sequential([Dense(5, input_shape=(4,)), Dense(3), Dense(2)])
    model.layers[1].trainable = False
    assert summary_text(model) == fixture("summaries.json")["vii_non_trainable"]["text"]
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2


def test_functional_two_output_summary():
    inp = lamella.Input((4,), name="inp")
    hid = Dense(8, name="hid")(inp)
    model = lamella.Model(inp, [Dense(3, name="out_a")(hid), Dense(1, name="out_b")(hid)])
    assert summary_text(model) == fixture("summaries.json")["iii_functional_two_outputs"]["text"]


def test_functional_concat_summary_lists_every_connection():
    a, b = lamella.Input((3,), name="a"), lamella.Input((5,), name="b")
    model = lamella.Model([a, b], Dense(2)(Concatenate()([a, b])))
    assert summary_text(model) == fixture("summaries.json")["iv_functional_concat"]["text"]


def test_unbuilt_model_summary_raises():
    with pytest.raises(ValueError, match="has not yet been built"):
        lamella.Sequential([Dense(2)]).summary()


def _tiny_training_model():
    model = lamella.Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.compile(ToySGD(0.05), loss=mse)
    return model


def test_validation_split_takes_the_last_fraction_before_shuffling():
    seen = []

    class Recorder(lamella.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(logs["val_loss"])

    x = np.arange(30, dtype="float32").reshape(10, 3)
    y = np.arange(10, dtype="float32").reshape(10, 1)
    model = _tiny_training_model()
    model.fit(x, y, epochs=1, batch_size=4, validation_split=0.3, verbose=0, callbacks=[Recorder()])
    # After training, the validation loss must equal the loss on samples 7, 8 and 9 only
    # (computed before the epoch ended, so recompute with the same weights differently):
    val = model.evaluate(x[7:], y[7:], verbose=0)
    assert seen[0] == pytest.approx(val, rel=1e-5)


def test_validation_freq_and_history_lengths():
    x, y = np.random.rand(20, 3).astype("float32"), np.random.rand(20, 1).astype("float32")
    history = _tiny_training_model().fit(x, y, epochs=3, validation_split=0.2,
                                         validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 1
    assert history.epoch == [0, 1, 2]


def test_initial_epoch_means_resume_and_epochs_is_the_last():
    x, y = np.random.rand(20, 3).astype("float32"), np.random.rand(20, 1).astype("float32")
    history = _tiny_training_model().fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_evaluate_and_train_on_batch_return_types():
    x, y = np.random.rand(8, 3).astype("float32"), np.random.rand(8, 1).astype("float32")
    model = _tiny_training_model()
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    assert isinstance(model.train_on_batch(x, y), float)
    model.compile(ToySGD(), loss=mse, metrics=[mse])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == len(model.metrics_names) == 2


def test_shuffle_batch_keeps_the_tail_last():
    from lamella.engine.data_adapter import batch_indices

    np.random.seed(0)
    batches = batch_indices(10, 4, "batch", "cpu")
    assert batches[-1].tolist() == [8, 9]
    assert sorted(torch.cat(batches).tolist()) == list(range(10))


def test_class_weight_missing_class_is_an_error():
    x = np.random.rand(6, 3).astype("float32")
    y = np.array([[0], [1], [1], [0], [1], [0]], dtype="float32")
    with pytest.raises(ValueError, match="must contain all classes"):
        _tiny_training_model().fit(x, y, class_weight={0: 1.0}, verbose=0)


def test_temporal_sample_weight_needs_2d():
    x = np.random.rand(8, 3).astype("float32")
    y = np.random.rand(8, 1).astype("float32")
    model = lamella.Sequential([Dense(1, input_shape=(3,))])
    model.compile(ToySGD(), loss=mse, sample_weight_mode="temporal")
    with pytest.raises(ValueError, match="timestep-wise sample weighting"):
        model.fit(x, y, sample_weight=np.ones(8), verbose=0)


def test_verbose_2_prints_keras_epoch_lines(capsys):
    x, y = np.random.rand(20, 3).astype("float32"), np.random.rand(20, 1).astype("float32")
    model = _tiny_training_model()
    model.compile(ToySGD(0.05), loss=mse, metrics=[mse])
    model.fit(x, y, epochs=2, validation_split=0.2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Train on 16 samples, validate on 4 samples"
    assert lines[1] == "Epoch 1/2"
    assert lines[2].startswith(" - 0s - loss: ") and " - mean_squared_error: " in lines[2]
    assert " - val_loss: " in lines[2] and lines[2].count(" - ") == 5


def test_verbose_1_not_a_tty_prints_one_finished_bar_per_epoch(capsys):
    x, y = np.random.rand(16, 3).astype("float32"), np.random.rand(16, 1).astype("float32")
    _tiny_training_model().fit(x, y, epochs=1, batch_size=5, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "Epoch 1/1"
    assert out[2].startswith("16/16 [==============================] - 0s ")
    assert "/step - loss: " in out[2] and len(out) == 3


def test_nn_module_behaviour():
    model = lamella.Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    assert isinstance(model, torch.nn.Module)
    assert len(list(model.parameters())) == 4
    assert set(model.state_dict()) == {"dense_1.kernel", "dense_1.bias",
                                       "dense_2.kernel", "dense_2.bias"}
    out = model(torch.ones(2, 3))
    assert out.shape == (2, 1)


def test_predict_over_several_batches_returns_every_sample():
    model = lamella.Sequential([Dense(2, input_shape=(3,))])
    x = np.random.rand(70, 3).astype("float32")
    expected = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=32), expected, rtol=1e-6)


class Add(Layer):
    def call(self, inputs):
        return inputs[0] + inputs[1]

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def test_shared_layer_summary_lists_both_nodes():
    a, b = lamella.Input((4,)), lamella.Input((4,))
    shared = Dense(3)
    model = lamella.Model([a, b], Dense(1)(Add()([shared(a), shared(b)])))
    assert summary_text(model) == fixture("summaries.json")["vi_shared_layer"]["text"]


def test_shared_layer_with_different_output_shapes_prints_multiple():
    a, b = lamella.Input((4,)), lamella.Input((2, 4))
    shared = Dense(3)
    model = lamella.Model([a, b], [shared(a), shared(b)])
    assert summary_text(model) == fixture("summaries.json")["vi_b_shared_layer_multiple"]["text"]


def test_nested_sequential_summary_and_weights():
    inp = lamella.Input((4,))
    inner = lamella.Sequential([Dense(3, input_shape=(4,)), Dense(2)])
    model = lamella.Model(inp, Dense(1)(inner(inp)))
    assert summary_text(model) == fixture("summaries.json")["viii_nested_sequential"]["text"]
    x = torch.rand(5, 4)
    expected = model.layers[2](inner.layers[1](inner.layers[0](x)))
    torch.testing.assert_close(model(x), expected)
    assert len(model.get_weights()) == 6


class TwoOutputs(Layer):
    def call(self, inputs):
        return [inputs, inputs * 2]

    def compute_output_shape(self, input_shape):
        return [input_shape, input_shape]


def test_sequential_refuses_a_multi_output_layer_as_keras_does():
    model = lamella.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(TypeError, match="single output tensor"):
        model.add(TwoOutputs())
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"]
