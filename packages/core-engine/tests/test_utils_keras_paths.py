"""lamella.utils at Keras 2.3.1's module paths: the enqueuers (threads and processes),
Progbar, layer_utils (convert_all_kernels_in_model, count_params, ...)."""

import threading

import numpy as np
import pytest

import lamella
from lamella.testing import SeededDense
from lamella.utils import Sequence
from lamella.utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, SequenceEnqueuer


class Batches(Sequence):
    def __init__(self, n=6):
        self.n = n
        self.epochs = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.full((2, 1), index), np.full((2,), index)

    def on_epoch_end(self):
        self.epochs += 1


def first_values(enqueuer, count):
    stream = enqueuer.get()
    return [int(next(stream)[1][0]) for _ in range(count)]


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_ordered_enqueuer_keeps_the_order_across_epochs(use_multiprocessing):
    seq = Batches()
    enqueuer = OrderedEnqueuer(seq, use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=3, max_queue_size=4)
    try:
        assert enqueuer.is_running()
        assert first_values(enqueuer, 12) == list(range(6)) * 2
    finally:
        enqueuer.stop()
    assert not enqueuer.is_running()
    assert seq.epochs >= 1  # on_epoch_end ran between the passes


def test_ordered_enqueuer_shuffles_each_epoch():
    enqueuer = OrderedEnqueuer(Batches(20), shuffle=True)
    enqueuer.start(workers=2)
    try:
        values = first_values(enqueuer, 40)
    finally:
        enqueuer.stop()
    assert sorted(values[:20]) == list(range(20)) == sorted(values[20:])
    assert values[:20] != list(range(20))


def counting(limit):
    for i in range(limit):
        yield np.array([i]), np.array([i])


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_generator_enqueuer_yields_everything_and_ends_with_the_generator(use_multiprocessing):
    enqueuer = GeneratorEnqueuer(counting(10), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=1, max_queue_size=3)
    try:
        values = [int(y[0]) for _, y in enqueuer.get()]
    finally:
        enqueuer.stop()
    assert values == list(range(10))


def test_generator_enqueuer_reports_a_generator_that_is_not_thread_safe():
    def slow():
        while True:
            threading.Event().wait(0.01)
            yield np.zeros(1), np.zeros(1)

    enqueuer = GeneratorEnqueuer(slow())
    enqueuer.start(workers=4, max_queue_size=8)
    with pytest.raises(RuntimeError, match="thread-safe"):
        for _ in range(200):
            next(enqueuer.get())
    enqueuer.stop()


def test_enqueuer_arguments():
    with pytest.raises(TypeError):
        SequenceEnqueuer(Batches())  # abstract: use OrderedEnqueuer or GeneratorEnqueuer
    with pytest.raises(ValueError, match="workers"):
        OrderedEnqueuer(Batches()).start(workers=0)
    with pytest.warns(DeprecationWarning, match="wait_time"):
        GeneratorEnqueuer(counting(1), wait_time=0.1)
    a, b = OrderedEnqueuer(Batches()), OrderedEnqueuer(Batches())
    assert a.uid != b.uid
    a.stop()  # stopping one never started is a no-op


