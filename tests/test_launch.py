"""The warmed start (kzunrest/ui/launch.py): the app runs once as soon as the server is up, so
the first viewer does not wait for the imports, the dataset and the first map."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kzunrest.ui import launch
from tests.browser import ROOT, free_port


def test_the_warm_up_asks_the_server_that_the_options_start():
    assert launch.server_url(["app.py", "--server.port", "9000"]) == "http://127.0.0.1:9000"
    assert launch.server_url(["app.py", "--server.port=9001", "--server.address=0.0.0.0",
                              "--server.baseUrlPath=/kz/"]) == "http://127.0.0.1:9001/kz"
    assert launch.server_url(["app.py", "--server.address", "10.1.2.3"]).startswith(
        "http://10.1.2.3:")


def test_the_warm_up_reads_the_server_settings_from_the_environment_too(monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "9100")
    monkeypatch.setenv("STREAMLIT_SERVER_BASE_URL_PATH", "map")
    assert launch.server_url(["app.py"]) == "http://127.0.0.1:9100/map"
    assert launch.server_url(["app.py", "--server.port", "9200"]).startswith(
        "http://127.0.0.1:9200")  # the command line wins, as in streamlit run


def test_the_warm_up_gives_up_on_a_server_that_never_answers():
    assert launch.warm(f"http://127.0.0.1:{free_port()}", timeout_s=0.3) is False


def test_a_started_server_reads_the_data_before_any_viewer(tmp_path: Path):
    cache = tmp_path / "cache"
    log_path = tmp_path / "server.log"
    cmd = [sys.executable, "-m", "kzunrest.ui.launch", "app.py", "--server.port",
           str(free_port()), "--server.address", "127.0.0.1", "--server.headless", "true",
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "KZUNREST_CACHE": str(cache)})
    try:
        deadline = time.monotonic() + 180
        while launch.READY not in log_path.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        text = log_path.read_text()
        assert launch.READY in text, text
        assert "Traceback" not in text and "failed" not in text
        # Nobody opened a page, yet the dataset was read, checked and kept for the viewers.
        entries = [p for p in cache.iterdir() if p.is_dir()]
        assert len(entries) == 1 and (entries[0] / "manifest.json").exists()
    finally:
        proc.terminate()
        proc.wait(20)
