"""The only code that imports streamlit: cached loaders, bound widgets, escaped text."""
