"""The engine with real components: data inputs, properties, subclassing, torch interop."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamella
from lamella import layers, optimizers
from lamella.utils import Sequence, set_random_seed, to_categorical

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


# --- shape inference and config round-trips on random stacks ---------------------------------

@st.composite
def dense_stacks(draw):
    depth = draw(st.integers(1, 4))
    return [(draw(st.integers(1, 9)), draw(st.sampled_from(["relu", "tanh", "linear", "sigmoid"])))
            for _ in range(depth)]


@st.composite
def conv_stacks(draw):
    size = draw(st.integers(6, 12))
    blocks = []
    for _ in range(draw(st.integers(1, 2))):
        blocks.append(("conv", draw(st.integers(1, 4)), draw(st.integers(1, 3)),
                       draw(st.sampled_from(["valid", "same"])), draw(st.integers(1, 2))))
        if draw(st.booleans()):
            blocks.append(("pool", draw(st.integers(1, 2)),
                           draw(st.sampled_from(["valid", "same"]))))
    return size, blocks


def build_conv_model(size, blocks):
    stack = [layers.InputLayer(input_shape=(size, size, 2))]
    for block in blocks:
        if block[0] == "conv":
            _, filters, kernel, padding, stride = block
            stack.append(layers.Conv2D(filters, kernel, strides=stride, padding=padding,
                                       activation="relu"))
        else:
            _, pool, padding = block
            stack.append(layers.MaxPooling2D(pool, padding=padding))
    stack += [layers.Flatten(), layers.Dense(3)]
    return lamella.Sequential(stack)


@SETTINGS
@given(conv_stacks(), st.integers(1, 5))
def test_symbolic_shapes_equal_real_output_shapes(stack, batch):
    size, blocks = stack
    try:
        model = build_conv_model(size, blocks)
    except ValueError:
        return  # a stack that shrinks the image below the kernel is rejected, as Keras does
    x = torch.rand(batch, size, size, 2)
    real = x
    for layer in model.layers:
        real = layer(real)
        assert (None,) + tuple(real.shape[1:]) == tuple(layer.output_shape)
    assert model.predict(x.numpy()).shape == (batch, 3)


@SETTINGS
@given(dense_stacks())
def test_config_round_trip_reproduces_predictions(stack):
    model = lamella.Sequential([layers.Dense(units, activation=act,
                                             **({"input_shape": (5,)} if i == 0 else {}))
                                for i, (units, act) in enumerate(stack)])
    clone = lamella.models.model_from_json(model.to_json())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    x = np.random.rand(7, 5).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_functional_config_round_trip_with_shared_layer():
    a, b = lamella.Input((4,), name="a"), lamella.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    out = layers.Dense(1, name="out")(layers.Activation("relu")(shared(a)))
    other = layers.Dense(1, name="other")(shared(b))
    model = lamella.Model([a, b], [out, other])
    clone = lamella.Model.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    xs = [np.random.rand(3, 4).astype("float32") for _ in range(2)]
    for got, want in zip(clone.predict(xs), model.predict(xs)):
        np.testing.assert_allclose(got, want, rtol=1e-6)


# --- the same training whatever the data container ---------------------------------------------

def _data():
    rs = np.random.RandomState(0)
    x = rs.rand(64, 6).astype("float32")
    y = to_categorical(rs.randint(0, 3, 64), 3)
    return x, y


def _model():
    set_random_seed(3)
    model = lamella.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                                layers.Dense(3, activation="softmax")])
    model.compile(optimizers.SGD(learning_rate=0.1), "categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class Batches(Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def _generator(x, y, batch_size):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


@pytest.mark.parametrize("feed", ["generator", "sequence", "sequence-threads", "sequence-processes",
                                  "dataloader", "tensors"])
def test_every_data_container_trains_to_the_same_weights(feed):
    x, y = _data()
    reference = _model()
    reference.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    model = _model()
    if feed == "generator":
        model.fit(_generator(x, y, 16), steps_per_epoch=4, epochs=2, verbose=0)
    elif feed == "sequence":
        model.fit(Batches(x, y, 16), epochs=2, shuffle=False, verbose=0, workers=0)
    elif feed == "sequence-threads":
        model.fit(Batches(x, y, 16), epochs=2, shuffle=False, verbose=0, workers=2)
    elif feed == "sequence-processes":
        model.fit(Batches(x, y, 16), epochs=2, shuffle=False, verbose=0, workers=2,
                  use_multiprocessing=True)
    elif feed == "dataloader":
        dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        model.fit(torch.utils.data.DataLoader(dataset, batch_size=16), epochs=2, verbose=0)
    else:
        model.fit(torch.from_numpy(x), torch.from_numpy(y), batch_size=16, epochs=2,
                  shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_generator_without_steps_per_epoch_is_a_clear_error():
    x, y = _data()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(_generator(x, y, 16), epochs=1, verbose=0)


# --- errors naming the input and both shapes ------------------------------------------------

def test_wrong_input_shape_names_the_input_and_both_shapes():
    x, y = _data()
    with pytest.raises(ValueError, match=r"input 'dense_\d+_input'.*\(None, 6\).*\(64, 5\)"):
        _model().fit(x[:, :5], y, verbose=0)


def test_mismatched_lengths_are_reported():
    x, y = _data()
    with pytest.raises(ValueError, match="same number of samples"):
        _model().fit(x, y[:10], verbose=0)


def test_missing_dict_key_names_the_input():
    a = lamella.Input((2,), name="left")
    b = lamella.Input((2,), name="right")
    model = lamella.Model([a, b], layers.Dense(1)(layers.Dense(2)(a)))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="right"):
        model.fit({"left": np.zeros((4, 2))}, np.zeros((4, 1)), verbose=0)


# --- subclassed models and torch interop -------------------------------------------------------

class TwoLayer(lamella.Model):
    def __init__(self):
        super().__init__(name="two_layer")
        self.hidden = layers.Dense(16, activation="relu")
        self.out = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.hidden(inputs))


def test_subclassed_model_trains_and_refuses_config():
    x, y = _data()
    set_random_seed(0)
    model = TwoLayer()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [layer.name for layer in model.layers][:1] and len(model.trainable_weights) == 4
    with pytest.raises(NotImplementedError, match="subclassed Model"):
        model.get_config()


def test_plain_torch_module_inside_a_subclassed_model_is_trained():
    class WithTorch(lamella.Model):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(6, 3)

        def call(self, inputs, training=None):
            return torch.softmax(self.linear(inputs), dim=-1)

    x, y = _data()
    model = WithTorch()
    model.compile("sgd", "categorical_crossentropy")
    before = model.linear.weight.detach().clone()
    model.fit(x, y, epochs=1, verbose=0)
    # compile/fit put the model on the default device (CUDA where visible)
    assert not torch.equal(before.cpu(), model.linear.weight.detach().cpu())


def test_torch_compile_of_a_model_matches_eager():
    model = _model()
    x = torch.rand(4, 6, device=model.device)  # a compiled model's inputs go where it is
    compiled = torch.compile(model)
    np.testing.assert_allclose(compiled(x).detach().cpu().numpy(),
                               model(x).detach().cpu().numpy(), rtol=1e-5)


def test_jit_compile_trains_like_eager():
    x, y = _data()
    eager = _model()
    eager.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    jitted = _model()
    jitted.compile(optimizers.SGD(learning_rate=0.1), "categorical_crossentropy",
                   metrics=["accuracy"], jit_compile=True)
    jitted.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(jitted.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_model_is_a_torch_module_for_torch_training():
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = _data()
    loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x).to(model.device)),
                                             torch.from_numpy(y.argmax(1)).to(model.device))
    before = [w.copy() for w in model.get_weights()]
    loss.backward()
    optimizer.step()
    names = [layer.name for layer in model.layers]
    assert list(model.state_dict()) == [f"{n}.{w}" for n in names for w in ("kernel", "bias")]
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_regularizer_penalty_is_part_of_the_reported_loss():
    x, y = _data()
    set_random_seed(1)
    model = lamella.Sequential([layers.Dense(3, activation="softmax", input_shape=(6,),
                                             kernel_regularizer=lamella.regularizers.l2(0.5))])
    model.compile("sgd", "categorical_crossentropy")
    penalty = 0.5 * float((model.layers[0].kernel.detach() ** 2).sum())
    device = model.device
    plain = lamella.losses.categorical_crossentropy(torch.from_numpy(y).to(device),
                                                    model(torch.from_numpy(x).to(device)))
    assert model.evaluate(x, y, verbose=0, batch_size=64) == pytest.approx(
        float(plain.mean()) + penalty, rel=1e-5)


def test_stop_training_mid_epoch():
    x, y = _data()

    class StopAfterTwo(lamella.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.seen = batch
            if batch == 1:
                self.model.stop_training = True

    stopper = StopAfterTwo()
    history = _model().fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[stopper])
    assert stopper.seen == 1 and len(history.epoch) == 1


def test_activity_regularizer_counts_in_training_loss_and_is_not_kept_by_predict():
    x, y = _data()
    set_random_seed(2)
    model = lamella.Sequential([layers.Dense(3, activation="softmax", input_shape=(6,),
                                             activity_regularizer=lamella.regularizers.l1(0.1))])
    model.compile("sgd", "categorical_crossentropy")
    device = model.device
    out = model(torch.from_numpy(x).to(device))
    expected = float(lamella.losses.categorical_crossentropy(torch.from_numpy(y).to(device),
                                                             out).mean()
                     + 0.1 * out.abs().sum())
    assert model.evaluate(x, y, batch_size=64, verbose=0) == pytest.approx(expected, rel=1e-5)
    model.predict(x, batch_size=8)
    assert len(model.losses) == 1


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_trains_with_float32_weights(precision):
    x, y = _data()
    model = _model()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"],
                  mixed_precision=precision, device="cpu")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x[:2]).dtype == np.float32


def test_unknown_mixed_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="mixed_precision"):
        _model().compile("adam", "mse", mixed_precision="int8")


def test_generator_is_prefetched_on_a_background_thread():
    import threading

    x, y = _data()
    producers = set()

    def recording_generator():
        while True:
            for start in range(0, len(x), 16):
                producers.add(threading.current_thread().name)
                yield x[start:start + 16], y[start:start + 16]

    model = _model()
    model.fit(recording_generator(), steps_per_epoch=4, epochs=2, verbose=0, workers=1)
    assert producers == {"lamella-generator-prefetch"}
    producers.clear()
    model.fit(recording_generator(), steps_per_epoch=4, epochs=1, verbose=0, workers=0)
    assert producers == {threading.main_thread().name}


def test_generator_errors_reach_the_caller():
    def broken():
        yield _data()[0][:4], _data()[1][:4]
        raise RuntimeError("bad batch 2")

    with pytest.raises(RuntimeError, match="bad batch 2"):
        _model().fit(broken(), steps_per_epoch=3, epochs=1, verbose=0)


def test_subclassed_model_called_before_compile_trains():
    x, y = _data()
    model = TwoLayer()
    model(torch.from_numpy(x[:2]))  # built by a direct call, then compiled
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, verbose=0)
    assert model.metrics_names == ["loss", "accuracy"]
    assert len(history.history["accuracy"]) == 2


def test_evaluate_a_fresh_subclassed_model_on_a_generator():
    x, y = _data()
    model = TwoLayer()
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(_generator(x, y, 16), steps=4, verbose=0)
    assert loss > 0 and 0 <= accuracy <= 1
