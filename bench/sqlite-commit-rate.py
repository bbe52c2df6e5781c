#!/usr/bin/env python3
"""SQLite's raw commit rate on this disk, with the settings Hangar's SQLite store uses
(WAL journal, synchronous = NORMAL): the ceiling for anything that commits once per write.

One connection, one small row per transaction (BEGIN IMMEDIATE … COMMIT), as GRDB's writer
does; then the same rows committed 32 to a transaction, the shape of a group commit.

    python3 bench/sqlite-commit-rate.py [--dir DIR] [--rows N]
"""
import argparse
import os
import sqlite3
import tempfile
import time
import uuid


def run(path: str, rows: int, per_commit: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, payload TEXT NOT NULL, created_at REAL NOT NULL)")
    payload = '{"agent_id":"a","input":{"prompt":"bench"}}'
    ids = [str(uuid.uuid4()) for _ in range(rows)]
    started = time.perf_counter()
    for start in range(0, rows, per_commit):
        db.execute("BEGIN IMMEDIATE")
        for row_id in ids[start:start + per_commit]:
            db.execute("INSERT INTO t VALUES (?, 'default', ?, ?)", (row_id, payload, time.time()))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the database file goes (the disk being measured)")
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL, {args.rows} rows, in {args.dir}")
    for per_commit in (1, 32):
        with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
            elapsed = run(os.path.join(scratch, "ceiling.sqlite"), args.rows, per_commit)
        commits = args.rows / per_commit
        print(f"{per_commit:>3} row(s) per commit: {commits / elapsed:>9.0f} commits/s, {args.rows / elapsed:>9.0f} rows/s")


if __name__ == "__main__":
    main()
