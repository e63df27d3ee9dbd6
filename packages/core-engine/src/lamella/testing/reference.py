"""NumPy references for layer plugins to compare against: TensorFlow's padding rule, a
channels-last convolution and max pooling, written out loop by loop (slow, obviously right).

Keras compatibility means TensorFlow's ``'same'`` padding, which puts the odd extra cell after,
not before; a convolution plugin checks itself against these.

Example::

    from lamella.testing.reference import np_conv2d

    expected = np_conv2d(x, kernel, bias, strides=(1, 1), padding="same", dilation=(1, 1))
"""

import numpy as np


def tf_same_pads(length, kernel, stride, dilation=1):
    """TF 'SAME': out = ceil(length / stride); the odd extra pad cell goes after.

    Example::

        tf_same_pads(4, kernel=3, stride=2)   # (0, 1)
    """
    out = int(np.ceil(length / stride))
    effective = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def np_conv2d(x, kernel, bias, strides, padding, dilation):
    """Channels-last cross-correlation; ``kernel`` is ``(kh, kw, in, out)``.

    Example::

        np_conv2d(x, kernel, None, strides=(2, 2), padding="valid", dilation=(1, 1))
    """
    n, h, w, _ = x.shape
    kh, kw, _, out = kernel.shape
    (sh, sw), (dh, dw) = strides, dilation
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "same":
        top, bottom = tf_same_pads(h, kh, sh, dh)
        left, right = tf_same_pads(w, kw, sw, dw)
    else:
        top = bottom = left = right = 0
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    oh = (xp.shape[1] - ekh) // sh + 1
    ow = (xp.shape[2] - ekw) // sw + 1
    y = np.zeros((n, oh, ow, out), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh:i * sh + ekh:dh, j * sw:j * sw + ekw:dw, :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        y += bias
    return y


def np_max_pool2d(x, pool, strides, padding):
    """Channels-last max pooling; 'same' pads with -inf (padding is never the max).

    Example::

        np_max_pool2d(x, pool=(2, 2), strides=(2, 2), padding="same")
    """
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    if padding == "same":
        top, bottom = tf_same_pads(h, ph, sh)
        left, right = tf_same_pads(w, pw, sw)
    else:
        top = bottom = left = right = 0
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-np.inf)
    oh = (xp.shape[1] - ph) // sh + 1
    ow = (xp.shape[2] - pw) // sw + 1
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j, :] = xp[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :].max(axis=(1, 2))
    return y
