# Two commands set everything up on a fresh Debian/Ubuntu machine:
#   make demo   system packages, .venv, the package, then the main job on samples/
#   make test   the same set-up, then lint and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEBS   := ffmpeg libimage-exiftool-perl imagemagick libmagickwand-dev chromium proj-data gdal-bin
OUT    := out
# mapillary_tools, the uploader's own processing, checks vfx's outputs in the tests; it lives
# in a virtual environment of its own so that its pinned dependencies never touch vfx's.
MAPILLARY       := .venv-mapillary
MAPILLARY_STAMP := $(MAPILLARY)/.installed-stamp
MAPILLARY_PIN   := mapillary_tools>=0.14,<0.15
# MediaPipe's models, extracted from the mediapipe wheel and checked by SHA-256
# (src/vfx/io/models.py); vfx never reaches the network when it runs.
MODELS_STAMP    := $(VENV)/share/vfx/models/.installed-stamp

.PHONY: demo test system lint sample clean models

# Debian packages: installed with apt-get when run as root, else the exact command is printed.
system:
	@missing=""; \
	for pkg in $(DEBS); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run:  sudo apt-get install -y$$missing"; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	# bytecode for the editable install, which Python does not cache where
	# PYTHONDONTWRITEBYTECODE is set (each command would compile vfx again)
	$(BIN)/python -m compileall -q src/vfx
	touch $(STAMP)

$(MODELS_STAMP): $(STAMP) src/vfx/io/models.py
	$(BIN)/vfx models install
	touch $(MODELS_STAMP)

models: $(MODELS_STAMP)

demo: system $(STAMP) $(MODELS_STAMP)
	$(BIN)/vfx info samples/dance.mp4
	$(BIN)/vfx keyframes samples/dance.mp4 -o $(OUT)/dance_keyframes --overwrite
	$(BIN)/vfx frames samples/dance.mp4 --every 2 -f png -o $(OUT)/dance_every2s --overwrite
	$(BIN)/vfx mask $(OUT)/dance_keyframes --background auto -o $(OUT)/dance_masks --overwrite
	$(BIN)/vfx composite $(OUT)/dance_keyframes --mode foreground -o $(OUT)/dance_keyframe_display.png --overwrite
	$(BIN)/vfx montage $(OUT)/dance_keyframes -o $(OUT)/dance_contact_sheet.png --overwrite
	$(BIN)/vfx motion samples/dance.mp4 -o $(OUT)/dance_motion --quiet
	$(BIN)/vfx select samples/dance.mp4 -n 12 --compare -f png -o $(OUT)/dance_selected --overwrite
	$(BIN)/vfx run keyframe-display samples/ -o $(OUT)/recipes
	$(BIN)/vfx report samples/dance.mp4 $(OUT) -o $(OUT)/report --quiet
	@echo
	@echo "Outputs:"
	@echo "  $(OUT)/dance_keyframes/  lossless RGB TIFF keyframes + frames.csv"
	@echo "  $(OUT)/dance_every2s/    a PNG every 2 s + frames.csv"
	@echo "  $(OUT)/dance_masks/      foreground masks and clean figures per keyframe"
	@echo "  $(OUT)/dance_keyframe_display.png  the multi-exposure keyframe display"
	@echo "  $(OUT)/dance_contact_sheet.png     a labelled contact sheet"
	@echo "  $(OUT)/dance_motion/     motion video, motiongrams, videograms, average, history, QoM"
	@echo "  $(OUT)/dance_selected/   the 12 most different frames + selection.json"
	@echo "  $(OUT)/recipes/          the keyframe-display recipe over samples/ (run.json manifest)"
	@echo
	@echo "Open the sample's report: $(OUT)/report/report.html"

$(MAPILLARY_STAMP):
	test -x $(MAPILLARY)/bin/python || $(PYTHON) -m venv $(MAPILLARY)
	$(MAPILLARY)/bin/python -m pip install -q --upgrade pip
	$(MAPILLARY)/bin/python -m pip install -q "$(MAPILLARY_PIN)"
	$(MAPILLARY)/bin/mapillary_tools --version
	touch $(MAPILLARY_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench samples examples
	$(BIN)/ruff format --check src tests bench samples examples

test: system $(STAMP) $(MODELS_STAMP) $(MAPILLARY_STAMP) lint
	VFX_MAPILLARY_TOOLS=$(CURDIR)/$(MAPILLARY)/bin/mapillary_tools $(BIN)/python -m pytest -q

sample: $(STAMP)
	$(BIN)/python samples/make_sample.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache .mypy_cache
