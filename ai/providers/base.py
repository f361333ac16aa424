"""The one interface the rest of SellFlow calls to generate text.

A caller describes the work as a Prompt: a feature name, its own instructions (trusted), the
facts to write from (untrusted: product fields, customer messages, a shopper's query), options
(style, length, platform...) and, for lists, the JSON schema the answer must follow. A provider
answers with a Generation: the text, the parsed structure when a schema was given, and what it
cost (tokens and latency) so the caller can record usage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
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
    confidence: float | None = None  # the assistant's, when the provider can tell
    tools_used: tuple[str, ...] = ()  # the assistant's tool calls, by name, in order


@dataclass(frozen=True)
class BoundTool:
    """One of the assistant's tools, already bound to the seller whose session asks: `run` takes
    only the model's arguments (checked against `parameters`) and returns a JSON-able result."""

    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class AssistantRequest:
    """A seller's question to the assistant: the session's earlier turns
    ({"role": "seller"|"assistant", "text": ...}, oldest first), the question, the tools it may
    call, and `on_delta(text)` for each piece of a streamed answer (None: no streaming)."""

    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    tools: list[BoundTool] = field(default_factory=list)
    language: str = "auto"
    shop: str = ""
    on_delta: Callable[[str], None] | None = None


class Provider(ABC):
    name: str
    model: str

    @abstractmethod
    def supports_language(self, code: str) -> bool: ...

    @abstractmethod
    def generate(self, prompt: Prompt) -> Generation:
        """Answer the prompt or raise ProviderFailure / LanguageUnsupported."""

    def assist(self, request: AssistantRequest) -> Generation:
        """Answer the seller's question, calling the request's tools as needed."""
        raise ProviderFailure(f"The {self.name} provider has no assistant.", reason="unsupported_feature")
