"""lamella-io registers its datasets through the plugin hooks."""

import lamella
from lamella_io.datasets import digits


def test_digits_dataset_resolves_through_the_facade():
    assert lamella.datasets.digits is digits
    (x_train, y_train), (x_test, y_test) = lamella.datasets.get("digits").load_data()
    assert len(x_train) + len(x_test) == digits.NUM_SAMPLES
