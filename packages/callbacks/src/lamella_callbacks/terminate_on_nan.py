"""``TerminateOnNaN``: stop training as soon as a batch loss is NaN or infinite."""

import math

from lamella.engine.callbacks import Callback


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite (Keras's ``TerminateOnNaN``).

    Prints ``Batch %d: Invalid loss, terminating training`` and sets ``model.stop_training``,
    which the training loop honours right after that batch.

    Example::

        model.fit(x, y, callbacks=[lamella.callbacks.TerminateOnNaN()])
    """

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None:
            loss = float(loss)
            if math.isnan(loss) or math.isinf(loss):
                print("Batch %d: Invalid loss, terminating training" % (batch,))
                self.model.stop_training = True
