"""Map: watch the unrest spread day by day, with the CSTO deployment."""

from kzunrest.ui import controls, data, map_view, presentation

map_view.render(data.current_dataset(), controls.current_filters(),
                present=presentation.is_on())
