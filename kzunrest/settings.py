"""Every setting in one place, each with its help text (the README documents each one)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The app's own static files: Streamlit serves static/ beside app.py at /app/static (here, not
# in kzunrest/layers.py, so the page can name the deck.gl bundle before pandas is imported).
STATIC_DIR = PROJECT_ROOT / "static"
STATIC_URL = "/app/static"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def value(self) -> str:
        return os.environ.get(self.name, self.default)


SETTINGS = {
    s.name: s
    for s in [
        Setting("KZUNREST_DATA", str(PROJECT_ROOT / "data"),
                "Folder of the dataset to show (events.csv, regions_2022.geojson and the "
                "context files); defaults to the bundled data/."),
        Setting("KZUNREST_CACHE", str(PROJECT_ROOT / ".cache" / "datasets"),
                "Folder where the checked dataset is kept between runs (Arrow and Parquet "
                "files, keyed by the SHA-256 of every file of the dataset folder and of the "
                "code), so a restart skips checking it again; `off` switches the cache off."),
        Setting("KZUNREST_MAX_UPLOAD_MB", "50",
                "Largest event file, in MB, accepted by the Data page's uploader."),
    ]
}


def data_dir() -> Path:
    """The dataset folder in force (``KZUNREST_DATA`` or the bundled ``data/``)."""
    return Path(SETTINGS["KZUNREST_DATA"].value())
