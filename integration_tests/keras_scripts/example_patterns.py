"""Patterns of the official Keras 2.3 examples that lamella's drop-in once failed on, in one
short script of our own. It runs unchanged on real Keras 2.3.1
(`/work/k231/bin/python example_patterns.py`) and on lamella through
`python -m lamella.run example_patterns.py`.

- `dtype=np.float` / `np.int` (conv_lstm.py, Keras 2.3's NumPy 1.17 still had them);
- a Lambda whose function returns a one-element list (mnist_swwae.py's `getwhere` returns
  `K.gradients(...)`), which Keras's `Layer.__call__` unpacks into the layer's one output;
- `model.input[0]` and `model.layers[i].output` of a saved and reloaded two-input model used to
  build a new model (lstm_seq2seq_restore.py);
- `from keras.layers import *` giving the layers and `Layer` for a custom layer
  (cifar10_cnn_capsule.py).
"""
from __future__ import print_function

import os
import sys
import tempfile

import numpy as np
from keras import backend as K
from keras.layers import *  # noqa: F403
from keras.layers import Dense, Input, Lambda, concatenate
from keras.models import Model, load_model

np.random.seed(0)
x = np.zeros((256, 6), dtype=np.float)
x[:, :4] = np.random.rand(256, 4)
y = (x[:, 0] + x[:, 1] > x[:, 2] + x[:, 3]).astype(np.int)

left = Input(shape=(6,), name='left')
right = Input(shape=(6,), name='right')
magnitude = Lambda(lambda t: [K.abs(t) * 2.0], output_shape=lambda s: s,
                   name='listed')(left)
hidden = Dense(16, activation='relu', name='hidden')(concatenate([magnitude, right]))
out = Dense(1, activation='sigmoid', name='out')(hidden)
model = Model([left, right], out)
model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])
history = model.fit([x, x], y, epochs=30, batch_size=32, verbose=0,
                    validation_split=0.25)
print('history keys:', sorted(history.history))
print('listed output shape:', K.int_shape(model.get_layer('listed').output))

loss, accuracy = model.evaluate([x, x], y, verbose=0)

# a two-input model saved, reloaded, and taken apart by layer index as lstm_seq2seq_restore does
inputs = [Input(shape=(6,)), Input(shape=(6,))]
merged = concatenate([Dense(8, activation='relu')(t) for t in inputs])
pair = Model(inputs, Dense(1, activation='sigmoid')(merged))
pair.compile('adam', 'binary_crossentropy')
pair.fit([x, x], y, epochs=1, verbose=0)
path = os.path.join(tempfile.mkdtemp(), 'pair.h5')
pair.save(path)
restored = load_model(path)
encoder = Model(restored.input[0], restored.layers[2].output)
print('encoder:', encoder.predict(x[:3]).shape)


class Twice(Layer):  # noqa: F405 - Layer, Reshape from the star import
    def call(self, inputs):
        return inputs * 2


start = Input(shape=(4,))
doubled = Model(start, Reshape((2, 2))(Twice()(start)))  # noqa: F405
print('star import:', doubled.predict(np.ones((1, 4))).tolist())
print('accuracy: %.3f' % accuracy)
sys.exit(0 if accuracy > 0.8 else 3)