def test_worker_pool_helpers_at_keras_paths_are_the_enqueuers_own(monkeypatch):
    """keras.utils.data_utils's get_index/init_pool/init_pool_generator/next_sample: Keras
    scripts build worker pools with them; lamella's enqueuers run exactly these."""
    from lamella.utils import data_utils, enqueuers

    for name in ("get_index", "init_pool", "init_pool_generator", "next_sample"):
        assert getattr(data_utils, name) is getattr(enqueuers, name)
    # A Keras-style pool of its own: the initialiser hands the workers the sequences by uid.
    import multiprocessing as mp

    seq = Batches(3)
    with mp.get_context("fork").Pool(1, initializer=data_utils.init_pool,
                                     initargs=({7: seq},)) as pool:
        x, y = pool.apply(data_utils.get_index, (7, 2))
    assert y.tolist() == [2, 2]
    with mp.get_context("fork").Pool(1, initializer=data_utils.init_pool_generator,
                                     initargs=({3: counting(5)}, 11)) as pool:
        assert [int(pool.apply(data_utils.next_sample, (3,))[1][0]) for _ in range(3)] == [0, 1, 2]
    # The enqueuer's thread pool calls the helper by its module-level name.
    calls = []

    def counted(uid, i):
        calls.append(i)
        return data_utils.get_index(uid, i)

    monkeypatch.setattr(enqueuers, "get_index", counted)
    enqueuer = OrderedEnqueuer(Batches(4))
    enqueuer.start(workers=1, max_queue_size=2)
    try:
        assert first_values(enqueuer, 4) == [0, 1, 2, 3]
    finally:
        enqueuer.stop()
    assert calls[:4] == [0, 1, 2, 3]


def test_progbar_and_generic_utils():
    from lamella.engine.progbar import Progbar as engine_progbar
    from lamella.utils.data_utils import Progbar as data_utils_progbar  # Keras imports it there
    from lamella.utils.generic_utils import CustomObjectScope, Progbar

    assert Progbar is engine_progbar is lamella.utils.Progbar is data_utils_progbar
    assert lamella.utils.OrderedEnqueuer is OrderedEnqueuer
    assert lamella.utils.convert_all_kernels_in_model.__module__ == "lamella.utils.layer_utils"
    assert CustomObjectScope is lamella.utils.CustomObjectScope
    import lamella.utils.generic_utils as generic_utils

    with pytest.raises(AttributeError, match="no_such"):
        generic_utils.no_such  # noqa: B018


def _random(shape, dtype=None):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def model_with_conv():
    from lamella.engine.base_layer import Layer

    class Conv2D(Layer):  # the name is what convert_all_kernels_in_model looks at
        def build(self, input_shape):
            # Callable initializers: only lamella-core is installed here.
            self.kernel = self.add_weight("kernel", (2, 3, 1, 4), initializer=_random)
            self.bias = self.add_weight("bias", (4,), initializer=_random)

        def call(self, x):
            return x

    inputs = lamella.Input(shape=(4,))
    conv = Conv2D(name="conv")
    model = lamella.Model(inputs, SeededDense(2)(conv(inputs)))
    return model, conv


def test_convert_all_kernels_in_model_flips_conv_kernels_only():
    from lamella.utils.layer_utils import convert_all_kernels_in_model, convert_kernel

    model, conv = model_with_conv()
    kernel = np.arange(24, dtype="float32").reshape(2, 3, 1, 4)
    conv.set_weights([kernel, np.ones(4, "float32")])
    dense_before = model.layers[-1].get_weights()
    convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(conv.get_weights()[0], kernel[::-1, ::-1])
    np.testing.assert_array_equal(conv.get_weights()[1], np.ones(4))
    for before, after in zip(dense_before, model.layers[-1].get_weights()):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(convert_kernel(convert_kernel(kernel)), kernel)
    with pytest.raises(ValueError, match="kernel"):
        convert_kernel(np.zeros((2, 2)))


def test_layer_utils():
    from lamella.utils import layer_utils

    model, _ = model_with_conv()
    assert layer_utils.count_params(model.weights) == model.count_params() == 24 + 4 + 4 * 2 + 2
    assert layer_utils.get_source_inputs(model.outputs[0])[0] is model.inputs[0]
    dense = SeededDense(3)
    dense.build((None, 2 * 2 * 3))
    kernel = np.arange(36, dtype="float32").reshape(12, 3)
    dense.set_weights([kernel, np.zeros(3, "float32")])
    layer_utils.convert_dense_weights_data_format(dense, (3, 2, 2), "channels_first")
    expected = kernel.reshape(2, 2, 3, 3).transpose(2, 0, 1, 3).reshape(12, 3)
    np.testing.assert_array_equal(dense.get_weights()[0], expected)
