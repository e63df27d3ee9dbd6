"""A Keras 2.3 script exactly as written for Keras 2.3.1: `import keras` and Keras's submodule
paths, command-line arguments, and an exit status. It runs unchanged on real Keras 2.3.1
(`/work/k231/bin/python keras_drop_in.py --epochs 3`) and on lamella through
`python -m lamella.run keras_drop_in.py --epochs 3`.

Usage: keras_drop_in.py [--epochs N] [--min-accuracy A]   (exit 3 below A)
"""
from __future__ import print_function

import argparse
import sys

import keras
import numpy as np
from keras import backend as K
from keras.callbacks.callbacks import EarlyStopping
from keras.engine.topology import Input
from keras.layers.core import Dense, Dropout
from keras.models import Model
from keras.optimizers import Adam
from keras.utils.np_utils import to_categorical

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=5)
parser.add_argument('--min-accuracy', type=float, default=0.0)
args = parser.parse_args()

np.random.seed(1)
x = np.random.rand(512, 8).astype('float32')
labels = (x[:, 0] + x[:, 1] > x[:, 2] + x[:, 3]).astype('int64')
y = to_categorical(labels, 2)

inputs = Input(shape=(8,))
hidden = Dense(32, activation='relu')(inputs)
hidden = Dropout(0.1)(hidden)
outputs = Dense(2, activation='softmax')(hidden)
model = Model(inputs, outputs)
model.compile(optimizer=Adam(0.01, 0.9, 0.999, False), loss='categorical_crossentropy',
              metrics=['accuracy'])
history = model.fit(x, y, batch_size=32, epochs=args.epochs, validation_split=0.25, verbose=2,
                    callbacks=[EarlyStopping(monitor='val_loss', patience=3)])
loss, accuracy = model.evaluate(x, y, verbose=0)
print('keras module:', keras.__name__ if __name__ == '__main__' else 'imported')
print('image data format:', K.image_data_format())
print('history keys:', sorted(history.history))
print('accuracy: %.3f' % accuracy)
print('argv:', sys.argv[1:])
if accuracy < args.min_accuracy:
    sys.exit(3)
