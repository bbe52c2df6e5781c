#!/usr/bin/env python3
"""A stand-in for Ollama's native API on loopback, for the API fuzzer and for trying Hangar
without a model server: /api/version, /api/tags, /api/show, /api/pull (NDJSON progress) and
/api/chat (NDJSON, echoes the last user message with Ollama's timing fields).

    scripts/ollama-standin.py PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = [
    {"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 2019393189, "digest": "a80c4f17acd5",
     "modified_at": "2026-10-01T10:00:00Z", "details": {"family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}},
    {"name": "llava:7b", "model": "llava:7b", "size": 4733363377, "digest": "8dd30f6b0cb1",
     "modified_at": "2026-10-02T10:00:00Z", "details": {"family": "llama", "parameter_size": "7B"}},
]
CAPABILITIES = {"llama3.2:latest": ["completion", "tools"], "llava:7b": ["completion", "vision"]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, value, status=200):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_lines(self, lines):
        body = "".join(json.dumps(line) + "\n" for line in lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}

    def do_GET(self):
        if self.path == "/api/version":
            self.send_json({"version": "0.9.0-standin"})
        elif self.path == "/api/tags":
            self.send_json({"models": MODELS})
        else:
            self.send_json({"error": "not found"}, 404)

    def do_POST(self):
        request = self.body()
        if self.path == "/api/show":
            name = request.get("model", "")
            if name not in CAPABILITIES:
                return self.send_json({"error": f"model '{name}' not found"}, 404)
            self.send_json({"capabilities": CAPABILITIES[name], "model_info": {"llama.context_length": 131072}})
        elif self.path == "/api/pull":
            digest = "sha256:" + "0" * 64
            self.send_lines([{"status": "pulling manifest"},
                             {"status": f"pulling {digest[7:19]}", "digest": digest, "total": 1000, "completed": 500},
                             {"status": f"pulling {digest[7:19]}", "digest": digest, "total": 1000, "completed": 1000},
                             {"status": "verifying sha256 digest"}, {"status": "writing manifest"}, {"status": "success"}])
        elif self.path == "/api/chat":
            messages = request.get("messages") or [{}]
            text = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
            words = text.split(" ")
            lines = [{"model": request.get("model"), "message": {"role": "assistant", "content": (" " if i else "") + w}, "done": False}
                     for i, w in enumerate(words)]
            lines.append({"model": request.get("model"), "message": {"role": "assistant", "content": ""}, "done": True,
                          "done_reason": "stop", "total_duration": 30_000_000, "load_duration": 1_000_000,
                          "prompt_eval_count": sum(len(str(m.get("content", "")).split()) for m in messages),
                          "prompt_eval_duration": 5_000_000, "eval_count": len(words), "eval_duration": 20_000_000})
            self.send_lines(lines)
        else:
            self.send_json({"error": "not found"}, 404)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
