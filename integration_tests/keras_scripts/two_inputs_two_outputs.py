"""A Keras 2.3 functional script: two named inputs, two named outputs, dict data, loss_weights,
class_weight and validation_split. Only the imports differ from the Keras original:

    import keras
    from keras.layers import Input, Dense, concatenate
    from keras.models import Model
"""
from __future__ import print_function

import numpy as np

import lamella as keras
from lamella.layers import Concatenate, Dense, Input
from lamella.models import Model

np.random.seed(7)
n = 600
pixels = np.random.rand(n, 16).astype('float32')
meta = np.random.rand(n, 4).astype('float32')
label = (pixels[:, :8].sum(axis=1) > meta.sum(axis=1) * 2).astype('int32')
score = (pixels.mean(axis=1, keepdims=True) + meta.mean(axis=1, keepdims=True)).astype('float32')

pixels_in = Input(shape=(16,), name='pixels')
meta_in = Input(shape=(4,), name='meta')
x = Concatenate()([pixels_in, meta_in])
x = Dense(32, activation='relu')(x)
x = Dense(32, activation='relu')(x)
label_out = Dense(2, activation='softmax', name='label')(x)
score_out = Dense(1, name='score')(x)

model = Model(inputs=[pixels_in, meta_in], outputs=[label_out, score_out])
model.compile(optimizer='adam',
              loss={'label': 'sparse_categorical_crossentropy', 'score': 'mse'},
              loss_weights={'label': 1.0, 'score': 0.5},
              metrics={'label': ['accuracy']})
model.summary()
history = model.fit({'pixels': pixels, 'meta': meta},
                    {'label': label, 'score': score},
                    epochs=30, batch_size=32, verbose=2,
                    validation_split=0.2,
                    class_weight={'label': {0: 1.0, 1: 2.0}})
print('history keys:', sorted(history.history))
results = model.evaluate({'pixels': pixels, 'meta': meta}, {'label': label, 'score': score},
                         verbose=0)
print('metrics:', dict(zip(model.metrics_names, results)))
predictions = model.predict({'pixels': pixels[:5], 'meta': meta[:5]})
print('prediction shapes:', [p.shape for p in predictions])
