"""A compiled model keeps every tensor of its forward pass on its device.

``torch.device('meta')`` stands in for CUDA on a CPU-only machine: a tensor that lamella made on
the CPU inside the forward pass (a constant, a zero state, an RNN bias) fails on meta exactly
as it fails on CUDA, eagerly and under ``torch.compile`` (whose FakeTensor device propagation
raised "found two different devices cpu, cuda:0" on the H200, issue 12).
"""

import pytest
import torch

import lamella
from lamella import layers
from lamella.testing import MomentumSGD, mean_squared_error


def _model():
    lamella.backend.clear_session()
    inp = lamella.Input((5, 3))
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(inp)
    x = layers.CuDNNGRU(3, return_sequences=True)(x)
    x = layers.GRU(3, kernel_regularizer="l2")(x)  # reset_after=False: the stepped cell path
    out = layers.Dense(2, activation="softmax", activity_regularizer="l1")(x)
    return lamella.Model(inp, out)


@pytest.mark.parametrize("compiled", [False, True])
def test_forward_stays_on_the_models_device(compiled):
    model = _model()
    model.compile(MomentumSGD(0.1), mean_squared_error, device="meta")
    assert model.device == torch.device("meta")
    assert all(p.device.type == "meta" for p in model.parameters())
    run = torch.compile(model, backend="eager") if compiled else model
    out = run(torch.zeros(2, 5, 3, device=model.device))
    assert out.device.type == "meta" and out.shape == (2, 2)
