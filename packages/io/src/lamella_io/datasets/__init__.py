"""Small datasets bundled with lamella_io, loaded Keras-style.

Submodules:

- :mod:`lamella_io.datasets.digits`: UCI optical-recognition handwritten digits
  (8x8, 1,797 images, CC BY 4.0).
"""
