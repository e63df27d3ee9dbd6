"""``keras.callbacks.tensorboard_v2`` (Keras 2.3.1's TensorBoard for TensorFlow 2).

lamella has one TensorBoard callback (the registered ``lamella.callbacks.TensorBoard``, which
follows Keras's TensorFlow 1 variant). This module's ``TensorBoard`` is a subclass of it with
the TensorFlow 2 variant's signature: ``batch_size=None``, and a ``batch_size`` given is
ignored with Keras's deprecation warning. It is made on first access, because the base class
comes from the plugin that registers it (lamella-callbacks).

Example::

    from lamella.callbacks.tensorboard_v2 import TensorBoard

    model.fit(x, y, callbacks=[TensorBoard(log_dir="./logs")])
"""

import functools
import warnings

from lamella.callbacks import Callback
from lamella.plugins import facade as _facade

_registered = _facade.install(globals(), "callbacks")


@functools.lru_cache(maxsize=None)
def _tensorboard_v2():
    base = _registered.getattr("TensorBoard")  # ImportError naming lamella-callbacks if absent

    class TensorBoard(base):
        """Keras 2.3.1's TensorFlow 2 ``TensorBoard``: lamella's TensorBoard with
        ``batch_size=None`` (a ``batch_size`` given is ignored, with Keras's warning).

        Example::

            model.fit(x, y, callbacks=[TensorBoard(log_dir="./logs", update_freq="batch")])
        """

        def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=None,
                     write_graph=True, write_grads=False, write_images=False, embeddings_freq=0,
                     embeddings_layer_names=None, embeddings_metadata=None,
                     embeddings_data=None, update_freq="epoch", **kwargs):
            if batch_size is not None:
                warnings.warn("The TensorBoard callback `batch_size` argument (for histogram "
                              "computation) is deprecated with TensorFlow 2.0. It will be "
                              "ignored.", stacklevel=2)
            super().__init__(log_dir=log_dir, histogram_freq=histogram_freq,
                             batch_size=batch_size, write_graph=write_graph,
                             write_grads=write_grads, write_images=write_images,
                             embeddings_freq=embeddings_freq,
                             embeddings_layer_names=embeddings_layer_names,
                             embeddings_metadata=embeddings_metadata,
                             embeddings_data=embeddings_data, update_freq=update_freq, **kwargs)

    # Found again by name (pickle, repr, serialization) at this module's path.
    TensorBoard.__module__ = __name__
    TensorBoard.__qualname__ = "TensorBoard"
    return TensorBoard


def __getattr__(name):
    if name == "TensorBoard":
        return _tensorboard_v2()
    return _registered.getattr(name)


__all__ = ["Callback", "TensorBoard"]  # noqa: F822 (TensorBoard: made on first access)
