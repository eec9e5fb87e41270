# The two commands of the README, and the steps they are made of.
#   make demo   install what is missing, build, run the demo
#   make test   install what is missing, build, run every test, then the unit tests under
#               AddressSanitizer + UndefinedBehaviorSanitizer
# Other targets: deps, build, check (tests of the normal build only), asan, format,
# check-format, fuzz, clean.

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=

CMAKE_CONFIGURE = cmake -G Ninja -Wno-dev
CTEST = ctest --output-on-failure -j$(JOBS) --timeout 300

.PHONY: all deps build check test asan demo format check-format fuzz clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: | deps
	$(CMAKE_CONFIGURE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j$(JOBS)

check: build
	cd $(BUILD_DIR) && $(CTEST)

$(ASAN_DIR)/build.ninja: | deps
	$(CMAKE_CONFIGURE) -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DBOSUN_SANITIZE=ON $(CMAKE_FLAGS)

# Unit tests under ASan+UBSan; integration tests that start real servers run in `check`.
asan: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(CTEST) -L unit

test: check asan

demo: build
	@scripts/demo $(BUILD_DIR)

format:
	git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.c' | xargs clang-format -i

check-format:
	git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.c' | xargs clang-format --dry-run --Werror

# libFuzzer on the manifest loader, the API's request head, the session framing and .env files
# (clang). FUZZ_SECONDS bounds each target's run.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps --fuzz
	CXX=clang++ $(CMAKE_CONFIGURE) -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=Debug -DBOSUN_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target manifest_fuzz http_request_fuzz \
	  session_framing_fuzz dotenv_fuzz
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/corpus-http $(FUZZ_DIR)/corpus-session \
	  $(FUZZ_DIR)/corpus-dotenv
	$(FUZZ_DIR)/tests/manifest_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  $(FUZZ_DIR)/corpus tests/fuzz/corpus manifests/examples
	$(FUZZ_DIR)/tests/http_request_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  $(FUZZ_DIR)/corpus-http tests/fuzz/corpus-http
	$(FUZZ_DIR)/tests/session_framing_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  $(FUZZ_DIR)/corpus-session tests/fuzz/corpus-session
	$(FUZZ_DIR)/tests/dotenv_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  $(FUZZ_DIR)/corpus-dotenv tests/fuzz/corpus-dotenv

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
