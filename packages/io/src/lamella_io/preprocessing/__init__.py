"""Keras's ``keras.preprocessing`` for lamella (ported from keras-preprocessing 1.1.x, which
Keras 2.3.1 delegates to): :mod:`~lamella_io.preprocessing.sequence`,
:mod:`~lamella_io.preprocessing.text`, :mod:`~lamella_io.preprocessing.image`.

``lamella.preprocessing`` is this package when lamella-io is installed.
"""

from lamella_io.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
