"""Horovod's Keras callbacks: their maths against a fake 8-worker group."""

import numpy as np
import pytest
import torch

from lamella import backend as K
from lamella.testing import MomentumSGD, PlainSGD, mean_squared_error, toy_data, toy_model
from lamella_distributed.callbacks import (
    BestModelCheckpoint,
    BroadcastGlobalVariablesCallback,
    LearningRateScheduleCallback,
    LearningRateWarmupCallback,
    MetricAverageCallback,
)


class _Model:
    def __init__(self, optimizer):
        self.optimizer = optimizer


def _attach(callback, optimizer, **params):
    callback.set_model(_Model(optimizer))
    callback.set_params(params)
    return callback


def test_warmup_goes_from_lr_over_size_to_lr(fake8):
    opt = PlainSGD(learning_rate=0.8)
    warmup = _attach(LearningRateWarmupCallback(initial_lr=0.8, warmup_epochs=5,
                                                steps_per_epoch=10), opt)
    warmup.on_train_begin()
    seen = []
    for epoch in range(6):
        warmup.on_epoch_begin(epoch)
        for batch in range(10):
            warmup.on_batch_begin(batch)
            seen.append(float(K.get_value(opt.lr)))
            warmup.on_batch_end(batch)
        logs = {}
        warmup.on_epoch_end(epoch, logs)
        assert logs["lr"] == pytest.approx(float(K.get_value(opt.lr)))
    # Horovod's formula: lr * 1/size * (e * (size - 1) / warmup + 1), e = epoch + (batch+1)/steps
    expected = [0.8 / 8 * ((e // 10 + (e % 10 + 1) / 10) * 7 / 5 + 1) for e in range(50)]
    # The rate lives in a float32 variable, as in Keras (K.get_value reads it back rounded).
    np.testing.assert_allclose(seen[:50], expected, rtol=1e-7)
    assert seen[0] == pytest.approx(0.8 / 8 * (0.1 * 7 / 5 + 1))
    assert seen[49] == pytest.approx(0.8)             # the end of warm-up: the full rate
    assert seen[50:] == [seen[49]] * 10               # then left alone


def test_warmup_finds_steps_per_epoch_in_the_fit_parameters(fake8):
    warmup = _attach(LearningRateWarmupCallback(initial_lr=0.1), PlainSGD(),
                     samples=640, batch_size=32)
    warmup.on_train_begin()
    assert warmup.steps_per_epoch == 20
    no_steps = _attach(LearningRateWarmupCallback(initial_lr=0.1), PlainSGD())
    with pytest.raises(ValueError, match="Could not autodetect the number of steps per epoch"):
        no_steps.on_train_begin()


def test_staircase_schedule_and_momentum_correction(fake8):
    opt = MomentumSGD(learning_rate=1.0, momentum=0.9)
    schedule = _attach(LearningRateScheduleCallback(initial_lr=1.0,
                                                    multiplier=lambda epoch: 0.1 ** epoch,
                                                    start_epoch=1, end_epoch=3), opt)
    schedule.on_train_begin()
    rates, momenta = [], []
    for epoch in range(4):
        schedule.on_epoch_begin(epoch)
        for batch in range(2):
            schedule.on_batch_begin(batch)
            rates.append(float(K.get_value(opt.lr)))
            momenta.append(float(K.get_value(opt.momentum)))
            schedule.on_batch_end(batch)
    np.testing.assert_allclose(rates, [1, 1, .1, .1, .01, .01, .01, .01], rtol=1e-7)
    # Momentum is scaled by new_lr / old_lr in the batch where the rate changes, then restored.
    np.testing.assert_allclose(momenta, [.9, .9, .09, .9, .09, .9, .9, .9], rtol=1e-7)


def test_a_constant_multiplier_is_a_staircase(fake8):
    schedule = LearningRateScheduleCallback(initial_lr=0.5, multiplier=0.1, staircase=False)
    assert schedule.staircase is True and schedule.multiplier(7) == 0.1
    with pytest.raises(ValueError, match="`initial_lr` is required"):
        LearningRateScheduleCallback(initial_lr=None, multiplier=1.0)


def test_metric_average_over_eight_workers(fake8):
    fake8.peer_scale = lambda r: r + 1            # worker r logged (r + 1) x this one's values
    logs = {"loss": 2.0, "accuracy": 0.5, "note": "text", "vector": np.ones(2)}
    MetricAverageCallback().on_epoch_end(0, logs)
    assert logs["loss"] == pytest.approx(2.0 * 4.5)
    assert logs["accuracy"] == pytest.approx(0.5 * 4.5)
    assert logs["note"] == "text" and logs["vector"].tolist() == [1.0, 1.0]


def test_broadcast_copies_root_weights_and_optimizer_state(fake8):
    fake8._rank = 3
    model = toy_model()
    model.compile(MomentumSGD(), loss=mean_squared_error)
    model.fit(*toy_data(8), epochs=1, verbose=0)      # builds weights and optimizer slots
    root = [torch.full_like(p, 7.0) for p in list(model.parameters()) + list(model.buffers())]
    fake8.root_values = list(root)
    fake8.root_object = [np.array(5)] + [np.full_like(s, 2.0) for s in
                                         model.optimizer.get_weights()[1:]]
    callback = BroadcastGlobalVariablesCallback(0)
    callback.set_model(model)
    callback.on_train_begin()
    assert all(torch.equal(p, torch.full_like(p, 7.0)) for p in model.parameters())
    assert model.optimizer.iterations == 5
    assert all((s == 2.0).all() for s in model.optimizer.get_weights()[1:])
    callback.on_train_begin()                         # once only
    assert len([c for c in fake8.calls if c[0] == "broadcast_object"]) == 1


def test_broadcast_root_rank_is_checked(fake8):
    with pytest.raises(ValueError, match="root_rank must be a rank"):
        BroadcastGlobalVariablesCallback(-1)
    callback = BroadcastGlobalVariablesCallback(8)
    callback.set_model(toy_model())
    with pytest.raises(ValueError, match="root_rank 8 is not a rank of this 8-process run"):
        callback.on_train_begin()


def test_best_model_checkpoint_needs_a_filepath(fake8):
    with pytest.raises(ValueError, match="save_freq must be 'epoch'"):
        BestModelCheckpoint(save_freq=10)
    callback = BestModelCheckpoint()
    callback.set_model(toy_model())
    with pytest.raises(ValueError, match="set `filepath`"):
        callback.on_train_begin()
