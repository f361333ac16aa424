"""`fake_openai`: a local OpenAI-compatible server the real SDK talks to over loopback.

Script its answers, then look at what it received:

    fake_openai.reply_text("A bright red mug.")          # answers are queued, consumed in order,
    fake_openai.reply_json({"hashtags": ["#mug"]})       # and the last one repeats
    fake_openai.fail(500)
    fake_openai.requests[-1]["messages"]                  # parsed JSON bodies received
"""

import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests.fake_servers import FakeJSONServer, Received

CHAT_PATH = "/v1/chat/completions"
FAKE_API_KEY = "sk-test-fake-0123456789abcdef"
ERROR_TYPES = {400: ("invalid_request_error", None), 401: ("invalid_request_error", "invalid_api_key"),
               403: ("invalid_request_error", "unsupported_country_region_territory"),
               404: ("invalid_request_error", "model_not_found"), 429: ("requests", "rate_limit_exceeded")}


class FakeOpenAI:
    """Answers POST /v1/chat/completions in the OpenAI wire format.

    Every reply_* method queues one answer and accepts `delay=` (seconds before answering).
    With nothing queued the server answers "Fake OpenAI answer." as plain text.
    """

    def __init__(self, server: FakeJSONServer):
        self.server = server
        self.base_url = server.url + "/v1"
        self._answers: list[Callable[[dict], tuple]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()  # set at teardown: stalled answers return at once
        self._ids = itertools.count(1)
        server.routes[CHAT_PATH] = self._answer

    # What was received

    @property
    def requests(self) -> list[dict]:
        """The parsed JSON bodies of the chat completion requests, oldest first."""
        return [received.json() for received in self._received()]

    @property
    def headers(self) -> list[dict[str, str]]:
        """Their headers (lower-case names), oldest first."""
        return [received.headers for received in self._received()]

    @property
    def last_request(self) -> dict:
        return self.requests[-1]

    def _received(self) -> list[Received]:
        return [received for received in self.server.received if received.path == CHAT_PATH]

    # Scripting answers

    def reply_text(self, content: str | None, *, finish_reason: str = "stop", model: str | None = None,
                   usage: tuple[int, int] | None = None, refusal: str | None = None, delay: float = 0) -> None:
        """A completion whose message content is `content`."""
        def answer(request: dict) -> tuple:
            return 200, self.completion(request, content, finish_reason=finish_reason, model=model,
                                        usage=usage, refusal=refusal)
        self._queue(answer, delay)

    def reply_json(self, value: Any, **kwargs) -> None:
        """A completion whose content is `value` as JSON (what Structured Outputs returns)."""
        self.reply_text(json.dumps(value, ensure_ascii=False), **kwargs)

    def reply_with(self, build: Callable[[dict], Any], **kwargs) -> None:
        """A completion computed from the request body: `build` returns text, or a dict/list
        sent as JSON content."""
        def answer(request: dict) -> tuple:
            value = build(request)
            content = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return 200, self.completion(request, content, **kwargs)
        self._queue(answer, 0)

    def reply_tool_calls(self, *calls: tuple[str, dict | str]) -> None:
        """The model asks for tool calls: (name, arguments as a dict, or a raw string)."""
        def answer(request: dict) -> tuple:
            body = self.completion(request, None, finish_reason="tool_calls")
            body["choices"][0]["message"]["tool_calls"] = [
                {"id": f"call_{index}", "type": "function", "function": {
                    "name": name, "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)}}
                for index, (name, arguments) in enumerate(calls, 1)]
            return 200, body
        self._queue(answer, 0)

    def refuse(self, refusal: str = "I'm sorry, I can't help with that.", **kwargs) -> None:
        """The model declines: content null, `message.refusal` set."""
        self.reply_text(None, refusal=refusal, **kwargs)

    def fail(self, status: int = 500, message: str = "The server had an error while processing your request.",
             *, headers: dict[str, str] | None = None, delay: float = 0) -> None:
        """An OpenAI error body with that status. It carries `retry-after-ms: 1`, so the SDK's
        retries (OPENAI_MAX_RETRIES) happen at once instead of after a backoff."""
        error_type, code = ERROR_TYPES.get(status, ("server_error", None))
        body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
        self._queue(lambda request: (status, body, {"retry-after-ms": "1", **(headers or {})}), delay)

    def reply_raw(self, status: int, body: bytes, *, headers: dict[str, str] | None = None, delay: float = 0) -> None:
        """Exactly these bytes (served as application/json, whatever they are)."""
        self._queue(lambda request: (status, body, headers or {}), delay)

    def stall(self, seconds: float | None = None) -> None:
        """Answer only after `seconds` (default: OPENAI_TIMEOUT + 0.3), by then the client gave up."""
        self.reply_text("Too late.", delay=django_settings.OPENAI_TIMEOUT + 0.3 if seconds is None else seconds)

    def clear(self) -> None:
        """Forget the queued answers (back to the default one)."""
        with self._lock:
            self._answers.clear()

    # The wire format

    def completion(self, request: dict, content: str | None, *, finish_reason: str = "stop",
                   model: str | None = None, usage: tuple[int, int] | None = None,
                   refusal: str | None = None) -> dict:
        if usage is None:  # roughly four characters a token, like the real thing
            prompt_chars = sum(len(str(message.get("content") or "")) for message in request.get("messages", []))
            usage = (prompt_chars // 4 + 1, len(content or refusal or "") // 4 + 1)
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model or request.get("model", "gpt-4o-mini"),
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    def _queue(self, answer: Callable[[dict], tuple], delay: float) -> None:
        if delay:
            def delayed(request: dict, answer=answer) -> tuple:
                self._released.wait(delay)
                return answer(request)
            with self._lock:
                self._answers.append(delayed)
        else:
            with self._lock:
                self._answers.append(answer)

    def _answer(self, received: Received) -> tuple:
        with self._lock:
            answer = self._answers.pop(0) if len(self._answers) > 1 else (self._answers or [None])[0]
        try:
            request = received.json()
        except ValueError:
            request = {}
        if answer is None:
            return 200, self.completion(request, "Fake OpenAI answer.")
        status, body, *rest = answer(request)
        headers = {"x-request-id": f"req_fake{len(self.server.received)}", **(rest[0] if rest else {})}
        if request.get("stream") and status == 200 and isinstance(body, dict) and "choices" in body:
            body = self.as_stream(body)
        return status, body, headers

    @staticmethod
    def as_stream(completion: dict) -> bytes:
        """A completion as the server-sent events of `stream: true`: its content in two pieces, each tool
        call's arguments in two pieces (as the real API cuts them), then the finish and the usage."""
        base = {key: completion[key] for key in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
        message, finish = completion["choices"][0]["message"], completion["choices"][0]["finish_reason"]
        deltas = []
        content = message.get("content") or ""
        if content:
            middle = len(content) // 2
            deltas += [{"role": "assistant", "content": content[:middle]}, {"content": content[middle:]}]
        for index, call in enumerate(message.get("tool_calls") or []):
            arguments = call["function"]["arguments"]
            middle = len(arguments) // 2
            deltas += [{"tool_calls": [{"index": index, "id": call["id"], "type": "function", "function": {
                "name": call["function"]["name"], "arguments": arguments[:middle]}}]},
                {"tool_calls": [{"index": index, "function": {"arguments": arguments[middle:]}}]}]
        chunks = [{**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]} for delta in deltas]
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        chunks.append({**base, "choices": [], "usage": completion["usage"]})
        return ("".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n").encode()

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def fake_openai(settings):
    """The openai provider, configured against a fake server: AI_PROVIDER=openai, a test key,
    OPENAI_TIMEOUT=0.5 s and no retries (set settings.OPENAI_MAX_RETRIES to test them)."""
    with FakeJSONServer() as server:
        # A client that timed out has hung up: the late answer's broken pipe is not an error.
        server._server.handle_error = lambda request, client_address: None
        fake = FakeOpenAI(server)
        settings.AI_PROVIDER = "openai"
        settings.OPENAI_API_KEY = FAKE_API_KEY
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "gpt-4o-mini"
        settings.OPENAI_TIMEOUT = 0.5
        settings.OPENAI_MAX_RETRIES = 0
        try:
            yield fake
        finally:
            fake.release()
