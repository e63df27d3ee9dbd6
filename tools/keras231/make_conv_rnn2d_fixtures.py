"""Generate Keras 2.3.1 fixtures for ``ConvRNN2D`` around a ``ConvLSTM2DCell`` (the way Keras
2.3 scripts build a convolutional RNN from a cell), for lamella-layers' tests.

How to regenerate (CPU only, Python 3.7; README.md sets up the Keras 2.3.1 environment):

    /work/k231/bin/python tools/keras231/make_conv_rnn2d_fixtures.py \
        packages/layers/tests/fixtures/keras231/

Writes ``conv_rnn2d.json`` and ``conv_rnn2d.npz`` in ``make_layer_fixtures.py``'s format (its
``layer_case`` records each case: Keras's config with the nested cell, the weights (random),
weight names, inputs and inference outputs).
"""
from __future__ import print_function

import os

import _preamble
import make_layer_fixtures as M  # sets up the environment and Keras, as every generator
from keras import layers as L  # noqa: E402
from keras.layers import convolutional_recurrent as CR  # noqa: E402


def conv_rnn2d_cases():
    M.layer_case('ConvRNN2D/same_seq', lambda: CR.ConvRNN2D(
        L.ConvLSTM2DCell(2, 3, padding='same'), return_sequences=True), [(4, 5, 5, 2)],
        weight_names=True)
    M.layer_case('ConvRNN2D/valid_s2_state_backwards', lambda: CR.ConvRNN2D(
        CR.ConvLSTM2DCell(3, (2, 3), strides=2), return_state=True,
        go_backwards=True), [(3, 7, 6, 1)])
    M.layer_case('ConvRNN2D/channels_first_dilated', lambda: CR.ConvRNN2D(
        L.ConvLSTM2DCell(2, 2, data_format='channels_first', dilation_rate=2,
                         recurrent_activation='sigmoid')), [(3, 2, 6, 6)])


def main(out_dir):
    _preamble.ensure_dir(out_dir)
    conv_rnn2d_cases()
    _preamble.write_json(os.path.join(out_dir, 'conv_rnn2d.json'),
                         {'_meta': _preamble.versions(
                             'tools/keras231/make_conv_rnn2d_fixtures.py'), 'cases': M.CASES},
                         indent=0, sort_keys=True, default=_preamble.json_default)
    _preamble.write_npz(os.path.join(out_dir, 'conv_rnn2d.npz'), M.ARRAYS, compressed=True)
    print('%d cases written to %s' % (len(M.CASES), out_dir))


if __name__ == '__main__':
    main(_preamble.output_path(__doc__, 'packages/layers/tests/fixtures/keras231'))
