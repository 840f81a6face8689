"""deploy/ read statically (no Docker or Kubernetes here): the Compose file and the Kubernetes
manifests parse and name what the app needs, and every nginx configuration they and
`make serve` produce passes `nginx -t`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts import serve

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "nginx" / "kzunrest.conf.template"
HEALTH = "/_stcore/health"


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\$\{(KZ_[A-Z_]+)\}", text))


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def manifests() -> dict[str, dict]:
    kustom = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    docs = {}
    for res in kustom["resources"]:
        for doc in yaml.safe_load_all((DEPLOY / res).read_text()):
            docs[doc["kind"]] = doc
    return docs


def containers(deployment: dict) -> dict[str, dict]:
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}


def env_of(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


# -- Docker Compose ------------------------------------------------------------------------------
def test_compose_runs_replicas_of_the_image_behind_nginx_sharing_static():
    doc = compose()
    app, nginx = doc["services"]["app"], doc["services"]["nginx"]
    assert (DEPLOY / app["build"]["context"] / app["build"]["dockerfile"]).resolve() == \
        ROOT / "Dockerfile"
    assert str(app["deploy"]["replicas"]).startswith("${REPLICAS")
    assert "static:/app/static" in app["volumes"]  # Streamlit serves app.py's static/
    assert "8501" in [str(p) for p in app["expose"]]
    assert HEALTH in " ".join(app["healthcheck"]["test"])
    assert "KZUNREST_MAX_UPLOAD_MB" in app["environment"]
    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"
    mounts = dict(v.removesuffix(":ro").split(":", 1) for v in nginx["volumes"])
    template = next(k for k in mounts if k.endswith(".template"))
    assert (DEPLOY / template).resolve() == TEMPLATE
    assert mounts[template] == "/etc/nginx/templates/kzunrest.conf.template"
    env = nginx["environment"]
    assert mounts["static"] == env["KZ_STATIC_ROOT"]
    assert placeholders(TEMPLATE.read_text()) <= set(env)
    assert nginx["ports"][0].endswith(":" + env["KZ_LISTEN"])
    assert "app:8501" in env["KZ_UPSTREAMS"]
    assert "static" in doc["volumes"]


# -- Kubernetes ----------------------------------------------------------------------------------
def test_kubernetes_deployment_has_replicas_and_health_probes():
    docs = manifests()
    dep = docs["Deployment"]
    assert dep["spec"]["replicas"] >= 2
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
    app = containers(dep)["app"]
    assert app["readinessProbe"]["httpGet"]["path"] == HEALTH
    port_names = {p["name"]: p["containerPort"] for p in app["ports"]}
    assert port_names[app["readinessProbe"]["httpGet"]["port"]] == 8501
    assert any(m["mountPath"] == "/app/static" for m in app["volumeMounts"])
    assert "KZUNREST_MAX_UPLOAD_MB" in env_of(app)
    assert app["resources"]["requests"]["cpu"] in ("1", 1, "1000m")  # one core per replica


def test_kubernetes_nginx_sidecar_uses_the_same_template_and_serves_the_shared_static():
    dep = manifests()["Deployment"]
    kustom = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    generated = {g["name"]: g["files"] for g in kustom["configMapGenerator"]}
    assert [(DEPLOY / f).resolve() for f in generated["kzunrest-nginx"]] == [TEMPLATE]
    sidecar = containers(dep)["nginx"]
    env = env_of(sidecar)
    assert placeholders(TEMPLATE.read_text()) <= set(env)
    mounts = {m["name"]: m["mountPath"] for m in sidecar["volumeMounts"]}
    assert mounts["static"] == env["KZ_STATIC_ROOT"]
    assert mounts["nginx-template"] == "/etc/nginx/templates"
    volumes = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
    assert volumes["nginx-template"]["configMap"]["name"] == "kzunrest-nginx"
    assert "emptyDir" in volumes["static"]
    # The image's own static files are copied into the shared folder before the app starts.
    init = dep["spec"]["template"]["spec"]["initContainers"][0]
    assert "/app/static" in " ".join(init["command"])
    assert sidecar["readinessProbe"]["httpGet"]["path"] == HEALTH


def test_kubernetes_service_and_ingress_reach_the_pods_with_cookie_affinity():
    docs = manifests()
    dep, svc, ing = docs["Deployment"], docs["Service"], docs["Ingress"]
    assert svc["spec"]["selector"].items() <= \
        dep["spec"]["template"]["metadata"]["labels"].items()
    sidecar_ports = {p["name"] for p in containers(dep)["nginx"]["ports"]}
    assert svc["spec"]["ports"][0]["targetPort"] in sidecar_ports
    notes = ing["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "affinity"] == "cookie"
    assert notes[prefix + "session-cookie-name"] != "kz_replica"  # the sidecar's own cookie
    assert int(notes[prefix + "proxy-read-timeout"]) >= 3600  # an idle presenter's websocket
    assert int(notes[prefix + "proxy-send-timeout"]) >= 3600
    assert int(notes[prefix + "proxy-body-size"].rstrip("m")) > int(
        env_of(containers(dep)["app"])["KZUNREST_MAX_UPLOAD_MB"])
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == svc["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in svc["spec"]["ports"]}


# -- nginx -t on every configuration -------------------------------------------------------------
@pytest.fixture(scope="module")
def nginx():
    try:
        return serve.nginx_binary()
    except serve.ServeError as exc:
        pytest.skip(str(exc))


def wrapped(tmp_path: Path, http_conf: str) -> Path:
    """An http-level configuration inside the main configuration of `make serve` (as the
    official image's nginx.conf includes conf.d/*.conf)."""
    values = {"KZ_RUN": str(tmp_path), "KZ_LOGS": str(tmp_path / "logs"), "KZ_USER": "",
              "KZ_MIME": serve.mime_types()}
    (tmp_path / "logs").mkdir(exist_ok=True)
    (tmp_path / "nginx-tmp").mkdir(exist_ok=True)
    (tmp_path / "kzunrest.conf").write_text(http_conf)
    main = tmp_path / "nginx.conf"
    main.write_text(serve.render((DEPLOY / "nginx" / "main.conf.template").read_text(),
                                 values))
    return main


def test_make_serve_configuration_passes_nginx_t(nginx, tmp_path):
    conf = serve.nginx_config(tmp_path, "127.0.0.1:8501", [8601, 8602])
    serve.nginx_test(conf, tmp_path)
    text = (tmp_path / "kzunrest.conf").read_text()
    assert "server 127.0.0.1:8601" in text and "server 127.0.0.1:8602" in text
    assert f"alias {serve.STATIC_DIR.resolve()}/" in text
    assert "$cookie_kz_replica" in text  # nginx's variables survive the rendering


def test_compose_configuration_passes_nginx_t(nginx, tmp_path):
    env = dict(compose()["services"]["nginx"]["environment"])
    # `app` resolves only inside Compose's network; the rest of the file is tested as is.
    env["KZ_UPSTREAMS"] = env["KZ_UPSTREAMS"].replace("app:8501", "127.0.0.1:8501")
    env["KZ_MAX_BODY_MB"] = re.sub(r"\$\{[A-Z_]+:-(\d+)\}", r"\1", str(env["KZ_MAX_BODY_MB"]))
    serve.nginx_test(wrapped(tmp_path, serve.render(TEMPLATE.read_text(), env)), tmp_path)


def test_kubernetes_sidecar_configuration_passes_nginx_t(nginx, tmp_path):
    env = env_of(containers(manifests()["Deployment"])["nginx"])
    serve.nginx_test(wrapped(tmp_path, serve.render(TEMPLATE.read_text(), env)), tmp_path)


def test_a_broken_configuration_fails_nginx_t_with_its_message(nginx, tmp_path):
    broken = serve.render(TEMPLATE.read_text(), {
        "KZ_LISTEN": "8080", "KZ_UPSTREAMS": "server 127.0.0.1:8501", "KZ_STATIC_ROOT": "/srv",
        "KZ_MAX_BODY_MB": "51"})  # the missing `;` after the server line
    with pytest.raises(serve.ServeError, match="nginx -t failed"):
        serve.nginx_test(wrapped(tmp_path, broken), tmp_path)


def test_a_placeholder_without_a_value_is_an_error():
    with pytest.raises(serve.ServeError, match="KZ_LISTEN"):
        serve.render(TEMPLATE.read_text(), {"KZ_UPSTREAMS": "", "KZ_STATIC_ROOT": "/srv",
                                            "KZ_MAX_BODY_MB": "51"})


def test_upload_limit_follows_the_app_setting(monkeypatch, tmp_path, nginx):
    monkeypatch.setenv("KZUNREST_MAX_UPLOAD_MB", "7")
    serve.nginx_config(tmp_path, "8501", [8601])
    assert "client_max_body_size 8m;" in (tmp_path / "kzunrest.conf").read_text()
