# Warden: `make run` and `make test` do everything on a fresh Debian 12 machine (as root).
SWIFT      ?= swift
BUILD_DEPS := libsystemd-dev pkg-config zlib1g-dev libcurl4-openssl-dev
TEST_DEPS  := $(BUILD_DEPS) systemd jq curl python3 iproute2 procps prometheus postgresql-15 postgresql-client-15 \
              sqlite3 binutils openssl prometheus-alertmanager python3-aiosmtpd python3-venv wrk \
              chromium chromium-driver poppler-utils
# Python packages, in their own virtualenv (ORACLES): the local S3 emulator (moto checks Signature V4) and its
# client; TA-Lib and backtesting.py, the trading oracles; ccxt, the oracle of BingX's request signing; websockets,
# the fake BingX's stream server; schemathesis, the oracle of the API against its OpenAPI document; selenium, which
# drives Debian's chromium through chromedriver for the dashboard's browser suite.
PIP_DEPS   := moto[server]==5.2.1 boto3 ta-lib==0.6.8 backtesting==0.6.6 ccxt==4.5.90 websockets==15.0.1 schemathesis==4.32.5 selenium==4.27.1 optuna==4.1.0 openpyxl==3.1.5 empyrical-reloaded==0.5.11 pytz==2024.2
ORACLES    := .venv/oracles
PYTHON     := $(ORACLES)/bin/python3
WARDEN     := .build/debug/warden
# vectorbt (and its numba) only for `make bench`, in a virtualenv of its own: nearly 1 GB the tests do not need.
VECTORBT   := .venv/vectorbt
VECTORBT_DEPS := vectorbt==1.2.0 ta-lib==0.6.8

.PHONY: run test bench build release deps-build deps-test unit integration clean install uninstall

## Build and run the supervisor in the foreground on its embedded defaults.
run: deps-build build
	@$(WARDEN) user list --json 2>/dev/null | grep -q '"name"' \
		|| echo "warden: no API user yet; make the first admin with: $(WARDEN) user add admin --role admin"
	@echo "warden: the dashboard will be on http://127.0.0.1:8080/dashboard, the API on http://127.0.0.1:8080/api/v1 (reference: http://127.0.0.1:8080/api/docs)"
	$(WARDEN) supervise

## Install what the tests need, build, and run every test (unit and integration).
test: deps-test build
	$(SWIFT) build --build-tests
	$(SWIFT) test
	bash tests/run-integration.sh

## Print the supervisor's figures (release build).
bench: deps-test release
	@test -x $(VECTORBT)/bin/python3 || python3 -m venv $(VECTORBT)
	@$(VECTORBT)/bin/python3 -c 'import vectorbt, talib; assert vectorbt.__version__ == "1.2.0"' 2>/dev/null \
		|| $(VECTORBT)/bin/python3 -m pip install --quiet $(VECTORBT_DEPS)
	$(PYTHON) bench/supervisor_bench.py .build/release/warden
	$(PYTHON) bench/backup_bench.py .build/release/warden
	$(PYTHON) bench/trading_bench.py .build/release/warden
	$(PYTHON) bench/optimise_bench.py .build/release/warden
	$(VECTORBT)/bin/python3 bench/vectorbt_bench.py .build/release/warden
	.build/release/warden risk bench
	$(PYTHON) bench/engine_bench.py .build/release/warden
	$(PYTHON) bench/alerting_bench.py .build/release/warden
	$(PYTHON) bench/bingx_bench.py .build/release/warden
	$(PYTHON) bench/api_bench.py .build/release/warden

build:
	$(SWIFT) build --product warden

release:
	$(SWIFT) build -c release --product warden

## Install the release build, unit, bundled data, runbooks, rules and dashboards (PREFIX, SYSCONFDIR, UNITDIR, DESTDIR).
install: deps-build release
	bash scripts/install.sh install

uninstall:
	bash scripts/install.sh uninstall

unit: build
	$(SWIFT) test

integration: build
	bash tests/run-integration.sh

# apt-get only when something is missing, so repeated runs stay fast and offline.
deps-build:
	@bash scripts/apt-ensure.sh $(BUILD_DEPS)

deps-test:
	@bash scripts/apt-ensure.sh $(TEST_DEPS)
	@test -x $(PYTHON) || python3 -m venv $(ORACLES)
	@$(PYTHON) -c 'import moto.server, boto3, talib, backtesting, ccxt, schemathesis, selenium, optuna, openpyxl, empyrical, importlib.metadata as m; assert talib.__version__ == "0.6.8" and backtesting.__version__ == "0.6.6" and ccxt.__version__ == "4.5.90" and m.version("schemathesis") == "4.32.5" and m.version("selenium") == "4.27.1" and optuna.__version__ == "4.1.0" and openpyxl.__version__ == "3.1.5" and m.version("empyrical-reloaded") == "0.5.11"' 2>/dev/null \
		|| $(PYTHON) -m pip install --quiet $(PIP_DEPS)

clean:
	rm -rf .build $(ORACLES)
