# Warden: `make run` and `make test` do everything on a fresh Debian 12 machine (as root).
SWIFT      ?= swift
BUILD_DEPS := libsystemd-dev pkg-config zlib1g-dev libcurl4-openssl-dev
TEST_DEPS  := $(BUILD_DEPS) systemd jq curl python3 iproute2 procps prometheus postgresql-15 postgresql-client-15 \
              sqlite3 binutils openssl prometheus-alertmanager python3-aiosmtpd
# Python packages: the local S3 emulator (moto checks Signature V4) and its client; TA-Lib and backtesting.py, the trading oracles.
PIP_DEPS   := moto[server]==5.2.1 boto3 ta-lib==0.6.8 backtesting==0.6.6
WARDEN     := .build/debug/warden

.PHONY: run test bench build release deps-build deps-test unit integration clean install uninstall

## Build and run the supervisor in the foreground on its embedded defaults.
run: deps-build build
	$(WARDEN) supervise

## Install what the tests need, build, and run every test (unit and integration).
test: deps-test build
	$(SWIFT) build --build-tests
	$(SWIFT) test
	bash tests/run-integration.sh

## Print the supervisor's figures (release build).
bench: deps-test release
	python3 bench/supervisor_bench.py .build/release/warden
	python3 bench/backup_bench.py .build/release/warden
	python3 bench/trading_bench.py .build/release/warden
	python3 bench/engine_bench.py .build/release/warden
	python3 bench/alerting_bench.py .build/release/warden

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
	@python3 -c 'import moto.server, boto3, talib, backtesting; assert talib.__version__ == "0.6.8" and backtesting.__version__ == "0.6.6"' 2>/dev/null || python3 -m pip install --quiet $(PIP_DEPS) \
		|| python3 -m pip install --quiet --break-system-packages $(PIP_DEPS)

clean:
	rm -rf .build
