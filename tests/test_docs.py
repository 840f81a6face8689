"""The README is the front door: it documents every setting, command and layer."""

from pathlib import Path

from kzunrest.dataset import DATASET_SETTINGS
from kzunrest.layers import LAYER_IDS
from kzunrest.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA_README = (ROOT / "data" / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for name, setting in SETTINGS.items():
        assert f"`{name}`" in README
        assert setting.help[:40] in README


def test_the_two_commands_and_the_layers_are_documented():
    assert "make run" in README and "make test" in README
    for layer_id in LAYER_IDS[1:]:
        assert f"`{layer_id}`" in README


def test_every_dataset_setting_is_documented_in_the_data_readme():
    for name in DATASET_SETTINGS:
        assert f"| `{name}` |" in DATA_README
