"""Deployment files read as text (the image cannot be built here): Dockerfile, .dockerignore, Streamlit config."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from spotdiff_core import limits
from spotdiff_core.models import FASTSAM_FILENAMES, FASTSAM_WEIGHTS_ENV, LAMA_FILENAMES, MODEL_DIR_ENV

ROOT = Path(__file__).resolve().parent.parent
PORT = "7860"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    result = []
    for line in logical:
        word, _, rest = line.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def args_of(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def env() -> dict[str, str]:
    values: dict[str, str] = {}
    for rest in args_of("ENV"):
        for item in shlex.split(rest):
            key, _, value = item.partition("=")
            values[key] = value
    return values


def makefile_run_command() -> list[str]:
    """The `make run` recipe with the venv path and the port variable filled in."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n\t(.+)$", text, re.MULTILINE)
    assert recipe, "the Makefile has a run target"
    command = recipe.group(1).replace("$(BIN)/", "").replace("$(PORT)", PORT)
    return shlex.split(command)


def test_base_image_is_python_311_slim():
    assert args_of("FROM") == ["python:3.11-slim"]


def test_starts_the_same_streamlit_command_as_make_run_on_port_7860():
    (cmd,) = args_of("CMD")
    command = json.loads(cmd)  # exec form: signals reach streamlit directly
    expected = makefile_run_command()
    # `streamlit run streamlit_app.py` with the server settings installed first (spotdiff_app/serve.py).
    assert expected[:3] == ["python", "-m", "spotdiff_app.serve"]
    assert command[: len(expected)] == expected
    assert "--server.address" in command and command[command.index("--server.address") + 1] == "0.0.0.0"
    assert args_of("EXPOSE") == [PORT]


def test_runs_as_user_1000():
    users = args_of("USER")
    assert users and users[-1] == "1000"
    assert any("--uid 1000" in rest or "-u 1000" in rest for rest in args_of("RUN"))


def test_healthcheck_asks_streamlit_health_endpoint():
    (check,) = args_of("HEALTHCHECK")
    assert f"http://localhost:{PORT}/_stcore/health" in check
    assert " CMD " in f" {check} "


def test_offline_model_settings():
    values = env()
    assert values["YOLO_OFFLINE"] == "1"
    assert values["YOLO_AUTOINSTALL"] == "false"
    assert values["YOLO_CONFIG_DIR"].startswith("/tmp/")  # writable for user 1000
    assert values[MODEL_DIR_ENV].startswith("/")
    assert FASTSAM_WEIGHTS_ENV not in values  # found in the models directory, no second place to keep in sync


def test_weights_are_fetched_at_build_time_into_the_models_directory():
    runs = " ".join(args_of("RUN"))
    assert f'"${MODEL_DIR_ENV}/{FASTSAM_FILENAMES[0]}"' in runs
    assert f'"${MODEL_DIR_ENV}/{LAMA_FILENAMES[0]}"' in runs
    assert "FastSAM-s.pt" in " ".join(args_of("ARG"))
    # Build time only: the running container never downloads.
    (cmd,) = args_of("CMD")
    assert "curl" not in cmd and "wget" not in cmd


def test_cpu_torch_first_then_requirements():
    runs = args_of("RUN")
    pip = next(rest for rest in runs if "pip install" in rest)
    cpu = pip.index("--index-url https://download.pytorch.org/whl/cpu")
    assert cpu < pip.index("pip install -r requirements.txt")
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    # The CPU wheels are picked by the same pins requirements.txt holds.
    assert re.search(r"^torch==", requirements, re.MULTILINE)
    assert re.search(r"^torchvision==", requirements, re.MULTILINE)
    assert "grep -E '^(torch|torchvision)==' requirements.txt" in pip


def test_cjk_font_is_installed_for_the_worksheets():
    assert any("fonts-noto-cjk" in rest for rest in args_of("RUN"))


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "models", "test-artifacts"} <= ignored


@pytest.fixture(scope="module")
def streamlit_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_streamlit_config_for_the_space(streamlit_config):
    server = streamlit_config["server"]
    assert server["headless"] is True
    assert streamlit_config["browser"]["gatherUsageStats"] is False
    # XSRF and CORS protection on; no tracebacks, paths or source lines in the browser.
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert "corsAllowedOrigins" not in server  # only the app's own origin
    assert streamlit_config["client"]["showErrorDetails"] == "none"
    # Uploads inside the Hugging Face iframe: the XSRF cookie must be sent cross-site there (SameSite=None).
    assert server["xsrfCookieSameSite"] == "lax"
    assert "STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=none" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_upload_cap_fits_the_loaders_limits(streamlit_config):
    cap_mib = streamlit_config["server"]["maxUploadSize"]
    # The biggest file the app accepts is a bundle; a picture's own lower cap is set on its uploader.
    assert cap_mib == limits.MAX_BUNDLE_BYTES // 2**20
    assert cap_mib >= limits.MAX_UPLOAD_BYTES // 2**20
    # The picture's lower cap is checked on the server (a browser-only cap said "too large" only in a tooltip).
    pictures = (ROOT / "spotdiff_app" / "pictures.py").read_text(encoding="utf-8")
    assert "uploaded.size > limits.MAX_UPLOAD_BYTES" in pictures
