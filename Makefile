# Two entry points for a fresh machine with Python 3.11 and pip: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test system-packages clean

$(BIN)/synth: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

# Cross compilers and qemu-user run real assembly (synth transpile); installed when missing.
system-packages:
	@if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v riscv64-linux-gnu-gcc >/dev/null \
	    || ! command -v qemu-aarch64 >/dev/null || ! command -v qemu-riscv64 >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu qemu-user >/dev/null) \
	    || echo "warning: could not install cross compilers / qemu-user; assembly tests will say so"; \
	  else \
	    echo "warning: install gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu qemu-user (apt-get) for synth transpile"; \
	  fi; \
	fi

demo: $(BIN)/synth system-packages
	$(BIN)/synth discover --space optimizers --out runs/demo

test: $(BIN)/synth system-packages
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

clean:
	rm -rf $(VENV) runs
