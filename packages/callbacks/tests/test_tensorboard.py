"""TensorBoard writes real event files; TensorBoard's own EventAccumulator reads them back.

Needs the ``tensorboard`` extra (tools/setup and tools/isolated-test install it); without it
these tests skip and test_tensorboard_extra.py checks the error that names the extra."""

import pytest

from lamella.engine.callbacks import CallbackList
from lamella.testing import toy_model as make_model
from lamella_callbacks import TensorBoard

EventAccumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="the tensorboard extra of lamella-callbacks is not installed").EventAccumulator


def accumulate(log_dir):
    accumulator = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


def steps(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def test_epoch_scalars_histograms_and_graph(toy_data, tmp_path):
    x, y = toy_data
    model = make_model()
    board = TensorBoard(log_dir=str(tmp_path), histogram_freq=1)
    assert not CallbackList([board]).wants_batch_hooks("train")
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_split=0.25,
                        callbacks=[board])
    acc = accumulate(tmp_path)
    tags = acc.Tags()
    assert {"loss", "val_loss"} <= set(tags["scalars"])
    for key in ("loss", "val_loss"):
        recorded = steps(acc, key)
        assert [s for s, _ in recorded] == [0, 1, 2]
        assert [v for _, v in recorded] == pytest.approx(history.history[key], rel=1e-6)
    weight_tags = [t for t in tags["histograms"] if t.endswith(("kernel", "bias"))]
    assert len(weight_tags) == 4
    assert [e.step for e in acc.Histograms(weight_tags[0])] == [0, 1, 2]
    assert tags["graph"] is True


def test_update_freq_batch_and_samples(toy_data, tmp_path):
    x, y = toy_data
    board = TensorBoard(log_dir=str(tmp_path / "batch"), update_freq="batch", write_graph=False)
    assert CallbackList([board]).wants_batch_hooks("train")
    make_model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[board])
    acc = accumulate(tmp_path / "batch")
    # 4 batches of 8 per epoch: batch logs at 8, 16, ... samples; epoch logs at the count too
    assert sorted({s for s, _ in steps(acc, "loss")}) == [8, 16, 24, 32, 40, 48, 56, 64]

    board = TensorBoard(log_dir=str(tmp_path / "n"), update_freq=20, write_graph=False)
    make_model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[board])
    acc = accumulate(tmp_path / "n")
    # batch logs once 20 samples have passed since the last write (24, 48); epochs at 32, 64
    assert sorted({s for s, _ in steps(acc, "loss")}) == [24, 32, 48, 64]


def test_bad_update_freq_and_ignored_arguments():
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(update_freq="sometimes")
    with pytest.warns(UserWarning, match="write_grads"):
        TensorBoard(write_grads=True)


def test_batch_size_defaults_to_keras_231s():
    import inspect

    from lamella_callbacks import TensorBoard

    assert inspect.signature(TensorBoard).parameters["batch_size"].default == 32


def test_tensorboard_v2_at_keras_path(toy_data, tmp_path):
    """``keras.callbacks.tensorboard_v2.TensorBoard``: the same callback with Keras's TF2
    signature (batch_size=None; a batch_size given is ignored with Keras's warning)."""
    import inspect
    import pickle
    import warnings

    from lamella.callbacks import tensorboard_v2

    V2 = tensorboard_v2.TensorBoard
    assert issubclass(V2, TensorBoard) and V2 is tensorboard_v2.TensorBoard
    assert inspect.signature(V2).parameters["batch_size"].default is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no warning when batch_size is left alone
        board = V2(log_dir=str(tmp_path), write_graph=False)
    with pytest.warns(UserWarning, match="`batch_size` argument .* will be ignored"):
        V2(log_dir=str(tmp_path), batch_size=64)
    assert type(pickle.loads(pickle.dumps(board))) is V2   # found again at its module path
    x, y = toy_data
    history = make_model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[board])
    assert [v for _, v in steps(accumulate(tmp_path), "loss")] == pytest.approx(
        history.history["loss"], rel=1e-6)
