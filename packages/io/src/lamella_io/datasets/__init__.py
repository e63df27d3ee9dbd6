"""Small datasets bundled with lamella_io, loaded Keras-style.

Submodules:

- :mod:`lamella_io.datasets.digits`: UCI optical-recognition handwritten digits
  (8x8, 1,797 images, CC BY 4.0).

Downloaded on first use (Keras's origins and ``load_data`` signatures), cached under
``$LAMELLA_HOME/datasets`` (default ``~/.keras/datasets``, Keras's cache):

- :mod:`~lamella_io.datasets.mnist`, :mod:`~lamella_io.datasets.fashion_mnist`,
  :mod:`~lamella_io.datasets.cifar10`, :mod:`~lamella_io.datasets.cifar100`,
  :mod:`~lamella_io.datasets.imdb`, :mod:`~lamella_io.datasets.reuters`,
  :mod:`~lamella_io.datasets.boston_housing`.

Set ``LAMELLA_DATASETS_BASE_URL`` (or pass ``base_url=``) to download from a mirror folder
holding the same file names; every loader also takes keyword-only ``file_hash`` and
``cache_dir``. Files that Keras reads with pickle are read with a data-only unpickler.
"""
