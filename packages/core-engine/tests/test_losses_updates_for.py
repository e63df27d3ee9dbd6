"""Layer.get_losses_for / get_updates_for: Keras 2.3's losses and updates by the inputs they
depend on (None: the unconditional ones)."""

import torch

import lamella
from lamella.engine.base_layer import Layer
from lamella.testing import SeededDense


def values(losses):
    return [round(float(v.detach()), 4) for v in losses]


def l2_penalty(weight):
    return 0.01 * torch.sum(weight ** 2)


class Penalised(Layer):
    """A layer as Keras 2.3 scripts write them: a regularised weight, a loss conditional on
    the call's inputs, one unconditional loss, and a counter updated without inputs."""

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],), regularizer=l2_penalty,
                                     initializer=lambda shape, dtype=None: torch.ones(shape))
        self.calls = self.add_weight("calls", (), trainable=False,
                                     initializer=lambda shape, dtype=None: torch.zeros(shape))

    def call(self, inputs):
        self.add_loss(inputs.abs().mean(), inputs=inputs)
        self.add_loss(self.scale.sum())
        self.add_update((self.calls, self.calls + 1))
        return inputs * self.scale


def test_losses_split_by_the_inputs_they_depend_on():
    layer = Penalised()
    x, other = torch.full((2, 3), -2.0), torch.ones(2, 3)
    layer(x)
    unconditional = layer.get_losses_for(None)
    assert values(unconditional) == [0.03, 3.0]   # the l2 penalty, scale.sum()
    assert values(layer.get_losses_for(x)) == [2.0]
    assert values(layer.get_losses_for([x])) == [2.0]   # a list of one is the same
    assert layer.get_losses_for(other) == []
    assert values(layer.get_losses_for([])) == [0.03, 3.0]   # Keras: [] means None
    assert len(layer.losses) == 3   # Keras's `losses`: every one of them


def test_updates_split_and_none_for_a_frozen_layer():
    layer = Penalised()
    x = torch.ones(1, 3)
    layer(x)
    assert len(layer.get_updates_for(None)) == 1
    assert layer.get_updates_for(x) == []
    conditional = (layer.calls, layer.calls * 2)
    layer.add_update(conditional, inputs=x)
    assert layer.get_updates_for(x) == [conditional]
    assert conditional not in layer.get_updates_for(None)
    layer.trainable = False   # Keras: a frozen, stateless layer has no updates
    assert layer.get_updates_for(None) == [] == layer.get_updates_for(x)


def test_activity_regularizer_loss_is_conditional_on_the_call_inputs():
    layer = SeededDense(2)
    layer.activity_regularizer = lambda outputs: outputs.abs().sum() * 0
    x = torch.ones(4, 3)
    layer(x)
    assert len(layer.get_losses_for(x)) == 1
    assert layer.get_losses_for(None) == []
    layer._clear_call_losses()   # the training loop forgets a step's losses and inputs
    assert layer.get_losses_for(x) == [] and layer._conditional_losses == []


def test_model_collects_from_its_layers():
    inputs = lamella.Input((3,))
    penalised = Penalised()
    hidden = penalised(inputs)
    outputs = SeededDense(1)(hidden)
    model = lamella.Model(inputs, outputs)
    extra = lamella.backend.mean(hidden)
    model.add_loss(extra)   # a functional-API tensor: unconditional
    losses = model.get_losses_for(None)
    assert any(v is extra for v in losses)
    assert 0.03 in values(v for v in losses if v is not extra)
    assert model.get_losses_for(inputs) == []
