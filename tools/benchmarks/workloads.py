"""The benchmark workloads W1–W6: models, data and sizes.

Each workload is built twice from one description: once through the Keras API
(:func:`build_keras`, which takes the API module, so the same code builds the lamella and the
Keras 3 model) and once as the ``torch.nn`` module a PyTorch user writes (:func:`build_torch`).
The two have the same layers and parameter counts; their initial weights differ (speed does not
depend on them).

Example::

    spec = WORKLOADS["W4"]
    model = build_keras(lamella, spec)       # or keras, with KERAS_BACKEND=torch
    net = build_torch(spec)
"""

import dataclasses
from typing import Optional, Tuple

import numpy as np
import torch


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    title: str
    input_shape: Tuple[int, ...]      # per sample, channels_last as Keras feeds it
    batch: int
    steps: int                        # training steps per epoch on the CPU
    gpu_steps: int                    # ... on CUDA
    classes: Optional[int] = 10       # None: a regression (mean squared error)
    predict_batch: int = 1024
    mixed_precision: bool = False     # also run under --mixed-precision


WORKLOADS = {w.name: w for w in (
    Workload("W1", "MLP 784-512-512-10", (784,), 128, steps=40, gpu_steps=200),
    Workload("W2", "CNN 28x28 (Keras's mnist_cnn)", (28, 28, 1), 128, steps=8, gpu_steps=100),
    Workload("W3", "LSTM(64) on 50x32", (50, 32), 64, steps=10, gpu_steps=100, classes=None),
    Workload("W4", "Dense(10) on 20 features", (20,), 32, steps=150, gpu_steps=500),
    Workload("W5", "CNN 32x32x3, 4 convs, batch 256", (32, 32, 3), 256, steps=2, gpu_steps=60,
             mixed_precision=True),
    Workload("W6", "4 transformer blocks, 64x128, 4 heads", (64, 128), 32, steps=4,
             gpu_steps=100, mixed_precision=True),
)}


def data(spec, samples, seed=0):
    """``(x, y)`` NumPy arrays: float32 inputs, integer classes (or float regression targets)."""
    rng = np.random.RandomState(seed)
    x = rng.standard_normal((samples, *spec.input_shape)).astype("float32")
    if spec.classes is None:
        y = rng.standard_normal((samples, 1)).astype("float32")
    else:
        y = rng.randint(0, spec.classes, size=samples).astype("int64")
    return x, y


def build_keras(api, spec):
    """The workload's model through the Keras API of ``api`` (``lamella`` or ``keras``)."""
    L = api.layers
    inputs = api.Input(shape=spec.input_shape)
    x = inputs
    if spec.name == "W1":
        x = L.Dense(512, activation="relu")(x)
        x = L.Dense(512, activation="relu")(x)
    elif spec.name in ("W2", "W5"):
        widths = (32, 64) if spec.name == "W2" else (64, 64, 128, 128)
        for i, width in enumerate(widths):
            x = L.Conv2D(width, (3, 3), activation="relu",
                         padding="valid" if spec.name == "W2" else "same")(x)
            if spec.name == "W5" and i % 2 == 1:
                x = L.MaxPooling2D((2, 2))(x)
        if spec.name == "W2":
            x = L.MaxPooling2D((2, 2))(x)
        x = L.Flatten()(x)
        x = L.Dense(128 if spec.name == "W2" else 256, activation="relu")(x)
    elif spec.name == "W3":
        x = L.LSTM(64)(x)
    elif spec.name == "W6":
        for _ in range(4):
            # value by keyword: lamella's functional API takes one positional tensor
            attended = L.MultiHeadAttention(num_heads=4, key_dim=32)(x, value=x)
            x = L.LayerNormalization()(L.Add()([x, attended]))
            fed = L.Dense(128)(L.Dense(256, activation="relu")(x))
            x = L.LayerNormalization()(L.Add()([x, fed]))
        x = L.GlobalAveragePooling1D()(x)
    outputs = L.Dense(spec.classes or 1)(x)
    return api.Model(inputs, outputs)


class _Conv(torch.nn.Module):
    """The CNNs of W2/W5 as a torch user writes them (NCHW data)."""

    def __init__(self, spec):
        super().__init__()
        channels = spec.input_shape[-1]
        blocks = []
        if spec.name == "W2":
            blocks += [torch.nn.Conv2d(channels, 32, 3), torch.nn.ReLU(),
                       torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
            flat, hidden = 64 * 12 * 12, 128
        else:
            widths = (channels, 64, 64, 128, 128)
            for i in range(4):
                blocks += [torch.nn.Conv2d(widths[i], widths[i + 1], 3, padding=1),
                           torch.nn.ReLU()]
                if i % 2 == 1:
                    blocks.append(torch.nn.MaxPool2d(2))
            flat, hidden = 128 * 8 * 8, 256
        self.features = torch.nn.Sequential(*blocks)
        self.head = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(flat, hidden),
                                        torch.nn.ReLU(), torch.nn.Linear(hidden, spec.classes))

    def forward(self, x):
        return self.head(self.features(x))


class _Recurrent(torch.nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.lstm = torch.nn.LSTM(spec.input_shape[-1], 64, batch_first=True)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


class _Transformer(torch.nn.Module):
    def __init__(self, spec):
        super().__init__()
        block = torch.nn.TransformerEncoderLayer(128, 4, 256, dropout=0.0, batch_first=True)
        self.blocks = torch.nn.TransformerEncoder(block, 4, enable_nested_tensor=False)
        self.head = torch.nn.Linear(128, spec.classes)

    def forward(self, x):
        return self.head(self.blocks(x).mean(dim=1))


def build_torch(spec):
    """The workload's model as a ``torch.nn.Module`` (CNNs take NCHW input)."""
    if spec.name == "W1":
        return torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                   torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                   torch.nn.Linear(512, spec.classes))
    if spec.name == "W4":
        return torch.nn.Linear(20, spec.classes)
    if spec.name in ("W2", "W5"):
        return _Conv(spec)
    if spec.name == "W3":
        return _Recurrent(spec)
    return _Transformer(spec)


def torch_layout(spec, x):
    """``x`` as the torch model takes it (NCHW for the CNNs)."""
    return x.permute(0, 3, 1, 2).contiguous() if len(spec.input_shape) == 3 else x


def torch_loss(spec):
    if spec.classes is None:
        return torch.nn.MSELoss()
    return torch.nn.CrossEntropyLoss()
