"""CSVLogger: rows are durable, and appending after a crash neither duplicates nor loses rows."""

import csv

from hypothesis import given, settings
from hypothesis import strategies as st

from lamella.testing import StubModel as FakeModel
from lamella_callbacks import CSVLogger


def run(path, first, last, append=True, crash_after=None, torn=False):
    """Epochs first..last-1 through CSVLogger's hooks; optionally "crash" after an epoch."""
    callback = CSVLogger(str(path), append=append)
    callback.set_model(FakeModel())
    callback.on_train_begin({})
    for epoch in range(first, last):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0 / (epoch + 1)})
        if crash_after == epoch:
            callback.csv_file.close()  # what is on disk is what a killed process leaves
            if torn:
                with open(path, "a", newline="") as handle:
                    handle.write(f"{epoch + 1},0.12")  # a row cut off mid-write
            return
    callback.on_train_end({})


def epochs_in(path):
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    return [int(row[0]) for row in rows[1:]]


def test_rows_are_on_disk_after_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    callback = CSVLogger(str(path))
    callback.set_model(FakeModel())
    callback.on_train_begin({})
    for epoch in range(3):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {"loss": 0.5, "val_loss": 0.25})
        # another reader sees the row before training goes on (flushed, fsync-ed)
        assert epochs_in(path) == list(range(epoch + 1))
    callback.on_train_end({})


def test_append_after_torn_row(tmp_path):
    path = tmp_path / "log.csv"
    run(path, 0, 10, crash_after=3, torn=True)
    run(path, 4, 6)  # resumed from the checkpoint of epoch 3 (1-based 4)
    assert epochs_in(path) == [0, 1, 2, 3, 4, 5]
    assert path.read_text().endswith("\n")


def test_resume_from_an_older_checkpoint_drops_the_redone_rows(tmp_path):
    path = tmp_path / "log.csv"
    run(path, 0, 10, crash_after=5)
    run(path, 3, 7)  # the last checkpoint was from epoch 2
    assert epochs_in(path) == [0, 1, 2, 3, 4, 5, 6]


def test_append_from_epoch_zero_appends_like_keras(tmp_path):
    path = tmp_path / "log.csv"
    for _ in range(3):
        run(path, 0, 1)  # fit(epochs=1) in a loop with one log file
    assert epochs_in(path) == [0, 0, 0]


def test_torn_header_is_rewritten(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,lo")
    run(path, 2, 4)
    assert epochs_in(path) == [2, 3]


def test_no_append_overwrites(tmp_path):
    path = tmp_path / "log.csv"
    run(path, 0, 5)
    run(path, 0, 2, append=False)
    assert epochs_in(path) == [0, 1]


@settings(max_examples=40, deadline=None)
@given(total=st.integers(2, 8), data=st.data())
def test_crash_and_resume_gives_every_epoch_once(tmp_path_factory, total, data):
    path = tmp_path_factory.mktemp("csv") / "log.csv"
    crash = data.draw(st.integers(0, total - 1), label="crash after epoch")
    torn = data.draw(st.booleans(), label="torn row")
    resume = data.draw(st.integers(1, crash + 1), label="resume epoch (last checkpoint + 1)")
    run(path, 0, total, crash_after=crash, torn=torn)
    run(path, resume, total)
    assert epochs_in(path) == list(range(total))
