"""The embedded default's key file (sellflow.secret_key) on filesystems without hard links, and
while another process is still writing it: every process signs with the one key kept, and none
reads half of it. (How settings use it: tests/sellflow/test_settings.py.)"""

import errno
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from sellflow import secret_key
from sellflow.secret_key import installation_secret_key

OTHER_PROCESS_KEY = "k3y-" + "x9Qv7Lm2Zt8Rb4Nw6Hc1Jd5Pf0Gs3Ky" * 2


def no_hard_links(source, destination):
    raise PermissionError(errno.EPERM, "Operation not permitted")  # as on FAT, some network mounts


def test_without_hard_links_the_key_file_is_made_whole_and_private(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "link", no_hard_links)
    key_file = tmp_path / ".secret_key"

    key = installation_secret_key(key_file, debug=False)

    assert len(key) >= 50
    assert key_file.read_text() == key + "\n"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [key_file]  # no temporary file left behind
    assert installation_secret_key(key_file, debug=False) == key


def test_without_hard_links_the_first_process_to_create_the_file_wins(tmp_path, monkeypatch):
    key_file = tmp_path / ".secret_key"

    def another_process_was_first(source, destination):
        key_file.write_text(OTHER_PROCESS_KEY + "\n")
        no_hard_links(source, destination)

    monkeypatch.setattr(os, "link", another_process_was_first)

    assert installation_secret_key(key_file, debug=False) == OTHER_PROCESS_KEY
    assert key_file.read_text() == OTHER_PROCESS_KEY + "\n"


class Clock:
    """time.monotonic and time.sleep for sellflow.secret_key: sleeping moves the clock on and lets
    the other process write (or not)."""

    def __init__(self, on_sleep=lambda: None):
        self.now = 1000.0
        self.on_sleep = on_sleep
        self.sleeps = 0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        self.on_sleep()


def test_a_key_file_still_being_written_is_read_once_it_is_whole(tmp_path, monkeypatch):
    key_file = tmp_path / ".secret_key"
    key_file.write_text(OTHER_PROCESS_KEY[:20])  # the other process has created it, not written it all
    clock = Clock(on_sleep=lambda: key_file.write_text(OTHER_PROCESS_KEY + "\n"))
    monkeypatch.setattr(secret_key, "time", clock)

    assert installation_secret_key(key_file, debug=False) == OTHER_PROCESS_KEY
    assert clock.sleeps == 1


def test_a_key_file_its_writer_never_finished_refuses_to_start(tmp_path, monkeypatch):
    key_file = tmp_path / ".secret_key"
    key_file.write_text(OTHER_PROCESS_KEY[:20])
    clock = Clock()
    monkeypatch.setattr(secret_key, "time", clock)

    with pytest.raises(ImproperlyConfigured, match="holds no usable key"):
        installation_secret_key(key_file, debug=False)
    assert clock.now >= 1000.0 + secret_key.WRITE_WAIT_SECONDS  # it waited, then gave up


def test_a_key_written_by_hand_without_a_newline_is_used(tmp_path, monkeypatch):
    key_file = tmp_path / ".secret_key"
    key_file.write_text(OTHER_PROCESS_KEY)
    monkeypatch.setattr(secret_key, "time", Clock())

    assert installation_secret_key(key_file, debug=False) == OTHER_PROCESS_KEY
