"""A stand-in for an OpenAI-compatible chat-completions endpoint, on loopback.

``answer`` maps the sentence to rewrite (the last line of the user message) to the reply:
a string is sent as the model's answer, an int as an HTTP error status, and None as a
reply with no choices. Every request body is kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = Callable[[str], "str | int | None"]


@dataclass
class StandInLLM:
    url: str
    requests: list[dict] = field(default_factory=list)


@contextmanager
def stand_in_llm(answer: Answer) -> Iterator[StandInLLM]:
    state = StandInLLM(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, "body": body,
                                   "authorization": self.headers.get("Authorization")})
            if self.path != "/v1/chat/completions":
                self.send_error(404)
                return
            sentence = body["messages"][-1]["content"].rsplit("\n", 1)[-1]
            reply = answer(sentence)
            if isinstance(reply, int):
                self.send_error(reply)
                return
            choices = [] if reply is None else [
                {"index": 0, "message": {"role": "assistant", "content": reply},
                 "finish_reason": "stop"}]
            data = json.dumps({"id": "x", "object": "chat.completion", "model": body["model"],
                               "choices": choices}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
