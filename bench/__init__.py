"""Benchmarks: kzunrest against a naive Streamlit + pydeck baseline (`python -m bench`)."""
