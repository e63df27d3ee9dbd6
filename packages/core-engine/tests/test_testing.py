"""lamella.testing itself: the stand-ins, run_layer_test (it passes good layers and names the
check a broken one fails), plugin_registered and the pytest fixture, NpzSaver, drive_callback."""

import os

import numpy as np
import pytest
import torch

import lamella
from lamella.engine.base_layer import Layer
from lamella.engine.callbacks import Callback
from lamella.plugins import Component
from lamella.plugins.lookup import find
from lamella.testing import (
    CHECKS,
    CUSTOM_OBJECTS,
    LayerTestFailure,
    MomentumSGD,
    NpzSaver,
    ScaleShift,
    SeededDense,
    StubModel,
    drive_callback,
    make_plugin,
    mean_squared_error,
    npz_saver_plugin,
    plugin_registered,
    randomize_weights,
    read_npz,
    run_layer_test,
    toy_data,
    toy_functional,
    toy_model,
    toy_sequential,
)
from lamella.testing.fixtures import register_plugin  # noqa: F401  (the fixture under test)

# --- stand-ins -----------------------------------------------------------------------------------


def test_seeded_dense_is_reproducible_and_keras_shaped():
    first, second = SeededDense(3, "tanh", seed=4), SeededDense(3, "tanh", seed=4)
    x = torch.randn(2, 5)
    torch.testing.assert_close(first(x), second(x))
    kernel, bias = first.get_weights()
    assert kernel.shape == (5, 3) and bias.shape == (3,)
    assert first.get_config()["activation"] == "tanh"
    with pytest.raises(ValueError, match="activation"):
        SeededDense(3, "swishy")


def test_toy_model_trains():
    x, y = toy_data(64)
    model = toy_model(lr=0.05)
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_toy_models_and_randomize_weights():
    model = randomize_weights(toy_sequential(units=(5, 3), norm=True), seed=3)
    assert len(model.get_weights()) == 6
    assert len(model.non_trainable_weights) == 1  # ScaleShift's moving_mean
    assert not np.array_equal(model.get_weights()[-1], np.zeros(3))
    functional = toy_functional()
    assert [t.shape[-1] for t in functional.outputs] == [3, 1]


def test_custom_objects_rebuild_a_saved_config():
    model = toy_sequential(norm=True)
    model.compile(MomentumSGD(), loss=mean_squared_error)
    again = lamella.models.model_from_json(model.to_json(), custom_objects=CUSTOM_OBJECTS)
    assert [type(layer) for layer in again.layers] == [SeededDense, SeededDense, ScaleShift]


def test_momentum_sgd_keeps_one_slot_per_weight():
    x, y = toy_data(16)
    model = toy_sequential(units=(1,), activations=["linear"])
    model.compile(MomentumSGD(0.01, momentum=0.5), loss=mean_squared_error)
    model.fit(x, y, epochs=1, verbose=0)
    assert model.optimizer.get_config()["momentum"] == 0.5
    assert len(model.optimizer.moments) == 2


# --- run_layer_test ------------------------------------------------------------------------------

def test_run_layer_test_passes_the_stand_ins():
    run_layer_test(SeededDense, {"units": 3, "activation": "relu"}, (2, 4),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=2,
                   expected_num_non_trainable_weights=0, check_float64=True)
    run_layer_test(ScaleShift, {}, (2, 3, 4), expected_num_trainable_weights=1,
                   expected_num_non_trainable_weights=1)


class WrongShape(Layer):
    def call(self, inputs):
        return inputs[..., :1]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)  # wrong: the layer keeps one feature


class ForgetsItsArgument(Layer):
    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs * self.scale
    # no get_config: from_config rebuilds it with scale=1.0


class Doubles(Layer):
    def call(self, inputs):
        return inputs.double()


class NotMasking(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask.float()  # a float mask is not a Keras mask


class Detached(Layer):
    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],),
                                     initializer=lambda shape, dtype=None: torch.ones(shape))

    def call(self, inputs):
        # the weight is in the graph, but its gradient is always zero: training never moves it
        return inputs * self.scale.detach() + 0 * self.scale


