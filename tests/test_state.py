"""Session keys are named once, in kzunrest/ui/state.py."""

from __future__ import annotations

import re
from pathlib import Path

from kzunrest.ui import state

ROOT = Path(__file__).resolve().parent.parent
# Owned by the loader branch, which moves it to state.UPLOADED_* keys.
NOT_YET: set[str] = set()


def test_private_session_keys_are_named_only_in_ui_state():
    spelled = re.compile(r"""["']_[a-z][a-z_]*["']""")
    offenders = []
    for path in [*ROOT.glob("kzunrest/ui/*.py"), ROOT / "app.py",
                 *ROOT.glob("pages/*.py")]:
        if path.name in {"state.py", *NOT_YET}:
            continue
        offenders += [f"{path.name}: {m}" for m in spelled.findall(path.read_text())]
    assert offenders == []


def test_every_key_is_named_once():
    keys = [v for k, v in vars(state).items() if k.isupper() and isinstance(v, str)]
    assert len(keys) == len(set(keys))
