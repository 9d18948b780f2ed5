"""Voice packs uploaded in admin: clips brought to the pack's format, a pack switched in one
transaction, and every server node on the database serving the same pack."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import numpy as np
import pytest
import soundfile
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from core.speech import LANGUAGES, pack_paths
from queue_server.app import create_app
from queue_server.db.engine import make_engine
from queue_server.voice_packs.clips import PACK_RATE, ClipProblem, normalised
from tests.server.conftest import Office
from tests.server.people import add_user, sign_in
from tests.voice_files import pack_files, tone, zipped

# Small enough for the test client to send from memory (it spools larger bodies to a file).
SMALL_PACK = pack_files(0.05, rate=8000, stereo=False)


def test_a_recorded_clip_is_brought_to_the_pack_format() -> None:
    out = normalised("th/3.wav", tone(0.5, rate=44100, level=0.1))
    info = soundfile.info(io.BytesIO(out))
    samples, rate = soundfile.read(io.BytesIO(out), dtype="float32")
    assert (info.channels, info.samplerate, info.subtype) == (1, PACK_RATE, "PCM_16")
    assert rate == PACK_RATE
    assert abs(float(np.abs(samples).max()) - 10 ** (-3 / 20)) < 0.01  # peak at -3 dBFS
    assert 0.5 <= len(samples) / rate < 0.56  # the 50 ms of silence at each end trimmed to 20


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"RIFF....not a wav", "not a sound file"),
        (tone(0.3, level=0.0), "silent"),
        (tone(5.0), "5.0 s long"),
        (tone(0.3, level=1.5), "clipped"),
    ],
)
def test_a_clip_out_of_format_is_refused_with_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ClipProblem) as refused:
        normalised("en/7.wav", data)
    assert refused.value.path == "en/7.wav"
    assert reason in refused.value.en


@pytest.fixture
def admin_client(client: FlaskClient, office: Office, database_url: str) -> tuple[FlaskClient, str]:
    add_user(database_url, office.code, "voiceadmin", "voice-admin-pw-1", role="admin")
    return client, sign_in(client, "voiceadmin", "voice-admin-pw-1")


@pytest.fixture
def other_node(database_url: str, office: Office) -> Iterator[Flask]:
    """A second server node on the same database."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()


def test_a_pack_made_clip_by_clip_becomes_the_offices_on_every_node(
    admin_client: tuple[FlaskClient, str], other_node: Flask, database_url: str, office: Office
) -> None:
    client, csrf = admin_client
    upload = client.post(
        "/admin/voice/upload",
        data={"csrf_token": csrf, "pack": (io.BytesIO(zipped(SMALL_PACK, "mine/")), "p.zip")},
    )
    assert upload.status_code == 302, upload.get_data(as_text=True)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        first = conn.execute(sa.text("SELECT id, version FROM voice_packs")).one()
    # One clip recorded again, from the uploaded pack: a new pack sharing the other clips.
    again = client.post(
        "/admin/voice/clip",
        data={
            "csrf_token": csrf,
            "base": first.version,
            "path": "th/3.wav",
            "clip": (io.BytesIO(tone(0.6, rate=16000, stereo=False)), "three.wav"),
        },
    )
    assert again.status_code == 302, again.get_data(as_text=True)
    with engine.connect() as conn:
        second = conn.execute(
            sa.text("SELECT id, version FROM voice_packs WHERE id > :i"), {"i": first.id}
        ).one()
        clips = conn.execute(sa.text("SELECT count(*) FROM voice_clips")).scalar_one()
    engine.dispose()
    assert clips == 3  # the chime, the words and the new th/3.wav: each kept once
    assert (
        client.post(f"/admin/voice/{second.id}/activate", data={"csrf_token": csrf}).status_code
        == 302
    )

    node = other_node.test_client()
    pack = node.get(f"/api/v1/office?office={office.code}").get_json()["voice_pack"]
    assert pack == {"version": second.version, "languages": ["th", "en"]}
    three = node.get(f"/voice/{second.version}/th/3.wav").data
    assert 0.6 <= soundfile.info(io.BytesIO(three)).duration < 0.66
    assert soundfile.info(io.BytesIO(three)).samplerate == PACK_RATE
    archive = zipfile.ZipFile(
        io.BytesIO(node.get(f"/api/v1/voice-pack/{second.version}.zip?office={office.code}").data)
    )
    assert sorted(archive.namelist()) == sorted(pack_paths(LANGUAGES))
    assert archive.read("th/3.wav") == three
    events = node.get(f"/api/v1/voice-pack?office={office.code}").get_json()
    assert events["version"] == second.version