@pytest.mark.parametrize("cls, kwargs, shape, check, words", [
    (WrongShape, {}, (2, 3), "output_shape", "compute_output_shape"),
    (ForgetsItsArgument, {"scale": 3.0}, (2, 3), "config", "from_config copy"),
    (Doubles, {}, (2, 3), "dtype", "float64"),
    (NotMasking, {}, (2, 4, 3), "masking", "mask"),
    (Detached, {}, (2, 3), "training", "gradients do not reach the weights"),
    (SeededDense, {"units": 2}, (2, 3), "weight_counts", "2 trainable weights, expected 3"),
])
def test_run_layer_test_names_the_layer_and_the_failed_check(cls, kwargs, shape, check, words):
    counts = {"expected_num_trainable_weights": 3} if check == "weight_counts" else {}
    with pytest.raises(LayerTestFailure) as info:
        run_layer_test(cls, kwargs, shape, **counts)
    assert check in info.value.failures, str(info.value)
    assert words in info.value.failures[check], str(info.value)
    assert str(info.value).startswith(f"{cls.__name__}: ")
    # skipping the failed checks lets the rest pass
    run_layer_test(cls, kwargs, shape, skip=tuple(info.value.failures), **counts)


def test_run_layer_test_reports_a_layer_that_cannot_run():
    with pytest.raises(LayerTestFailure, match=r"(?s)SeededDense: .*\[call\] TypeError"):
        run_layer_test(SeededDense, {"units": 2, "unknown": 1}, (2, 3))


def test_run_layer_test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown check"):
        run_layer_test(SeededDense, {"units": 2}, (2, 3), skip=("nope",))
    with pytest.raises(ValueError, match="exactly one"):
        run_layer_test(SeededDense, {"units": 2})
    assert "serialize" in CHECKS and "masking" in CHECKS


def test_run_layer_test_takes_input_data_and_expected_output():
    layer = run_layer_test(ScaleShift, {}, input_data=np.ones((2, 3), "float32"),
                           expected_output=np.ones((2, 3), "float32"))
    assert layer.built


# --- registering plugins -------------------------------------------------------------------------

class ZqTestingLayer(Layer):
    pass


def test_plugin_registered_registers_for_the_block_only():
    assert find("layers", "ZqTestingLayer") is None
    with plugin_registered({"layers": [Component("ZqTestingLayer", ZqTestingLayer)]}) as name:
        assert find("layers", "ZqTestingLayer") is ZqTestingLayer
        assert name in {info.name for info in lamella.plugins.plugin_infos()}
    assert find("layers", "ZqTestingLayer") is None


def test_plugin_registered_unregisters_after_an_error():
    plugin = make_plugin({"layers": [Component("ZqTestingLayer", ZqTestingLayer)]})
    with pytest.raises(RuntimeError, match="inside"):
        with plugin_registered(plugin, name="zq-testing-plugin"):
            raise RuntimeError("inside")
    assert find("layers", "ZqTestingLayer") is None
    assert "zq-testing-plugin" not in {info.name for info in lamella.plugins.plugin_infos()}


def test_register_plugin_fixture(register_plugin):  # noqa: F811  (a pytest fixture)
    register_plugin({"layers": [Component("ZqTestingLayer", ZqTestingLayer)]})
    assert lamella.layers.ZqTestingLayer is ZqTestingLayer


def test_register_plugin_fixture_cleaned_up_after_the_test():
    assert find("layers", "ZqTestingLayer") is None


# --- NpzSaver and drive_callback -----------------------------------------------------------------

def test_npz_saver_round_trips_weights(tmp_path):
    saver = NpzSaver()
    model = randomize_weights(toy_sequential(), seed=1)
    with plugin_registered(npz_saver_plugin(saver)):
        model.save_weights(str(tmp_path / "w.npz"))
        fresh = toy_sequential()
        fresh.load_weights(str(tmp_path / "w.npz"))
    # lamella.saving hands the saver a temporary beside the destination, then renames it
    [(kind, written)] = saver.calls
    assert kind == "weights"
    assert os.path.dirname(written) == str(tmp_path)
    assert os.path.basename(written).startswith(".w.npz.tmp-")
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]
    for got, want in zip(read_npz(tmp_path / "w.npz"), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_drive_callback_replays_the_epoch_loop():
    class StopAtTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(f"epoch {epoch} loss {logs['loss']}")
            if epoch == 2:
                self.model.stop_training = True

    probes, epochs, out = drive_callback(StopAtTwo(), StubModel(), [{"loss": 1.0}] * 5,
                                         lambda callback, model, logs: model.epoch)
    assert epochs == [0, 1, 2] and probes == [0, 1, 2]
    assert out.splitlines()[-1] == "epoch 2 loss 1.0"
