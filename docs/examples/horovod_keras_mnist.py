"""Horovod's Keras MNIST example (horovod/examples/keras/keras_mnist.py, Horovod 0.28.1,
Apache-2.0, Uber Technologies), ported line by line to lamella.

What changed: the imports (``keras`` -> ``lamella``, ``horovod.keras`` -> ``lamella.distributed``),
the data (the 8x8 digits shipped in lamella-io instead of downloading MNIST, so the shapes are
8x8) and the GPU pinning (TensorFlow's session config -> ``torch.cuda.set_device``). Everything
Horovod does here keeps its name: ``hvd.init``, ``hvd.size``, ``hvd.rank``,
``hvd.DistributedOptimizer``, ``hvd.callbacks.BroadcastGlobalVariablesCallback``. As in Horovod,
every worker trains on all of its data; the epochs are divided by the number of workers and
the learning rate multiplied by it.

Run it (CPU, 2 processes) with either launcher:

    horovodrun -np 2 -H localhost:2 --gloo python docs/examples/horovod_keras_mnist.py
    torchrun --nproc_per_node 2 docs/examples/horovod_keras_mnist.py
    python docs/examples/horovod_keras_mnist.py          # one process
"""

from __future__ import print_function

import argparse
import math

import torch

import lamella as keras
import lamella.distributed as hvd
from lamella import backend as K
from lamella.datasets import digits
from lamella.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from lamella.models import Sequential

parser = argparse.ArgumentParser(description='Keras MNIST Example')
parser.add_argument('--epochs', type=float, default=12.0,
                    help='epochs on one process (lamella: so CI can shorten the run)')
parser.add_argument('--seed', type=int, default=None,
                    help='random seed (lamella: a reproducible run for the tests)')
parser.add_argument('--checkpoint-dir', default='.',
                    help='where rank 0 writes its checkpoints (lamella)')
args = parser.parse_args()

if args.seed is not None:
    keras.utils.set_random_seed(args.seed)

# Horovod: initialize Horovod.
hvd.init()

# Horovod: pin GPU to be used to process local rank (one GPU per process)
if torch.cuda.is_available():
    torch.cuda.set_device(hvd.local_rank())

batch_size = 128
num_classes = 10

# Horovod: adjust number of epochs based on number of GPUs.
epochs = int(math.ceil(args.epochs / hvd.size()))

# Input image dimensions
img_rows, img_cols = 8, 8

# The data, shuffled and split between train and test sets
(x_train, y_train), (x_test, y_test) = digits.load_data()

if K.image_data_format() == 'channels_first':
    x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
    x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
    input_shape = (1, img_rows, img_cols)
else:
    x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
    x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
    input_shape = (img_rows, img_cols, 1)

x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 16  # the digits' pixels run 0..16 (MNIST's: 0..255)
x_test /= 16
if hvd.rank() == 0:  # lamella: print once, not once per worker
    print('x_train shape:', x_train.shape)
    print(x_train.shape[0], 'train samples')
    print(x_test.shape[0], 'test samples')

# Convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3),
                 activation='relu',
                 input_shape=input_shape))
model.add(Conv2D(64, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(128, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation='softmax'))

# Horovod: adjust learning rate based on number of GPUs.
opt = keras.optimizers.Adadelta(1.0 * hvd.size())

# Horovod: add Horovod Distributed Optimizer.
opt = hvd.DistributedOptimizer(opt)

model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=opt,
              metrics=['accuracy'])

callbacks = [
    # Horovod: broadcast initial variable states from rank 0 to all other processes.
    # This is necessary to ensure consistent initialization of all workers when
    # training is started with random weights or restored from a checkpoint.
    hvd.callbacks.BroadcastGlobalVariablesCallback(0),
]

# Horovod: save checkpoints only on worker 0 to prevent other workers from corrupting them.
if hvd.rank() == 0:
    callbacks.append(keras.callbacks.ModelCheckpoint(
        args.checkpoint_dir + '/checkpoint-{epoch}.h5'))

model.fit(x_train, y_train,
          batch_size=batch_size,
          callbacks=callbacks,
          epochs=epochs,
          verbose=1 if hvd.rank() == 0 else 0,
          validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
if hvd.rank() == 0:  # lamella: print once
    print('Test loss:', score[0])
    print('Test accuracy:', score[1])
