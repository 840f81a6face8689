"""Story: from the gas price rise to the CSTO withdrawal, step by step."""

from kzunrest.ui import data, frame, header, lang, presentation, story_view

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

present = presentation.is_on()
if not present:
    header.page_title(lang.gettext()("The story of January 2022"))
story_view.render(data.current_dataset(), present=present)
