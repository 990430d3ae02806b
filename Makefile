# The two commands users need: `make demo` and `make test`. Both set up .venv on first use.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
MP      := $(BIN)/micropython
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg

.PHONY: all setup test demo lint mpy bench sim mcu qemu deploy run size pretend package clean

all: test

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check lib firmware boards tools host_tests

mpy: $(STAMP)
	$(BIN)/python -m tools.board.build_mpy --check

test: $(STAMP) lint mpy
	$(BIN)/python -m pytest host_tests -q --durations=40

# make demo BOARD=qemu: the same session with the firmware on the QEMU Cortex-M3 board
# make demo SERVER=wakaama | coap://HOST:PORT: against a real LwM2M server (README)
demo: $(STAMP) $(if $(filter qemu,$(BOARD)),mcu)
	$(BIN)/python -m tools.demo $(if $(BOARD),--board $(BOARD)) $(if $(SERVER),--server $(SERVER))

# make bench ONLY=cycle: one section (tools/bench/report.py SECTIONS), the others kept as they are
bench: $(STAMP)
	$(BIN)/python -m tools.bench $(if $(ONLY),--only $(ONLY))

# the Cortex-M3 board in QEMU: build (cached) from ../shared/vendor, or start it (REPL pty)
mcu: $(STAMP)
	$(BIN)/python -m tools.board.mcu

qemu: mcu
	$(BIN)/python -m tools.board.qemu --repl

sim: $(STAMP)
	$(BIN)/python -m tools.bc66sim

# make deploy BOARD=esp32_devkitc PORT=/dev/ttyUSB0 [CONFIG=my.json]: .mpy to the board
# (only what changed), its board.py and config, then a reset. make run: the same tree
# mounted from the PC (mpremote mount), run without touching the flash; ARGS for main.py.
deploy: $(STAMP)
	$(BIN)/python -m tools.board.deploy deploy --board $(BOARD) --port $(PORT) $(if $(CONFIG),--config $(CONFIG))

run: $(STAMP)
	$(BIN)/python -m tools.board.deploy run --board $(BOARD) --port $(PORT) $(if $(CONFIG),--config $(CONFIG)) -- $(ARGS)

size: $(STAMP)
	$(BIN)/python -m tools.board.deploy size

pretend: $(STAMP)
	$(BIN)/python -m tools.board.pretendboard build/pretendboard

# make package VERSION=1.2.0 [MODULES="path/to/mod.py ..."] [CONFIG='{"report_interval_s": 600}']:
# an application package for an update through LwM2M object 9 (README, "Operating a
# deployed node"); python -m tools.swpush build/package/<file> pushes it through Wakaama
package: $(STAMP)
	$(BIN)/python -m tools.package $(or $(VERSION),$(error VERSION=x.y.z is required)) $(foreach m,$(MODULES),--module $(m)) $(if $(CONFIG),--config-json '$(CONFIG)')

clean:
	rm -rf build .pytest_cache
