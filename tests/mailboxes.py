"""Where the notice tests' messages go: a real SMTP server (aiosmtpd) and a fake SMS gateway (a real
http.server), both on 127.0.0.1, each keeping what it received so a test can read it back."""
from __future__ import annotations

import asyncio
import email
import json
import re
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.M | re.I)


class Received:
    """One message as the server took it: its bytes, parsed only when a test reads it (parsing with the
    modern email policy is slow, and the delivery benchmark runs this server in its own process)."""

    def __init__(self, raw: bytes):
        self.raw = raw
        found = _MESSAGE_ID.search(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
        self.message_id = found.group(1).decode() if found else None
        self._parsed = None

    @property
    def parsed(self) -> EmailMessage:
        if self._parsed is None:
            self._parsed = email.message_from_bytes(self.raw, policy=policy.default)
        return self._parsed

    def __getitem__(self, name):
        return str(self.parsed[name]) if self.parsed[name] is not None else None

    def get_body(self, *args):
        return self.parsed.get_body(*args)


class _Handler:
    def __init__(self, box: "SmtpServer"):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.box.refused:
            return "550 5.1.1 mailbox unavailable"
        if address in self.box.deferred:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = Received(envelope.content)
        box = self.box
        with box.lock:
            box.seen += 1
            pause = box.pause_at is not None and box.seen == box.pause_at
        if pause:
            # Hold the reply: the client is waiting for our 250 when the test kills it. A message whose
            # acceptance never reached the client was not delivered (RFC 5321 §6.1): it is dropped below.
            with box.lock:
                box.dropped.append(msg)
            box.paused.set()
            while not box.resume.is_set():   # aiosmtpd cancels this when the client's connection drops
                await asyncio.sleep(0.02)
            return "451 4.3.0 connection lost"
        with box.lock:
            box.messages.append(msg)
        return "250 2.0.0 accepted"


class SmtpServer:
    """aiosmtpd on 127.0.0.1: every message it accepted, parsed (subject, recipients, body, Message-ID)."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[Received] = []
        self.dropped: list[Received] = []
        self.refused: set[str] = set()
        self.deferred: set[str] = set()
        self.lock = threading.Lock()
        self.seen = 0
        self.pause_at: int | None = None
        self.paused, self.resume = threading.Event(), threading.Event()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.resume.set()
        self.controller.stop()

    def settings(self) -> dict:
        """The ini lines that point a worker at this server."""
        return {"jianxi.smtp.host": "127.0.0.1", "jianxi.smtp.port": str(self.port),
                "jianxi.smtp.security": "none", "jianxi.smtp.from": "山西人社就业见习（测试） <noreply@jianxi.test>"}

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m.message_id for m in self.messages]

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return
            time.sleep(0.05)
        raise AssertionError(f"the SMTP server received {len(self.messages)} messages, not {count}")

    @staticmethod
    def body(msg: Received) -> str:
        return msg.get_body(("plain",)).get_content()


class FakeSmsGateway:
    """A fake SMS gateway: a real HTTP server on 127.0.0.1 that records each JSON POST (body and headers) and
    answers 200, or `status` when a test sets one."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received.append({"path": self.path, "headers": dict(self.headers),
                                         "json": json.loads(body.decode("utf-8"))})
                answer = json.dumps({"ok": gateway.status < 300}).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeSmsGateway":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        kinds = ("case_result", "case_receipt", "case_waiting", "import_failed", "position_taken_down",
                 "report_due_soon", "report_overdue")
        return {"jianxi.sms.url": self.url, "jianxi.sms.api_key": "test-key-0123",
                **{f"jianxi.sms.template.{k}": f"TPL_{k.upper()}" for k in kinds}}

    def to(self, mobile: str) -> list[dict]:
        return [r["json"] for r in self.received if r["json"]["to"] == mobile]
