# Sourced by tools/test and tools/demo: a private tox in .venvs/tox, created on first use.
if [ ! -x .venvs/tox/bin/tox ]; then
    python3 -m venv .venvs/tox
    .venvs/tox/bin/pip install --quiet --disable-pip-version-check 'tox>=4,<5' 2>&1 \
        | grep -v 'is ignored: it is neither a file nor a directory' || true
fi
TOX=.venvs/tox/bin/tox
[ -x "$TOX" ] || { echo "could not install tox into .venvs/tox" >&2; exit 1; }
