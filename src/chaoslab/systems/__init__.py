"""Systems: the System type and the built-in catalog."""

from .base import (  # noqa: F401
    ParameterError,
    System,
    UnknownNameError,
    UnknownSystemError,
    delay_flow,
    flow,
    get_system,
    list_systems,
    map_system,
    register,
    resolve_name,
    stack,
)
