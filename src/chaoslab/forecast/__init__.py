"""Forecasting chaos: one protocol (``Task`` -> ``TaskData``), a zoo of models behind one
interface (``Forecaster``: fit / predict / sample), scored in Lyapunov times."""

from .base import Forecaster, MissingExtraError, UnknownModelError, Windows, get_model, list_models, register
from .linalg import ridge
from .protocol import Task, TaskData, make_task_data

__all__ = ["Forecaster", "MissingExtraError", "Task", "TaskData", "UnknownModelError", "Windows", "get_model", "list_models",
           "make_task_data", "register", "ridge"]
