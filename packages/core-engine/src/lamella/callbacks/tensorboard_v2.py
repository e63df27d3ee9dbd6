"""``keras.callbacks.tensorboard_v2`` (Keras 2.3.1's TensorBoard for TensorFlow 2): lamella has
one ``TensorBoard`` (the registered one, ``lamella.callbacks.TensorBoard``), answered here too."""

from lamella.callbacks import Callback
from lamella.plugins import facade as _facade

_facade.install(globals(), "callbacks")

__all__ = ["Callback", "TensorBoard"]  # noqa: F822 (TensorBoard: the facade answers it)
