"""``lamella.wrappers``: Keras 2.3.1's ``keras.wrappers`` (``scikit_learn``)."""
