"""lamella_callbacks: Keras 2.3 callbacks beyond History and the progress bar for lamella.

Users reach these through ``lamella.callbacks`` (``from lamella.callbacks import
EarlyStopping``); importing them from here works too.
"""

from lamella._version import __version__
from lamella_callbacks.checkpoint import ModelCheckpoint
from lamella_callbacks.csv_logger import CSVLogger
from lamella_callbacks.early_stopping import EarlyStopping
from lamella_callbacks.lambda_callback import LambdaCallback
from lamella_callbacks.lr_scheduler import LearningRateScheduler
from lamella_callbacks.reduce_lr import ReduceLROnPlateau
from lamella_callbacks.remote_monitor import RemoteMonitor
from lamella_callbacks.tensorboard import TensorBoard
from lamella_callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger", "EarlyStopping", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
    "ReduceLROnPlateau", "RemoteMonitor", "TensorBoard", "TerminateOnNaN", "__version__",
]
