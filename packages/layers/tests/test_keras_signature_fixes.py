"""Keras 2.3.1 signatures the API-coverage tool checks, exercised as scripts call them."""

import pytest
import torch

from lamella import layers


def test_conv3d_transpose_accepts_and_ignores_dilation_rate_as_keras_does():
    with pytest.warns(UserWarning, match="dilation_rate=2 is ignored"):
        layer = layers.Conv3DTranspose(2, 3, dilation_rate=2)
    # Keras 2.3.1 gives (None, 6, 6, 6, 2) for a (4, 4, 4, 1) input: no dilation
    assert tuple(layer(torch.zeros(1, 4, 4, 4, 1)).shape) == (1, 6, 6, 6, 2)
    assert "dilation_rate" not in layer.get_config()
