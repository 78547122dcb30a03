#!/usr/bin/env python3
"""What SQLite alone takes to change the flags of 100,000 messages, on the table shape of
Roost's store (schema of Sources/Store/Account/Account.swift), without and with its partial
indexes: the floor under `UID STORE 1:* +FLAGS` on 100k. Run: python3 Benchmarks/compare/store_floor.py"""
import os, sqlite3, tempfile, time
for variant in ("none", "unseen(mailbox,uid,flags)", "unseen(mailbox,uid)"):
    p = os.path.join(tempfile.mkdtemp(), "floor.db")
    for s in ("", "-wal", "-shm"):
        if os.path.exists(p + s): os.remove(p + s)
    db = sqlite3.connect(p, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE message(mailbox INTEGER NOT NULL, uid INTEGER NOT NULL, blob INTEGER NOT NULL, flags INTEGER NOT NULL, keywords TEXT, modseq INTEGER NOT NULL, internaldate INTEGER NOT NULL, savedate INTEGER NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(mailbox, uid)) WITHOUT ROWID")
    if variant != "none":
        cols = variant[len("unseen("):-1]
        db.execute(f"CREATE INDEX message_unseen ON message({cols}) WHERE flags & 1 = 0")
        db.execute(f"CREATE INDEX message_deleted ON message({cols}) WHERE flags & 8 != 0")
    db.execute("BEGIN")
    db.executemany("INSERT INTO message VALUES(1, ?, ?, 0, NULL, ?, 1700000000, 1700000000, 8000)", ((i, i, i) for i in range(1, 100001)))
    db.execute("COMMIT")
    ts = []
    for r in range(12):
        bit = "flags | 4" if r % 2 == 0 else "flags & ~4"
        cond = "flags & 4 != 4" if r % 2 == 0 else "flags & 4 != 0"
        t = time.perf_counter()
        db.execute("BEGIN")
        if r < 6:
            rows = db.execute(f"UPDATE message SET flags = {bit}, modseq = {r + 200000} WHERE mailbox = 1 AND uid BETWEEN 1 AND 100000 AND {cond} RETURNING uid, flags, keywords").fetchall()
        else:  # what the store does: no RETURNING, then the rows with the new mod-sequence
            db.execute(f"UPDATE message SET flags = {bit}, modseq = {r + 200000} WHERE mailbox = 1 AND uid BETWEEN 1 AND 100000 AND {cond}")
            rows = db.execute(f"SELECT uid, flags, keywords FROM message WHERE mailbox = 1 AND uid BETWEEN 1 AND 100000 AND modseq = {r + 200000}").fetchall()
        db.execute("COMMIT")
        ts.append(round((time.perf_counter() - t) * 1000))
    print(variant, "RETURNING:", ts[:6], "UPDATE then SELECT:", ts[6:], len(rows))
