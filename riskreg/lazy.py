"""Heavy libraries, imported when first used rather than when the app starts (issue 20).

Starting riskreg (every command, every gunicorn worker, every test's app) used to import WeasyPrint, pyHanko,
onnxruntime, numpy and the XLSX stack, about three seconds of CPU before anything was asked of it. Libraries
used in one or two functions are imported inside those functions; a library used all over a module (numpy) is
named through ``module()``, a stand-in that imports it at the first attribute looked up. Modules that use it
in annotations start with ``from __future__ import annotations`` so that defining a function looks nothing up.
``tests/test_fast_start.py`` fails when creating the app imports one of them again.
"""

import importlib
from types import ModuleType

import click


class LazyModule:
    """Stands for a module until an attribute is read, then imports it and answers from it."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        # Only called for what the instance lacks: everything but the two fields above.
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def module(name: str) -> LazyModule:
    return LazyModule(name)


class Group(click.Group):
    """A command group named in ``--help`` but imported only when it is run (or its own help is asked for)."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name=name, help=help)
        self._target = target

    def _real(self) -> click.Group:
        module, _, attribute = self._target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


class Choice(click.Choice):
    """``click.Choice`` of the names in ``module:attribute`` (sorted), imported when the choice is first checked or
    shown in the command's help, not when the command is defined (``riskreg --help`` defines every command)."""

    def __init__(self, target: str, case_sensitive: bool = True) -> None:
        self._target = target
        self._choices: tuple[str, ...] | None = None
        super().__init__((), case_sensitive=case_sensitive)

    @property
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            module, _, attribute = self._target.partition(":")
            self._choices = tuple(sorted(getattr(importlib.import_module(module), attribute)))
        return self._choices

    @choices.setter
    def choices(self, given) -> None:
        # click.Choice.__init__ sets the choices: here they are the target's, read when first asked for.
        if given:
            raise TypeError("lazy.Choice takes its choices from its target")
