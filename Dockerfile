# Hugging Face Docker Space: the Streamlit app on port 7860, CPU only, FastSAM weights baked in at build time.
FROM python:3.11-slim

# fonts-noto-cjk: the PDF worksheets need a CJK font. poppler-utils: worksheet previews of the real PDF.
# curl: weights at build time and the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig poppler-utils curl \
    && rm -rf /var/lib/apt/lists/*

# Spaces run the container as user 1000.
RUN useradd --create-home --uid 1000 user

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/user \
    SPOTDIFF_MODEL_DIR=/opt/spotdiff/models \
    YOLO_OFFLINE=1 \
    YOLO_AUTOINSTALL=false \
    YOLO_CONFIG_DIR=/tmp/ultralytics \
    MPLCONFIGDIR=/tmp/matplotlib \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=none
# XSRF protection stays on (.streamlit/config.toml). The Space shows the app in an iframe on another site
# (huggingface.co), where the XSRF cookie is a third-party cookie: SameSite=None (sent with Secure, over the
# Space's HTTPS) lets browsers send it, so uploads work. Serving this image over plain http on another
# machine than localhost? Set STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=lax (see README, "Deploying").

WORKDIR /home/user/app

# CPU-only torch/torchvision first (the default wheels bring gigabytes of CUDA), at the versions
# requirements.txt pins; then the rest, which the CPU wheels already satisfy for torch.
COPY requirements.txt .
RUN pip install --index-url https://download.pytorch.org/whl/cpu $(grep -E '^(torch|torchvision)==' requirements.txt) \
    && pip install -r requirements.txt

# Weights are fetched here, at build time: nothing is downloaded while the app runs.
ARG FASTSAM_URL=https://github.com/ultralytics/assets/releases/download/v8.4.0/FastSAM-s.pt
# LaMa (about 200 MB) fills removed objects better than PatchMatch but is slower on a CPU: opt in
# with --build-arg WITH_LAMA=1.
ARG WITH_LAMA=0
ARG LAMA_URL=https://github.com/Sanster/models/releases/download/add_big_lama/big-lama.pt
RUN mkdir -p "$SPOTDIFF_MODEL_DIR" \
    && curl -fsSL --retry 3 -o "$SPOTDIFF_MODEL_DIR/FastSAM-s.pt" "$FASTSAM_URL" \
    && if [ "$WITH_LAMA" = 1 ]; then curl -fsSL --retry 3 -o "$SPOTDIFF_MODEL_DIR/big-lama.pt" "$LAMA_URL"; fi \
    && chmod -R a+rX /opt/spotdiff

# The code stays root-owned and read-only to the app's user: it writes only to /tmp (and its home).
COPY . .

USER 1000
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD curl -fsS http://localhost:7860/_stcore/health || exit 1
# spotdiff_app.serve is `streamlit run streamlit_app.py` with the app's server settings installed before the
# first request (uploads kept in memory, a partitioned XSRF cookie for the Space's iframe).
CMD ["python", "-m", "spotdiff_app.serve", "--server.port", "7860", "--server.address", "0.0.0.0"]
