"""Data as Keras 2.3.1 feeds it, and ``trainable`` changes after compile (issue 14, items 7, 8),
written the way Keras scripts do it."""

import numpy as np
import pytest
import torch

import lamella
from lamella import backend as K
from lamella.engine.compile_utils import as_keras_target
from lamella.testing import PlainSGD, SeededDense, mean_squared_error


def _single_unit_model(seed=0):
    inputs = lamella.Input(shape=(3,))
    return lamella.Model(inputs, SeededDense(1, seed=seed)(inputs))


def test_a_custom_loss_gets_1d_labels_as_a_float_column():
    """The contrastive-loss example: 1-D integer labels, a single-unit output. Keras feeds
    y_true as (batch, 1) float32; as (batch,) int64 it broadcast to (batch, batch)."""
    seen = []

    def contrastive_loss(y_true, y_pred):
        seen.append((tuple(y_true.shape), y_true.dtype))
        margin = 1
        return K.mean(y_true * K.square(y_pred)
                      + (1 - y_true) * K.square(K.maximum(margin - y_pred, 0)))

    model = _single_unit_model()
    model.compile(optimizer=PlainSGD(0.01), loss=contrastive_loss)
    x = np.random.RandomState(0).rand(8, 3).astype("float32")
    y = np.array([0, 1] * 4)
    loss = model.train_on_batch(x, y)
    assert seen[0] == ((8, 1), torch.float32)
    # the value is the per-sample formula, not a (batch, batch) broadcast of it
    pred = _single_unit_model().predict(x)
    col = y.reshape(-1, 1).astype("float32")
    expected = np.mean(col * pred ** 2 + (1 - col) * np.maximum(1 - pred, 0) ** 2)
    assert np.isclose(loss, expected, rtol=1e-5)


def test_a_custom_metric_gets_targets_as_keras_feeds_them():
    seen = []

    def first_label(y_true, y_pred):
        seen.append((tuple(y_true.shape), y_true.dtype))
        return K.mean(y_true)

    model = _single_unit_model()
    model.compile(optimizer=PlainSGD(0.01), loss=mean_squared_error, metrics=[first_label])
    model.evaluate(np.zeros((4, 3), "float32"), np.array([1, 1, 0, 0]), verbose=0)
    assert seen and all(s == ((4, 1), torch.float32) for s in seen)


def test_as_keras_target():
    assert as_keras_target(torch.tensor([0, 1]), torch.zeros(2, 1)).shape == (2, 1)
    assert as_keras_target(torch.tensor([[0, 1]]), torch.zeros(1, 2)).dtype == torch.float32
    kept = torch.ones(2, 3)
    assert as_keras_target(kept, torch.zeros(2, 3)) is kept


def test_bool_and_integer_inputs_are_cast_to_the_input_dtype():
    x = np.zeros((6, 4), dtype=bool)
    x[np.arange(6), np.arange(6) % 4] = True
    model = lamella.Sequential([SeededDense(2, input_shape=(4,))])
    model.compile(optimizer=PlainSGD(0.1), loss=mean_squared_error)
    model.fit(x, np.zeros((6, 2), "float32"), epochs=1, verbose=0)
    assert model.predict(x).dtype == np.float32
    assert model.predict(x.astype("int64")).shape == (6, 2)


def _gan(seed=0):
    discriminator = lamella.Sequential([SeededDense(4, "relu", input_shape=(3,), seed=seed),
                                        SeededDense(1, "sigmoid", seed=seed + 1)])
    discriminator.compile(optimizer=PlainSGD(0.5), loss=mean_squared_error)
    discriminator.trainable = False      # frozen for the combined model only
    generator = lamella.Sequential([SeededDense(3, input_shape=(2,), seed=seed + 2)])
    z = lamella.Input(shape=(2,))
    combined = lamella.Model(z, discriminator(generator(z)))
    combined.compile(optimizer=PlainSGD(0.5), loss=mean_squared_error)
    return discriminator, generator, combined


def _changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after))


def test_the_frozen_discriminator_gan_trains_both_models():
    discriminator, generator, combined = _gan()
    rng = np.random.RandomState(0)
    for _ in range(2):  # alternate, as a GAN's training loop does
        d_before = discriminator.get_weights()
        discriminator.train_on_batch(rng.rand(8, 3), np.ones((8, 1)))
        assert _changed(d_before, discriminator.get_weights())        # D still trains
        d_before, g_before = discriminator.get_weights(), generator.get_weights()
        combined.train_on_batch(rng.rand(8, 2), np.ones((8, 1)))
        assert not _changed(d_before, discriminator.get_weights())    # frozen inside combined
        assert _changed(g_before, generator.get_weights())            # G trains
    assert discriminator.trainable_weights == []  # as in Keras: the flag itself is False
    assert len(combined.trainable_weights) == 2


def test_freezing_after_compile_does_not_change_the_compiled_model():
    model = lamella.Sequential([SeededDense(2, input_shape=(3,))])
    model.compile(optimizer=PlainSGD(0.5), loss=mean_squared_error)
    model.trainable = False
    before = model.get_weights()
    model.train_on_batch(np.ones((4, 3)), np.zeros((4, 2)))
    assert _changed(before, model.get_weights())
    model.compile(optimizer=PlainSGD(0.5), loss=mean_squared_error)  # recompiling freezes it
    before = model.get_weights()
    model.train_on_batch(np.ones((4, 3)), np.zeros((4, 2)))
    assert not _changed(before, model.get_weights())


def test_add_weight_defaults_as_keras():
    class Scalar(lamella.engine.base_layer.Layer):
        def build(self, input_shape):
            # callables, not 'ones'/'zeros': the core's tests run without lamella-layers
            self.scale = self.add_weight(initializer=lambda shape, dtype=None: np.ones(shape))
            self.offset = self.add_weight(shape=(2,),
                                          initializer=lambda shape, dtype=None: np.zeros(shape))
            super().build(input_shape)

        def call(self, inputs):
            return inputs * self.scale + self.offset

    layer = Scalar()
    out = layer(torch.ones(3, 2))
    assert tuple(layer.scale.shape) == () and tuple(out.shape) == (3, 2)
    assert [w.shape for w in layer.get_weights()] == [(), (2,)]


def test_a_dict_of_inputs_may_carry_keys_the_model_does_not_have():
    """image_ocr.py's generator yields ``{'the_input': ..., 'source_str': [words]}`` (the words
    for its own callback): Keras 2.3.1 takes the model's names from the dict, ignores the rest."""
    inputs = lamella.Input(shape=(3,), name="the_input")
    model = lamella.Model(inputs, SeededDense(1, name="out")(inputs))
    model.compile(optimizer=PlainSGD(0.1), loss=mean_squared_error)
    x = np.random.RandomState(0).rand(8, 3).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def batches():
        while True:
            yield ({"the_input": x, "source_str": ["abc"] * 8}, {"out": y, "spare": y})

    before = model.evaluate(x, y, verbose=0)
    history = model.fit_generator(batches(), steps_per_epoch=5, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.evaluate({"the_input": x, "words": ["x"] * 8}, y, verbose=0) < before
    np.testing.assert_allclose(model.predict({"the_input": x, "extra": x}), model.predict(x))
    # a misspelt key is still an error: the model's own name is missing from the dict
    with pytest.raises(ValueError, match=r"No data provided for input \['the_input'\]"):
        model.predict({"the_inptu": x})
