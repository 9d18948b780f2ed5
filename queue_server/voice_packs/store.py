"""Packs in the database: clips kept once by their SHA-256, packs as lists of them, and the one
each office's boards use. Nothing here is node-local, so every server node on one PostgreSQL
serves the same pack; a pack is written whole in one transaction, or not at all."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from core.codec import event_to_json
from core.events import VoicePackChanged
from core.speech import LANGUAGES, pack_paths, pack_version
from queue_server.db import schema as t
from queue_server.db.database import Database
from queue_server.db.uow import NOTIFY_CHANNEL

STAND_IN = "default"  # the version name of the server's own pack in /voice/<version>/... URLs
SHIPPED_PACK = Path(__file__).resolve().parents[1] / "voice" / "default"


@dataclass(frozen=True)
class StoredPack:
    id: int
    version: str
    languages: tuple[str, ...]
    clips: Mapping[str, str]  # path -> sha256
    source: str
    uploaded_at: datetime
    uploaded_by: str


def _pack(row: sa.Row) -> StoredPack:
    return StoredPack(
        row.id,
        row.version,
        tuple(row.languages.split(",")),
        dict(row.clips),
        row.source,
        row.uploaded_at,
        row.uploaded_by,
    )


def save_pack(
    conn: sa.Connection,
    office: str,
    clips: Mapping[str, bytes],
    languages: tuple[str, ...],
    source: str,
    by: str,
    now: datetime,
) -> StoredPack:
    """Store a checked pack (not yet the office's); the same clips again give the same pack."""
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in clips.items()}
    version = pack_version(hashes)
    found = conn.execute(
        sa.select(t.voice_packs).where(
            t.voice_packs.c.office == office, t.voice_packs.c.version == version
        )
    ).one_or_none()
    if found is not None:
        return _pack(found)
    have = set(
        conn.execute(
            sa.select(t.voice_clips.c.sha256).where(t.voice_clips.c.sha256.in_(hashes.values()))
        ).scalars()
    )
    new = {sha: clips[path] for path, sha in hashes.items() if sha not in have}
    if new:
        conn.execute(sa.insert(t.voice_clips), [{"sha256": k, "data": v} for k, v in new.items()])
    conn.execute(
        sa.insert(t.voice_packs).values(
            office=office,
            version=version,
            languages=",".join(languages),
            clips=hashes,
            source=source[:200],
            uploaded_at=now,
            uploaded_by=by,
        )
    )
    return _pack(
        conn.execute(
            sa.select(t.voice_packs).where(
                t.voice_packs.c.office == office, t.voice_packs.c.version == version
            )
        ).one()
    )


def packs(conn: sa.Connection, office: str) -> list[StoredPack]:
    """The office's uploaded packs, newest first."""
    rows = conn.execute(
        sa.select(t.voice_packs)
        .where(t.voice_packs.c.office == office)
        .order_by(t.voice_packs.c.id.desc())
    )
    return [_pack(row) for row in rows]


def pack_by_id(conn: sa.Connection, office: str, pack_id: int) -> StoredPack | None:
    row = conn.execute(
        sa.select(t.voice_packs).where(
            t.voice_packs.c.office == office, t.voice_packs.c.id == pack_id
        )
    ).one_or_none()
    return _pack(row) if row is not None else None


def pack_by_version(conn: sa.Connection, version: str) -> StoredPack | None:
    """Any office's pack with this version (the same clips, whoever uploaded them)."""
    row = conn.execute(
        sa.select(t.voice_packs).where(t.voice_packs.c.version == version).limit(1)
    ).one_or_none()
    return _pack(row) if row is not None else None


def office_pack(conn: sa.Connection, office: str) -> StoredPack | None:
    """The pack the office's boards use; None: the stand-in."""
    chosen = t.office_voice_packs.c
    row = conn.execute(
        sa.select(t.voice_packs)
        .join_from(t.office_voice_packs, t.voice_packs, chosen.pack_id == t.voice_packs.c.id)
        .where(chosen.office == office)
    ).one_or_none()
    return _pack(row) if row is not None else None


def clip_data(conn: sa.Connection, pack: StoredPack, path: str) -> bytes | None:
    sha = pack.clips.get(path)
    if sha is None:
        return None
    return conn.execute(
        sa.select(t.voice_clips.c.data).where(t.voice_clips.c.sha256 == sha)
    ).scalar_one_or_none()


def pack_files(conn: sa.Connection, pack: StoredPack) -> dict[str, bytes]:
    rows = conn.execute(
        sa.select(t.voice_clips.c.sha256, t.voice_clips.c.data).where(
            t.voice_clips.c.sha256.in_(set(pack.clips.values()))
        )
    )
    data = {sha: blob for sha, blob in rows}
    return {path: data[sha] for path, sha in pack.clips.items()}


def stand_in_folder(configured: str | None) -> Path:
    """The server's own pack: VOICE_PACK_DIR, else the stand-in that ships with the server."""
    return Path(configured) if configured else SHIPPED_PACK


def stand_in_files(folder: Path) -> dict[str, bytes]:
    """The server's own pack (the stand-in, or VOICE_PACK_DIR): the clips it has."""
    return {
        path: (folder / path).read_bytes()
        for path in pack_paths(LANGUAGES)
        if (folder / path).is_file()
    }


def zipped(files: Mapping[str, bytes]) -> bytes:
    """A pack as the Kivy board downloads it: the clips stored as they are (WAV does not
    compress much, and storing keeps the board's unpacking cheap)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(files):
            archive.writestr(zipfile.ZipInfo(path, (2026, 1, 1, 0, 0, 0)), files[path])
    return out.getvalue()


def activate(
    db: Database, conn: sa.Connection, office: str, pack: StoredPack | None, by: str, now: datetime
) -> bool:
    """Make `pack` (None: the stand-in) the office's, and tell its boards with an event written
    in the same transaction; False when it already was. The caller commits, then calls
    `db.committed(office)` so this process's streams hear it at once."""
    db.version(conn, office, lock=True)  # two admins switching at once: one after the other
    current = office_pack(conn, office)
    if (current.id if current else None) == (pack.id if pack else None):
        return False
    conn.execute(sa.delete(t.office_voice_packs).where(t.office_voice_packs.c.office == office))
    if pack is not None:
        conn.execute(
            sa.insert(t.office_voice_packs).values(
                office=office, pack_id=pack.id, activated_at=now, activated_by=by
            )
        )
    event = VoicePackChanged(office, now, pack.version if pack else None)
    tz = db.config(conn, office).office.tz
    conn.execute(
        sa.insert(t.events).values(
            office=office,
            type=event.type,
            at=now,
            data=json.dumps(event_to_json(event, tz), ensure_ascii=False, separators=(",", ":")),
        )
    )
    if not db.sqlite:
        conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, office)))
    return True


def office_has(conn: sa.Connection, office: str, version: str) -> bool:
    return (
        conn.execute(
            sa.select(t.voice_packs.c.id).where(
                t.voice_packs.c.office == office, t.voice_packs.c.version == version
            )
        ).first()
        is not None
    )
