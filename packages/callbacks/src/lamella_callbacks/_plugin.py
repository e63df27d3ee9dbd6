"""lamella_callbacks's registrations with lamella.

Every callback is named by a ``"module:attr"`` string, so listing plugins imports nothing
heavy (TensorBoard's writer is imported only when training starts). History, ProgbarLogger
and BaseLogger live in lamella-core.
"""

from lamella.plugins import Component, hookimpl

_PKG = "lamella_callbacks"


@hookimpl
def lamella_callbacks():
    return [
        Component("TerminateOnNaN", f"{_PKG}.terminate_on_nan:TerminateOnNaN"),
        Component("ModelCheckpoint", f"{_PKG}.checkpoint:ModelCheckpoint"),
        Component("EarlyStopping", f"{_PKG}.early_stopping:EarlyStopping"),
        Component("LearningRateScheduler", f"{_PKG}.lr_scheduler:LearningRateScheduler"),
        Component("ReduceLROnPlateau", f"{_PKG}.reduce_lr:ReduceLROnPlateau"),
        Component("CSVLogger", f"{_PKG}.csv_logger:CSVLogger"),
        Component("LambdaCallback", f"{_PKG}.lambda_callback:LambdaCallback"),
        Component("RemoteMonitor", f"{_PKG}.remote_monitor:RemoteMonitor"),
        Component("TensorBoard", f"{_PKG}.tensorboard:TensorBoard"),
    ]
