#!/usr/bin/env python3
"""Telegram bot benchmark (docs/bots.md#benchmark): reply latency and accepted updates per second.

Starts a stand-in Telegram Bot API (getMe, setWebhook, deleteWebhook, sendChatAction,
sendMessage) and `hangar serve` (SQLite, mock/echo model, auth off, loopback only) pointed at it,
deploys a bot, then
  1. latency: sends updates one at a time and measures webhook POST → sendMessage reaching Telegram;
  2. throughput: posts updates from many threads at once over many chats and measures how many the
     webhook accepts per second, and how long until every reply reached Telegram.

    scripts/bench-bots.py [--binary .build/debug/hangar] [--sequential 200] [--burst 2000] [--threads 32]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, threading, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

replies = {}  # text → monotonic arrival of its first delivery
deliveries = {}  # text → how many times it was delivered
secret = {}
lock = threading.Lock()


class FakeTelegram(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        method = self.path.rsplit("/", 1)[-1]
        result = True
        if method == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif method == "setWebhook":
            secret["token"] = body["secret_token"]
        elif method == "sendMessage":
            with lock:
                replies.setdefault(body["text"], time.monotonic())
                deliveries[body["text"]] = deliveries.get(body["text"], 0) + 1
            result = {"message_id": 1, "chat": {"id": body["chat_id"]}, "text": body["text"]}
        data = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def request(url, body=None, headers=None, method="POST"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")


def update(n, chat, text):
    return {"update_id": n, "message": {"message_id": n, "date": 0, "chat": {"id": chat, "type": "private"},
                                        "from": {"id": chat, "first_name": "u"}, "text": text}}


def wait_for(texts, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            if all(t in replies for t in texts):
                return True
        time.sleep(0.002)
    return False


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/hangar")
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()

    telegram = ThreadingHTTPServer(("127.0.0.1", 0), FakeTelegram)
    threading.Thread(target=telegram.serve_forever, daemon=True).start()
    port = 18000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="hangar-bench-bots-")
    env = dict(os.environ, HANGAR_PUBLIC_URL=base, HANGAR_TELEGRAM_API_URL=f"http://127.0.0.1:{telegram.server_port}",
               HANGAR_BOT_UPDATES_PER_MINUTE="1000000", HANGAR_LOG_LEVEL="warning")
    server = subprocess.Popen([args.binary, "serve", "--auth", "none", "--port", str(port), "--data-dir", data,
                               "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if request(base + "/api/v1/ready", method="GET")[0] == 200:
                    break
            except Exception:
                time.sleep(0.1)
        status, agent = request(base + "/api/v1/agents/deploy",
                                {"name": "bench", "platform": "telegram", "bot_token": "1:bench", "model": "mock/echo"})
        assert status == 201, agent
        hook = f"{base}/webhook/{agent['id']}"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret["token"]}

        latencies = []
        for n in range(1, args.sequential + 1):
            text = f"sequential {n}"
            started = time.monotonic()
            request(hook, update(n, 42, text), headers)
            assert wait_for([text], 30), text
            latencies.append((replies[text] - started) * 1000)
        print(f"reply latency over {len(latencies)} sequential updates (ms): p50 {percentile(latencies, 50):.1f}, "
              f"p95 {percentile(latencies, 95):.1f}, p99 {percentile(latencies, 99):.1f}, max {max(latencies):.1f}")

        texts = [f"burst {n}" for n in range(args.burst)]
        accept = []

        def post(n):
            t = time.monotonic()
            status, _ = request(hook, update(100_000 + n, 1000 + n % 100, texts[n]), headers)
            accept.append((time.monotonic() - t) * 1000)
            return status

        started = time.monotonic()
        with ThreadPoolExecutor(args.threads) as pool:
            statuses = list(pool.map(post, range(args.burst)))
        accepted = time.monotonic() - started
        assert all(s == 200 for s in statuses), set(statuses)
        assert wait_for(texts, 600), "not every burst reply arrived"
        answered = max(replies[t] for t in texts) - started
        print(f"burst of {args.burst} updates from {args.threads} threads over 100 chats: accepted in {accepted:.2f} s "
              f"({args.burst / accepted:.0f} updates/s; webhook answer p50 {percentile(accept, 50):.1f} ms, p99 {percentile(accept, 99):.1f} ms); "
              f"every reply at Telegram after {answered:.2f} s ({args.burst / answered:.0f} replies/s)")
        time.sleep(2)
        with lock:
            twice = sum(1 for count in deliveries.values() if count > 1)
        print(f"replies delivered more than once: {twice} of {len(deliveries)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        telegram.shutdown()


if __name__ == "__main__":
    sys.exit(main())
