"""Keras 2.3 example scripts that compute on symbolic tensors, written as the scripts are: the
variational autoencoder (backend ops and a loss function on model tensors, ``add_loss``),
filter visualisation and deep dream (``K.gradients`` and ``K.function`` on autograd)."""

import os

import numpy as np
import pytest
import torch

from lamella import backend as K
from lamella.layers import Conv2D, Dense, Input, Lambda, MaxPooling2D
from lamella.losses import binary_crossentropy
from lamella.models import Model, load_model

ORIGINAL_DIM, LATENT_DIM = 16, 2
X_TRAIN = (np.random.RandomState(0).rand(128, ORIGINAL_DIM) > 0.5).astype("float32")


def sampling(args):
    """Keras's reparameterisation trick (``K.random_normal`` arrives with the full backend)."""
    z_mean, z_log_var = args
    epsilon = torch.randn_like(z_mean)
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def _vae_losses(inputs, outputs, z_mean, z_log_var):
    reconstruction_loss = binary_crossentropy(inputs, outputs)
    reconstruction_loss *= ORIGINAL_DIM
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    return K.mean(reconstruction_loss + kl_loss), kl_loss


def test_vae_with_backend_ops_on_model_tensors_trains_saves_and_reloads(tmp_path):
    torch.manual_seed(0)
    inputs = Input(shape=(ORIGINAL_DIM,), name="encoder_input")
    x = Dense(8, activation="relu")(inputs)
    z_mean = Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = Dense(LATENT_DIM, name="z_log_var")(x)
    z = Lambda(sampling, output_shape=(LATENT_DIM,), name="z")([z_mean, z_log_var])
    outputs = Dense(ORIGINAL_DIM, activation="sigmoid")(Dense(8, activation="relu")(z))
    vae = Model(inputs, outputs, name="vae_mlp")
    vae_loss, kl_loss = _vae_losses(inputs, outputs, z_mean, z_log_var)
    vae.add_loss(vae_loss)
    vae.add_metric(K.mean(kl_loss), name="kl_loss")
    vae.compile(optimizer="adam")
    history = vae.fit(X_TRAIN, epochs=8, batch_size=16, verbose=0,
                      validation_data=(X_TRAIN, None))
    assert sorted(history.history) == ["kl_loss", "loss", "val_kl_loss", "val_loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]

    path = os.path.join(tmp_path, "vae_mlp.h5")
    vae.save(path)
    loaded = load_model(path, custom_objects={"sampling": sampling})
    encoder = Model(vae.input, vae.get_layer("z_mean").output)
    loaded_encoder = Model(loaded.input, loaded.get_layer("z_mean").output)
    np.testing.assert_allclose(loaded_encoder.predict(X_TRAIN), encoder.predict(X_TRAIN),
                               rtol=1e-5, atol=1e-6)
    assert loaded.metrics_names == ["loss", "kl_loss"]  # the added loss and metric came back
    before = loaded.evaluate(X_TRAIN, verbose=0)[0]
    assert before == pytest.approx(vae.evaluate(X_TRAIN, verbose=0)[0], rel=0.1)
    loaded.fit(X_TRAIN, epochs=3, batch_size=16, verbose=0)
    assert loaded.evaluate(X_TRAIN, verbose=0)[0] < before


def test_vae_built_from_nested_encoder_and_decoder_models_as_keras_writes_it(tmp_path):
    torch.manual_seed(1)
    inputs = Input(shape=(ORIGINAL_DIM,), name="encoder_input")
    x = Dense(8, activation="relu")(inputs)
    z_mean = Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = Dense(LATENT_DIM, name="z_log_var")(x)
    z = Lambda(sampling, output_shape=(LATENT_DIM,), name="z")([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = Input(shape=(LATENT_DIM,), name="z_sampling")
    decoded = Dense(ORIGINAL_DIM, activation="sigmoid")(Dense(8, activation="relu")(
        latent_inputs))
    decoder = Model(latent_inputs, decoded, name="decoder")
    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name="vae_mlp")
    vae.add_loss(_vae_losses(inputs, outputs, z_mean, z_log_var)[0])
    vae.compile(optimizer="adam")
    history = vae.fit(X_TRAIN, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [layer.name for layer in vae.layers] == ["encoder_input", "encoder", "decoder"]

    path = os.path.join(tmp_path, "vae_nested.h5")
    with pytest.warns(UserWarning, match="not saved .*nested models"):
        vae.save(path)  # Keras 2.3 never saved added losses either
    # As in Keras 2.3, the file's training config (no loss) cannot compile without the loss.
    with pytest.raises(ValueError, match="compile=False"):
        load_model(path, custom_objects={"sampling": sampling})
    loaded = load_model(path, custom_objects={"sampling": sampling}, compile=False)
    np.testing.assert_allclose(loaded.get_layer("decoder").predict(np.zeros((2, 2))),
                               decoder.predict(np.zeros((2, 2))), rtol=1e-5)


def _conv_net():
    torch.manual_seed(2)
    img = Input(shape=(16, 16, 3), name="img")
    x = Conv2D(4, 3, activation="relu", padding="same", name="block1_conv1")(img)
    x = MaxPooling2D(name="block1_pool")(x)
    x = Conv2D(6, 3, activation="relu", padding="same", name="block2_conv1")(x)
    x = Conv2D(8, 3, activation="relu", padding="same", name="block2_conv2")(x)
    return Model(img, x)


def test_conv_filter_visualisation_by_gradient_ascent():
    """Keras 2.3's examples/conv_filter_visualization.py, on a small seeded network."""
    model = _conv_net()
    input_img = model.input
    layer_dict = dict([(layer.name, layer) for layer in model.layers[1:]])

    def normalize(x):
        return x / (K.sqrt(K.mean(K.square(x))) + K.epsilon())

    layer_output = layer_dict["block2_conv1"].output
    visualised = 0
    for filter_index in range(4):
        loss = K.mean(layer_output[:, :, :, filter_index])
        grads = normalize(K.gradients(loss, input_img)[0])
        iterate = K.function([input_img], [loss, grads])
        input_img_data = np.random.RandomState(filter_index).random((1, 16, 16, 3))
        input_img_data = ((input_img_data - 0.5) * 20 + 128).astype("float32")
        first = None
        for _ in range(10):
            loss_value, grads_value = iterate([input_img_data])
            first = loss_value if first is None else first
            input_img_data += grads_value * 1.0
        assert grads_value.shape == (1, 16, 16, 3)
        if first <= 0:  # a dead filter: the script skips it too
            continue
        assert loss_value > first
        visualised += 1
    assert visualised >= 2


def test_deep_dream_loss_over_several_layers_of_a_loaded_model(tmp_path):
    """Keras 2.3's examples/deep_dream.py: the loss adds scaled activations of several
    layers of a model loaded from a file; gradient ascent on the image raises it."""
    path = os.path.join(tmp_path, "net.h5")
    _conv_net().save(path)
    K.set_learning_phase(0)
    model = load_model(path)
    dream = model.input
    settings = {"features": {"block1_conv1": 0.2, "block2_conv2": 1.5}}
    layer_dict = dict([(layer.name, layer) for layer in model.layers])
    loss = K.variable(0.)
    for layer_name in settings["features"]:
        coeff = settings["features"][layer_name]
        activation = layer_dict[layer_name].output
        scaling = K.prod(K.cast(K.shape(activation), "float32"))
        loss = loss + coeff * K.sum(K.square(activation[:, 2:-2, 2:-2, :])) / scaling
    grads = K.gradients(loss, dream)[0]
    grads /= K.maximum(K.mean(K.abs(grads)), K.epsilon())
    fetch_loss_and_grads = K.function([dream], [loss, grads])

    img = np.random.RandomState(3).rand(1, 16, 16, 3).astype("float32")
    losses = []
    for _ in range(8):
        loss_value, grad_values = fetch_loss_and_grads([img])
        losses.append(float(loss_value))
        img += 0.01 * grad_values
    assert losses[-1] > losses[0]


def test_a_model_written_with_torch_functions_trains_saves_to_hdf5_and_reloads(tmp_path):
    """A PyTorch user's functional model: torch.cat, F.softmax, Tensor methods and
    torch.einsum between layers train, save to HDF5 and reload to the same predictions."""
    import torch.nn.functional as F

    torch.manual_seed(4)
    seq = np.random.RandomState(4).rand(32, 5, 3).astype("float32")
    labels = np.eye(4, dtype="float32")[np.random.RandomState(5).randint(0, 4, 32)]
    inputs = Input(shape=(5, 3), name="seq")
    hidden = Dense(6, activation="relu")(inputs)
    attention = F.softmax(torch.einsum("btd,btd->bt", hidden, hidden), dim=-1)
    pooled = (hidden * attention.unsqueeze(-1)).sum(dim=1)
    features = torch.cat([pooled, inputs.mean(dim=1), torch.tanh(inputs).flatten(1)], dim=-1)
    outputs = Dense(4, activation="softmax")(features.float())
    model = Model(inputs, outputs)
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(seq, labels, epochs=4, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    path = os.path.join(tmp_path, "torch_ops.h5")
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(seq), model.predict(seq), rtol=1e-5, atol=1e-6)
    functions = [layer.get_config().get("function") for layer in loaded.layers]
    assert {"torch.einsum", "torch.nn.functional.softmax", "Tensor.unsqueeze", "Tensor.sum",
            "torch.cat", "Tensor.flatten", "Tensor.float"} <= set(functions)
    loaded.fit(seq, labels, epochs=1, batch_size=16, verbose=0)  # the optimizer state came back


def _loss_and_metric_functions():
    import inspect

    from lamella import losses, metrics
    from lamella.plugins import lookup

    found = []
    for kind, facade in (("losses", losses), ("metrics", metrics)):
        for name in sorted(lookup.registry(kind).canonical_names()):
            if inspect.isfunction(getattr(facade, name)):
                found.append((kind, name))
    return found


@pytest.mark.parametrize("kind,name", _loss_and_metric_functions())
def test_every_loss_and_metric_function_on_model_tensors_computes_what_it_computes_eagerly(
        kind, name):
    """Keras 2.3 scripts call loss and metric functions on model tensors (the VAE's
    ``binary_crossentropy(inputs, outputs)``); each gives what it gives on the real tensors."""
    import lamella

    fn = getattr(getattr(lamella, kind), name)
    rng = np.random.RandomState(0)
    y_pred = rng.rand(4, 5).astype("float32")
    if "sparse" in name:
        y_true, true_input = rng.randint(0, 5, (4, 1)).astype("float32"), Input(shape=(1,))
    else:
        y_true, true_input = rng.rand(4, 5).astype("float32"), Input(shape=(5,))
    pred_input = Input(shape=(5,))
    symbolic = fn(true_input, pred_input)
    assert symbolic._keras_history[0].function == f"{kind}.{name}"
    got = K.function([true_input, pred_input], [symbolic])([y_true, y_pred])[0]
    want = fn(torch.from_numpy(y_true), torch.from_numpy(y_pred)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert symbolic.shape == (None,) + got.shape[1:] and got.shape[0] == 4
