"""``keras.objectives``: Keras 2.3.1's deprecated name of ``keras.losses`` (``from .losses
import *``); the same facade, so ``lamella.objectives.mse is lamella.losses.mse``."""

from lamella.base.loss import Loss, LossFunctionWrapper, Reduction  # noqa: F401
from lamella.losses import is_categorical_crossentropy  # noqa: F401
from lamella.plugins import facade as _facade

_facade.install(globals(), "losses", serialize_arg="loss", deserialize_arg="name")
