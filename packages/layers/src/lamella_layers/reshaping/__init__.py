"""Keras 2.3's shape layers: ``Cropping1D/2D/3D``, ``ZeroPadding1D/2D/3D`` and
``UpSampling1D/2D/3D`` (Keras 2.3 has them in ``keras.layers.convolutional``, which re-exports
them; Keras 3 moved them to ``keras.layers.reshaping``).

channels_last inputs are handled through permuted views (no copy), as the convolutions do.

Example::

    import torch
    from lamella_layers.reshaping import Cropping1D, UpSampling1D, ZeroPadding1D

    x = torch.zeros(2, 4, 3)
    ZeroPadding1D(2)(x).shape                            # (2, 8, 3)
    Cropping1D((1, 2))(x).shape                          # (2, 1, 3)
    UpSampling1D(2)(x).shape                             # (2, 8, 3)
"""

from lamella_layers.reshaping.base import _pairs as _pairs
from lamella_layers.reshaping.base import _Spatial as _Spatial
from lamella_layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from lamella_layers.reshaping.cropping import _Cropping as _Cropping
from lamella_layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from lamella_layers.reshaping.up_sampling import _legacy_bilinear as _legacy_bilinear
from lamella_layers.reshaping.up_sampling import _UpSampling as _UpSampling
from lamella_layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from lamella_layers.reshaping.zero_padding import _ZeroPadding as _ZeroPadding

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
           "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]
