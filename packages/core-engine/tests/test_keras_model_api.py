"""Keras 2.3's Model members that scripts use, on functional and Sequential models."""

import numpy as np

import lamella
from lamella.testing import SeededDense


def test_model_input_and_output_for_transfer_learning():
    """Keras 2.3 scripts build on a trained model with ``Model(base.input, head(base.output))``."""
    base = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(2, seed=1)])
    assert base.input is base.inputs[0] and base.output is base.outputs[0]
    transfer = lamella.Model(base.input, SeededDense(1, seed=2)(base.output))
    assert transfer.predict(np.ones((2, 4), "float32")).shape == (2, 1)
    assert len(transfer.layers) == 4  # the input layer, base's two, the head

    first, second = lamella.Input(shape=(4,)), lamella.Input(shape=(3,))
    two = lamella.Model([first, second], [SeededDense(2)(first), SeededDense(1)(second)])
    assert two.input == [first, second] and len(two.output) == 2
