"""``LambdaCallback``: a callback made of plain functions."""

from lamella.engine.callbacks import Callback

_NAMED = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_begin",
          "on_train_end")


class LambdaCallback(Callback):
    """Build a callback from functions, called positionally as Keras calls them.

    ``on_epoch_begin``/``on_epoch_end`` take ``(epoch, logs)``, ``on_batch_begin``/
    ``on_batch_end`` take ``(batch, logs)``, ``on_train_begin``/``on_train_end`` take
    ``(logs)``. Any other keyword (``on_test_batch_end=...``) becomes an attribute, as in Keras.
    Only the hooks given are installed, so a ``LambdaCallback`` without batch functions does
    not make the training loop produce per-batch logs.

    Example::

        print_batch = LambdaCallback(on_batch_begin=lambda batch, logs: print(batch))
        losses = []
        keep = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
        model.fit(x, y, callbacks=[print_batch, keep])
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = dict(zip(_NAMED, (on_epoch_begin, on_epoch_end, on_batch_begin, on_batch_end,
                                  on_train_begin, on_train_end)))
        for name, function in given.items():
            if function is not None:
                setattr(self, name, function)
