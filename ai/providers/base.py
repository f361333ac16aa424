"""The one interface the rest of SellFlow calls to generate text.

A caller describes the work as a Prompt: a feature name, its own instructions (trusted), the
facts to write from (untrusted: product fields, customer messages, a shopper's query), options
(style, length, platform...) and, for lists, the JSON schema the answer must follow. A provider
answers with a Generation: the text, the parsed structure when a schema was given, and what it
cost (tokens and latency) so the caller can record usage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


class ProviderFailure(Exception):
    """The provider could not answer: network, timeout, server error, refusal, empty or
    malformed output. The message is safe to show; `reason` is a short machine code."""

    def __init__(self, message: str, *, reason: str = "error"):
        super().__init__(message)
        self.reason = reason


class LanguageUnsupported(Exception):
    """The provider cannot write in the requested language."""


@dataclass(frozen=True)
class Prompt:
    feature: str
    instructions: str
    data: dict[str, Any]
    language: str = "en"
    options: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] | None = None


@dataclass(frozen=True)
class Generation:
    text: str
    data: Any = None  # the parsed answer when the prompt had a schema
    provider: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0


class Provider(ABC):
    name: str
    model: str

    @abstractmethod
    def supports_language(self, code: str) -> bool: ...

    @abstractmethod
    def generate(self, prompt: Prompt) -> Generation:
        """Answer the prompt or raise ProviderFailure / LanguageUnsupported."""
