"""What every backend (segmenter or inpainter) declares, and the name -> class registries."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from .errors import BackendUnavailableError, InvalidInputError


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run here, and why (or why not), in one sentence."""

    available: bool
    reason: str


class Backend(ABC):
    """Base of segmenters and inpainters: a name, whether it needs weights, and a cheap availability check.

    Constructing a backend never downloads anything.
    """

    name: ClassVar[str]
    needs_weights: ClassVar[bool] = False
    description: ClassVar[str] = ""

    @classmethod
    def availability(cls) -> Availability:
        """Cheap check (no download, no model load) of whether this backend can run here."""
        return Availability(True, "built in; needs no weights")

    @classmethod
    def is_available(cls) -> bool:
        return cls.availability().available


B = TypeVar("B", bound=Backend)


class Registry(Generic[B]):
    """Backends of one kind by name; ``auto`` picks the first available in preference order."""

    def __init__(self, kind: str, classes: dict[str, type[B]], *, auto_order: tuple[str, ...]):
        self.kind = kind
        self.classes = classes
        self.auto_order = auto_order

    def names(self) -> list[str]:
        """Every known name, ``auto`` first (what the UI select box and the CLI choices show)."""
        return ["auto", *self.classes]

    def resolve(self, name: str) -> type[B]:
        """The class for a name; ``auto`` gives the best available one."""
        if name == "auto":
            for candidate in self.auto_order:
                cls = self.classes[candidate]
                if cls.is_available():
                    return cls
            raise BackendUnavailableError(f"No {self.kind} is available; known: {', '.join(self.classes)}.")
        try:
            cls = self.classes[name]
        except KeyError:
            raise InvalidInputError(
                f"Unknown {self.kind} {name!r}; known {self.kind}s: {', '.join(self.names())}."
            ) from None
        availability = cls.availability()
        if not availability.available:
            raise BackendUnavailableError(f"The {self.kind} {name!r} is not available: {availability.reason}")
        return cls

    def create(self, name: str = "auto") -> tuple[B, tuple[str, ...]]:
        """A constructed backend for a name, and notes on any fallback ``auto`` made.

        A named backend is built as asked: if it is missing or fails to load it raises
        BackendUnavailableError. ``auto`` builds the first available backend in preference order;
        one that looks available but fails to load (a corrupt weights file, say) is skipped with a
        note saying why, and the next one is tried.
        """
        if name != "auto":
            return self.resolve(name)(), ()
        notes: list[str] = []
        for candidate in self.auto_order:
            cls = self.classes[candidate]
            if not cls.is_available():
                continue
            try:
                return cls(), tuple(notes)
            except BackendUnavailableError as exc:
                notes.append(f"auto did not use the {self.kind} {candidate!r}: {exc}")
        raise BackendUnavailableError(
            " ".join([f"No {self.kind} is available; known: {', '.join(self.classes)}.", *notes])
        )

    def describe(self) -> list[tuple[str, Availability, type[B]]]:
        """(name, availability, class) for every backend, for listings."""
        return [(name, cls.availability(), cls) for name, cls in self.classes.items()]
