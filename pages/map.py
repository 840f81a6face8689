"""Map: watch the unrest spread day by day, with the CSTO deployment."""

from kzunrest.ui import controls, data, frame, map_view, presentation

frame.enter()  # a deep link on a fresh server: back through app.py (ui/frame.py)

map_view.render(data.current_dataset(), controls.current_filters(),
                present=presentation.is_on())
