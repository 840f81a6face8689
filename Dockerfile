# Serves the dashboard on port 8501. Not built in this project's CI: the development machines
# have no Docker engine (only the client), so this file is checked by reading, not by running.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.lock pyproject.toml README.md ./
RUN pip install -r requirements.lock
COPY kzunrest ./kzunrest
RUN pip install --no-deps .
COPY app.py ./
COPY pages ./pages
COPY data ./data
COPY static ./static
COPY .streamlit ./.streamlit

# static/generated/ is written at run time (content-hashed layer files), .cache/ too (the
# checked dataset, KZUNREST_CACHE).
RUN useradd --create-home viewer && mkdir -p static/generated .cache && chown -R viewer static .cache
USER viewer

EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# streamlit run, warmed: the app runs once as soon as the server is up (kzunrest/ui/launch.py).
CMD ["python", "-m", "kzunrest.ui.launch", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
