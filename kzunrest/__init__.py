"""kzunrest: an interactive map of the January 2022 unrest in Kazakhstan.

The core (everything outside ``kzunrest.ui``) is a library of functions over pandas and
geopandas frames; it never imports streamlit.
"""

from kzunrest.errors import DataError, Problem

__all__ = ["DataError", "Problem"]
