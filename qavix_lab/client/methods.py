"""Public methods written once, as plans, for both clients.

``@plan_method`` turns ``def create(self, text: str, ...) -> Plan[TtsTask[Mode]]`` into a method
that returns ``TtsTask[Sync]`` on :class:`~qavix_lab.client.Client`'s namespaces and an awaitable of
``TtsTask[Async]`` on :class:`~qavix_lab.client.AsyncClient`'s. Type checkers see the exact
parameters (a ``ParamSpec``) and return type; ``inspect.signature`` and Jupyter's Shift+Tab show
the same parameters; an unknown keyword raises ``TypeError`` at the call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from .effects import Plan

if TYPE_CHECKING:
    from .clients import BaseClient

P = ParamSpec("P")
T = TypeVar("T")


class Sync:
    """Marker type: the namespace's methods return their results."""


class Async:
    """Marker type: the namespace's methods return awaitables."""


Mode = TypeVar("Mode", Sync, Async)


class Bound(Generic[Mode]):
    """Anything whose plan methods run on a client: resource namespaces and task handles."""

    def __init__(self, client: BaseClient[Mode]) -> None:
        self._client: BaseClient[Mode] = client


class plan_method(Generic[P, T]):  # noqa: N801 - used as a decorator, like property
    """Descriptor: the plan function bound to the instance's client, run by its driver."""

    def __init__(self, fn: Callable[Concatenate[Any, P], Plan[T]]) -> None:
        self.fn = fn
        self.__doc__, self.__name__ = fn.__doc__, fn.__name__
        self._signatures: dict[bool, inspect.Signature] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name

    @overload
    def __get__(self, obj: None, owner: type) -> plan_method[P, T]: ...
    @overload
    def __get__(self, obj: Bound[Sync], owner: type) -> Callable[P, T]: ...
    @overload
    def __get__(self, obj: Bound[Async], owner: type) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, obj: Bound[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        client, fn = obj._client, self.fn

        def bound(*args: Any, **kwargs: Any) -> Any:
            return client._run(fn(obj, *args, **kwargs))

        bound.__name__, bound.__qualname__ = fn.__name__, fn.__qualname__
        bound.__doc__, bound.__module__ = fn.__doc__, fn.__module__
        bound.__wrapped__ = fn  # type: ignore[attr-defined]
        bound.__signature__ = self.signature(client.is_async)  # type: ignore[attr-defined]
        obj.__dict__[self.__name__] = bound  # made once per object: later lookups find it
        return bound

    def plan(self, obj: Any, /, *args: P.args, **kwargs: P.kwargs) -> Plan[T]:
        """The plan itself, for composing inside another plan: ``yield from X.wait.plan(task)``."""
        return self.fn(obj, *args, **kwargs)

    def signature(self, is_async: bool) -> inspect.Signature:
        """The public signature: without ``self``, returning T (or ``Awaitable[T]``)."""
        if is_async not in self._signatures:
            full = inspect.signature(self.fn)
            result = _plan_result(full.return_annotation)
            self._signatures[is_async] = full.replace(
                parameters=list(full.parameters.values())[1:],
                return_annotation=f"Awaitable[{result}]" if is_async else result)
        return self._signatures[is_async]


def _plan_result(annotation: object) -> str:
    """``"Plan[TtsTask[Mode]]"`` -> ``"TtsTask"``: what a user gets back."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "Any")
    if text.startswith("Plan[") and text.endswith("]"):
        text = text[5:-1]
    return text.replace("[Mode]", "")
