"""What daphne's HTTP server (Twisted) does with a request before the application is called, made
to answer as the application does.

Twisted reads a request's whole body (past 100 kB into a temporary file) before daphne calls the
application, so the ASGI wrapper (sellflow.body_limit) alone would only spare Django a second copy.
Here the body is counted as it arrives: as soon as the announced length or the bytes received pass
the path's limit, the request goes to the application with no body, the wrapper answers its 413
(the error shape, request id, CORS), and the connection closes with that answer. Nothing more of
the body is kept: what the client still sends is read for a few seconds and dropped, so that a
client that sends its whole body before reading (most libraries do) still gets the answer.

This leans on Twisted's HTTPChannel internals (the request line it holds while the body arrives,
its bad-request answer); tests/sellflow/test_served_by_daphne.py runs the real server.
"""

import io
import json
from urllib.parse import unquote

from daphne import http_protocol
from twisted.web import http

from sellflow.body_limit import body_limit_for
from sellflow.exceptions import error_body
from sellflow.middleware import RESOURCE_POLICY

# Seconds the connection of a refused request is still read (what comes is dropped) after the answer.
LINGER_SECONDS = 5
MALFORMED_BODY = json.dumps(error_body("The request is not valid HTTP.", "bad_request")).encode()
MALFORMED_RESPONSE = b"\r\n".join([
    b"HTTP/1.1 400 Bad Request",
    b"Content-Type: application/json",
    b"Content-Length: %d" % len(MALFORMED_BODY),
    b"X-Content-Type-Options: nosniff",
    b"Content-Security-Policy: " + RESOURCE_POLICY.encode(),
    b"Connection: close",
    b"",
    MALFORMED_BODY,
])


class WebRequest(http_protocol.WebRequest):
    refused = False
    received = 0
    body_limit = float("inf")  # until the path is known

    def __init__(self, channel, *args, **kwargs):
        # Twisted would parse a POSTed form itself (into request.args, which daphne never reads):
        # a malformed multipart body got an empty 400 from it, and a large one held the event loop.
        super().__init__(channel, *args, parsePOSTFormSubmission=False, **kwargs)
        # The channel answers a request it cannot parse (a bad request line, header, Content-Length
        # or chunk) with a bare, empty 400.
        channel._respondToBadRequestAndDisconnect = lambda: answer_malformed(channel)

    def gotLength(self, length):
        """Twisted calls this once the headers are in, before any of the body."""
        if not isinstance(self.channel, http.HTTPChannel):  # an HTTP/2 stream (TLS, h2): Twisted's way
            return super().gotLength(length)
        self.body_limit = body_limit_for(self.target_path())
        if length is not None and length > self.body_limit:
            self.content = io.BytesIO()  # no temporary file for a body that is not read
            return self.refuse(length)
        super().gotLength(length)

    def handleContentChunk(self, data):
        """Twisted calls this with each piece of the body (decoded, when chunked) as it arrives."""
        if self.refused:
            return  # what had already come in with the refused part is dropped
        self.received += len(data)
        if self.received > self.body_limit:  # only a chunked body: Twisted stops at a Content-Length
            self.content.close()
            self.content = io.BytesIO()
            return self.refuse(self.received)
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if not self.refused:  # a refused request was handed to the application already
            super().requestReceived(command, path, version)

    def target_path(self) -> str:
        """The path the application will see, less daphne's root path, as the wrapper reads it.
        Request.uri is set only once the whole body is in: the channel holds the request line."""
        target = self.channel._path.split(b"?", 1)[0]
        root_path = self.requestHeaders.getRawHeaders(b"daphne-root-path")
        root_path = unquote(root_path[0].decode("ascii", "replace")) if root_path else self.server.root_path
        return unquote(target.decode("ascii", "replace")).removeprefix(root_path)

    def refuse(self, length: int) -> None:
        """Hand the request to the application now, with an empty body and the length that
        passed the limit, so that the wrapper refuses it (by Content-Length, before reading)."""
        self.refused = True
        channel = self.channel
        channel.transport.pauseProducing()  # nothing more is read from the client
        channel.persistent = False  # the rest of the body is not read: the connection ends with the answer
        channel.loseConnection = lambda: close_after_draining(channel)
        # What is left of the body in what was read is dropped, well formed or not: the 413 answers.
        channel._respondToBadRequestAndDisconnect = lambda: None
        self.responseHeaders.setRawHeaders(b"Connection", [b"close"])
        self.requestHeaders.removeHeader(b"Expect")  # no "100 Continue" invites the body
        self.requestHeaders.setRawHeaders(b"Content-Length", [b"%d" % length])
        http.Request.requestReceived(self, channel._command, channel._path, channel._version)


def close_after_draining(channel: http.HTTPChannel) -> None:
    """Ends a connection whose answer went before its body came, reading and dropping what still
    comes for LINGER_SECONDS first: closed at once, a client blocked sending its body would meet a
    closed socket (on TCP a reset, which can destroy the answer it has not read yet)."""
    transport = channel.transport
    channel.dataReceived = lambda data: None
    transport.unregisterProducer()
    # The answer, then the end of the stream (TLS connections without half-close just close).
    getattr(transport, "loseWriteConnection", transport.loseConnection)()
    transport.resumeProducing()
    channel.callLater(LINGER_SECONDS, transport.abortConnection)


def answer_malformed(channel: http.HTTPChannel) -> None:
    """Twisted's answer to a request it cannot parse, in the error shape."""
    channel.transport.write(MALFORMED_RESPONSE)
    channel.loseConnection()


def use_in_daphne() -> None:
    # daphne's HTTPFactory looks the class up here for every connection.
    http_protocol.WebRequest = WebRequest
    if getattr(http_protocol.HTTPFactory.buildProtocol, "answers_long_lines", False):
        return
    build_protocol = http_protocol.HTTPFactory.buildProtocol

    def build_protocol_answering_long_lines(factory, addr):
        protocol = build_protocol(factory, addr)
        # A request line or header longer than Twisted reads (16 kB) comes before any request
        # exists: Twisted only closed the connection; it gets the error shape too. (The protocol
        # wraps the HTTP/1.1 channel, which is where lines are read.)
        channel = getattr(protocol, "_channel", protocol)
        channel.lineLengthExceeded = lambda line: answer_malformed(channel)
        return protocol

    build_protocol_answering_long_lines.answers_long_lines = True
    http_protocol.HTTPFactory.buildProtocol = build_protocol_answering_long_lines
