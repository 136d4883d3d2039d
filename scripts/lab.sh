#!/usr/bin/env bash
# JupyterLab on the notebooks with the project's kernel (make lab), also as root (a container,
# a CI machine: JupyterLab refuses root unless told --allow-root).
#
# Prints the address to open, with its token, before the server starts. Environment:
#   LAB_NOTEBOOK_DIR  the folder served (notebooks/ of the checkout)
#   LAB_IP, LAB_PORT  where it listens (127.0.0.1, 8888; LAB_IP=0.0.0.0 to reach a container)
#   LAB_TOKEN         the token (default: a new random one)
#   LAB_BROWSER       1 opens a browser (default: 1 unless root or no display)
#   JUPYTER           the jupyter command (.venv/bin/jupyter)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JUPYTER=${JUPYTER:-$ROOT/.venv/bin/jupyter}
LAB_NOTEBOOK_DIR=${LAB_NOTEBOOK_DIR:-$ROOT/notebooks}
LAB_IP=${LAB_IP:-127.0.0.1}
LAB_PORT=${LAB_PORT:-8888}
LAB_TOKEN=${LAB_TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
options=()
if [[ $(id -u) == 0 ]]; then
    options+=(--allow-root)
    LAB_BROWSER=${LAB_BROWSER:-0}
fi
[[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] && LAB_BROWSER=${LAB_BROWSER:-0}
[[ ${LAB_BROWSER:-1} == 1 ]] || options+=(--no-browser)
echo "JupyterLab: http://$LAB_IP:$LAB_PORT/lab?token=$LAB_TOKEN"
echo "  (token: $LAB_TOKEN; stop it with Ctrl-C)"
exec "$JUPYTER" lab --notebook-dir="$LAB_NOTEBOOK_DIR" --ip="$LAB_IP" --port="$LAB_PORT" \
    --port-retries=0 --IdentityProvider.token="$LAB_TOKEN" "${options[@]}"
