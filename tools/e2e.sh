#!/usr/bin/env bash
# tools/e2e.sh MODE [bazel args...]
#
# Runs a real Bazel (Debian's bazel-bootstrap 4.2.3, fully offline) against the
# e2e workspace in e2e/workspace, and in the remote modes against a real actiond
# server started here on a free loopback port with a fresh --root.
#
#   local  no server: build and test the workspace with plain Bazel, proving the
#          workspace itself is sound (and the expected-timeout check works).
#   cache  actiond as --remote_cache: build //cache/..., check every output, run
#          `bazel clean`, build again, and assert every action was a remote cache
#          hit; then SIGTERM the server and require exit status 0.
#   linux  actiond as --remote_executor: every spawn of //... (plus the
#          remote-only network test) must execute remotely, the timeout test
#          must time out, and after `bazel clean` everything must come from the
#          cache. ACTIOND_E2E_RUNTIMES=1 adds the per-glibc runtime targets.
#   vm     actiond's serve-vm as --remote_executor: the worker runs in a QEMU VM
#          (TCG here) with the CAS and ActionCache on an ext4 disk image. The
#          same targets as linux mode with the runtime targets always in, all
#          executed remotely in the VM; then serve-vm is stopped and started
#          again on the same --root, and after `bazel clean` every spawn must
#          be a remote cache hit: the ActionCache and CAS survived on the image.
#
# Extra arguments go to every `bazel build`/`bazel test` (e.g. --jobs=4).
#
# Environment:
#   ACTIOND_E2E_TMP              working directory (default /tmp/actiond-e2e):
#                                bazel-root/ (Bazel's --output_user_root, kept
#                                between runs) and MODE/ (logs, exec logs, the
#                                server's root; wiped at the start of each run)
#   ACTIOND_E2E_SERVER_CMD       command that accepts `serve --listen=ADDR
#                                --root=DIR` (default: Node 24 running
#                                cmd/linux_actiond/src/main.ts), e.g. the
#                                standalone binary by absolute path; a custom
#                                command runs in MODE/, not in the repository
#   ACTIOND_E2E_SERVER_PATH      run the server with an empty environment but
#                                PATH=this, which must hold no `node` (e.g.
#                                /nonexistent): proves a standalone binary
#                                needs no Node.js
#   ACTIOND_E2E_STARTUP_TIMEOUT  seconds to wait for the startup line (60)
#   ACTIOND_E2E_STOP_TIMEOUT     seconds to wait for exit after SIGTERM (30)
#   ACTIOND_E2E_VM_STARTUP_TIMEOUT  vm mode: seconds to wait for serve-vm's
#                                startup line (900: the first run builds the
#                                guest kernel, several minutes on 2 cores)
#   ACTIOND_E2E_VM_STOP_TIMEOUT  vm mode: seconds to wait for exit after
#                                SIGTERM (90: the guest powers off cleanly)
#   ACTIOND_E2E_RUNTIMES=1       linux mode: also build //exec/runtimes:all_runtimes
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WS="$REPO/e2e/workspace"
COVERAGE_STUB="$REPO/e2e/stubs/remote_coverage_tools"
TMP_BASE="${ACTIOND_E2E_TMP:-/tmp/actiond-e2e}"
BAZEL_ROOT="$TMP_BASE/bazel-root"
STARTUP_TIMEOUT="${ACTIOND_E2E_STARTUP_TIMEOUT:-60}"
VM_STARTUP_TIMEOUT="${ACTIOND_E2E_VM_STARTUP_TIMEOUT:-900}"
VM_STOP_TIMEOUT="${ACTIOND_E2E_VM_STOP_TIMEOUT:-90}"
STOP_TIMEOUT="${ACTIOND_E2E_STOP_TIMEOUT:-30}"

# The test that must end in TIMEOUT, and the per-test timeout it gets (seconds).
TIMEOUT_TEST="//exec/timeout:sleeps_past_timeout_test"
TIMEOUT_SECONDS=5
# Runs only where actions have no network but loopback (see its BUILD file).
NETWORK_TEST="//exec/network:loopback_only_test"
RUNTIME_TARGETS="//exec/runtimes:all_runtimes"

MODE=""
RUN_DIR=""
EXTRA_BAZEL_ARGS=()
BAZEL_USED=0
SERVER_PID=""
SERVER_LOG=""
SERVER_ADDRESS=""
NODE=""

usage() {
  sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

die() {
  log "FAIL: $*"
  exit 1
}

# ---------------------------------------------------------------- cleanup

on_error() {
  log "command failed with status $1 at tools/e2e.sh:$2: $3"
}

on_exit() {
  local status=$?
  set +e
  trap - ERR
  if [[ -n "$SERVER_PID" ]]; then
    log "stopping the server (pid $SERVER_PID) left running by the failure"
    kill -TERM "$SERVER_PID" 2>/dev/null
    sleep 2
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if ((status != 0)) && [[ -n "$SERVER_LOG" && -f "$SERVER_LOG" ]]; then
    log "last 60 lines of the server log ($SERVER_LOG):"
    tail -n 60 "$SERVER_LOG" | sed 's/^/    actiond| /' >&2
  fi
  if ((BAZEL_USED)); then
    bazel_in_ws shutdown >/dev/null 2>&1
  fi
  if ((status != 0)); then
    log "e2e $MODE FAILED (exit status $status); logs are in ${RUN_DIR:-$TMP_BASE}"
  fi
  exit "$status"
}

# ---------------------------------------------------------------- bazel

# Bazel in the e2e workspace, with an output root this script owns. The user's
# ~/.bazelrc is skipped so a stray remote or disk cache can't change results;
# the system rc stays (Debian's sets the install base).
bazel_in_ws() {
  BAZEL_USED=1
  (cd "$WS" && bazel --nohome_rc --output_user_root="$BAZEL_ROOT" --max_idle_secs=900 "$@")
}

# run_bazel NAME COMMAND ARGS...: runs one Bazel command with its console output
# in $RUN_DIR/NAME.log and its execution log in $RUN_DIR/NAME.exec.json, and
# sets BAZEL_STATUS to its exit status (it does not fail by itself).
run_bazel() {
  local name="$1" command="$2"
  shift 2
  log "bazel $command $* ${EXTRA_BAZEL_ARGS[*]}"
  BAZEL_STATUS=0
  BAZEL_USED=1 # set here too: the pipeline below runs bazel_in_ws in a subshell
  bazel_in_ws "$command" \
    --color=no --curses=no --show_progress_rate_limit=5 \
    --override_repository=remote_coverage_tools="$COVERAGE_STUB" \
    --execution_log_json_file="$RUN_DIR/$name.exec.json" \
    "$@" "${EXTRA_BAZEL_ARGS[@]}" 2>&1 | tee "$RUN_DIR/$name.log" || BAZEL_STATUS=$?
  log "bazel $command finished with status $BAZEL_STATUS (log: $RUN_DIR/$name.log)"
}

# run_bazel_ok NAME COMMAND ARGS...: run_bazel that must succeed.
run_bazel_ok() {
  run_bazel "$@"
  ((BAZEL_STATUS == 0)) || die "bazel $2 ($1) failed with status $BAZEL_STATUS; see $RUN_DIR/$1.log"
}

bazel_clean() {
  log "bazel clean"
  bazel_in_ws clean >"$RUN_DIR/clean.log" 2>&1 || die "bazel clean failed; see $RUN_DIR/clean.log"
}

# The summary Bazel 4.2.3 prints once per build, e.g.
#   INFO: 12 processes: 3 internal, 9 remote cache hit.
#   INFO: 1 process: 1 internal.
summary_line() {
  grep -E '^INFO: [0-9]+ process(es)?(: .*)?\.$' "$1" | tail -n 1 || true
}

# One "COUNT KIND" line per kind in the summary line of a Bazel log.
summary_kinds() {
  summary_line "$1" | sed -E 's/^INFO: [0-9]+ process(es)?(: )?//; s/\.$//' | tr ',' '\n' | sed -E 's/^ +//; /^$/d'
}

# assert_summary NAME KIND...: the build's summary line names only the given
# kinds of process, plus "internal" (Bazel's own bookkeeping, which never
# reaches a server), and at least one process of a given kind. (Its counts
# don't always add up to the total in Bazel 4.2.3, so only kinds are checked.)
assert_summary() {
  local name="$1" log_file="$RUN_DIR/$1.log" line kind count allowed matched=0 ok
  shift
  line="$(summary_line "$log_file")"
  [[ -n "$line" ]] || die "$name: no 'INFO: N processes: ...' summary line in $log_file"
  log "$name summary: ${line#INFO: }"
  while read -r count kind; do
    [[ "$kind" != internal ]] || continue
    ok=0
    for allowed in "$@"; do
      [[ "$kind" != "$allowed" ]] || ok=1
    done
    ((ok)) || die "$name: $count process(es) were '$kind', expected only: $* (and internal); summary: $line"
    matched=$((matched + count))
  done < <(summary_kinds "$log_file")
  ((matched > 0)) || die "$name: no process was any of: $*; summary: $line"
}

# The runner of every spawn in a JSON execution log ("remote", "remote cache
# hit", "linux-sandbox", ...), one per line. Bazel 4.2.3 writes the log as
# pretty-printed SpawnExec objects, one field per line.
exec_log_runners() {
  grep -E '^  "runner": ' "$1" | sed -E 's/^  "runner": "(.*)",?$/\1/' || true
}

# assert_exec_log NAME RUNNER [EXPECTED_COUNT]: every spawn in NAME's execution
# log ran with RUNNER (and, if given, there were exactly EXPECTED_COUNT);
# prints the number of spawns.
assert_exec_log() {
  local name="$1" runner="$2" expected="${3:-}" file="$RUN_DIR/$1.exec.json" total matching hits
  [[ -s "$file" ]] || die "$name: the execution log $file is missing or empty"
  total=$(exec_log_runners "$file" | wc -l)
  matching=$(exec_log_runners "$file" | grep -cxF "$runner" || true)
  log "$name: $total spawns in the execution log, by runner:"
  exec_log_runners "$file" | sort | uniq -c | sed 's/^/    /' >&2
  ((total > 0)) || die "$name: the execution log lists no spawns"
  ((matching == total)) || die "$name: $((total - matching)) of $total spawns did not run as '$runner'; see $file"
  if [[ "$runner" == "remote cache hit" ]]; then
    hits=$(grep -cE '^  "remoteCacheHit": true' "$file" || true)
    ((hits == total)) || die "$name: only $hits of $total spawns have remoteCacheHit=true; see $file"
  fi
  if [[ -n "$expected" ]] && ((total != expected)); then
    die "$name: $total spawns, expected $expected (one per spawn of the first build); see $file"
  fi
  echo "$total"
}

# ---------------------------------------------------------------- checks

generate_inputs() {
  log "generating exec/inputs/generated (e2e/workspace/exec/inputs/generate.sh)"
  "$WS/exec/inputs/generate.sh"
}

# The cache-mode outputs match cache/expected.sha256 byte for byte, and the
# executable outputs still run.
check_cache_outputs() {
  local bin="$WS/bazel-bin/cache" greeting
  log "checking //cache outputs against cache/expected.sha256"
  (cd "$bin" && sha256sum --quiet --strict -c "$WS/cache/expected.sha256") ||
    die "//cache outputs differ from e2e/workspace/cache/expected.sha256 (see the lines above)"
  [[ -x "$bin/greeter" ]] || die "bazel-bin/cache/greeter is not executable"
  [[ -x "$bin/tree/bin/run.sh" ]] || die "bazel-bin/cache/tree/bin/run.sh is not executable"
  greeting="$("$bin/greeter" e2e)" || die "bazel-bin/cache/greeter failed to run"
  [[ "$greeting" == "hello from the greeter, e2e" ]] || die "bazel-bin/cache/greeter printed '$greeting'"
  [[ "$("$bin/tree/bin/run.sh")" == "tree artifact executable" ]] || die "bazel-bin/cache/tree/bin/run.sh printed the wrong text"
  log "//cache outputs are correct ($(grep -cv '^#' "$WS/cache/expected.sha256") files)"
}

# With ACTIOND_E2E_RUNTIMES=1: each runtime genrule fails unless it ran on the
# glibc it asked for with exec_properties, and its output names that version;
# checked here too, so the second pass (outputs from the cache) is checked.
check_runtime_outputs() {
  local runtime version file
  [[ "${ACTIOND_E2E_RUNTIMES:-0}" == 1 ]] || return 0
  for runtime in glibc2.31 glibc2.36 glibc2.41; do
    version="${runtime#glibc}"
    file="$WS/bazel-bin/exec/runtimes/$runtime.txt"
    [[ -f "$file" ]] || die "$file is missing"
    [[ "$(cat "$file")" == "glibc $version" ]] ||
      die "//exec/runtimes:$runtime asked for glibc $version but its output says '$(cat "$file")'"
  done
  log "//exec/runtimes: each action ran on the glibc it asked for (2.31, 2.36, 2.41)"
}

# assert_timeout NAME: the timeout test ran in NAME, Bazel exited 3 (tests
# failed) and reported the test as TIMEOUT.
assert_timeout() {
  local name="$1"
  ((BAZEL_STATUS == 3)) ||
    die "$name: bazel exited with status $BAZEL_STATUS, expected 3 (a test failed) from $TIMEOUT_TEST"
  grep -qE "^$TIMEOUT_TEST +TIMEOUT in " "$RUN_DIR/$name.log" ||
    die "$name: Bazel did not report '$TIMEOUT_TEST TIMEOUT'; see $RUN_DIR/$name.log"
  log "$name: $TIMEOUT_TEST timed out, as it must"
}

# ---------------------------------------------------------------- server

# Node 24 from the workspace's own devDependency (the system node is older).
# Run directly rather than through `pnpm exec`, which may first try to
# reinstall the workspace; and directly, so SIGTERM reaches the server itself.
find_node() {
  NODE="$REPO/node_modules/.bin/node"
  [[ -x "$NODE" ]] || die "$NODE is missing: run tools/setup.sh to install the workspace"
  [[ "$("$NODE" --version)" == v24.* ]] || die "$NODE is $("$NODE" --version), expected Node 24"
}

free_port() {
  "$NODE" -e 'const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# A child that has exited stays a zombie until waited for, and `kill -0`
# succeeds on zombies, so liveness is read from /proc.
server_alive() {
  [[ -r "/proc/$SERVER_PID/stat" ]] && [[ "$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$SERVER_PID/stat")" != Z ]]
}

# start_server [SUBCOMMAND [LOG_NAME [keep-root]]]: starts `actiond SUBCOMMAND`
# (default serve) with a fresh --root, or the previous one with keep-root,
# logging to $RUN_DIR/LOG_NAME (default actiond.log), and waits for its startup
# line (STARTUP_TIMEOUT, or VM_STARTUP_TIMEOUT for serve-vm).
start_server() {
  local subcommand="${1:-serve}" log_name="${2:-actiond.log}" keep_root="${3:-}"
  local -a command dirs environment=()
  local port root deadline cwd="$REPO" dir timeout="$STARTUP_TIMEOUT"
  [[ "$subcommand" != serve-vm ]] || timeout="$VM_STARTUP_TIMEOUT"
  if [[ -n "${ACTIOND_E2E_SERVER_CMD:-}" ]]; then
    read -r -a command <<<"$ACTIOND_E2E_SERVER_CMD"
    # Away from the repository, so a server that reads files relative to it fails here.
    cwd="$RUN_DIR"
  else
    [[ -f "$REPO/cmd/linux_actiond/src/main.ts" ]] ||
      die "the actiond server is not there yet: $REPO/cmd/linux_actiond/src/main.ts is missing"
    command=("$NODE" "$REPO/cmd/linux_actiond/src/main.ts")
  fi
  if [[ -n "${ACTIOND_E2E_SERVER_PATH:-}" ]]; then
    IFS=: read -r -a dirs <<<"$ACTIOND_E2E_SERVER_PATH"
    for dir in "${dirs[@]}"; do
      [[ ! -x "$dir/node" ]] || die "ACTIOND_E2E_SERVER_PATH has $dir/node; the server must run without Node.js on its PATH"
    done
    environment=(env -i "PATH=$ACTIOND_E2E_SERVER_PATH")
  fi
  port="$(free_port)"
  SERVER_ADDRESS="127.0.0.1:$port"
  root="$RUN_DIR/actiond-root"
  SERVER_LOG="$RUN_DIR/$log_name"
  if [[ "$keep_root" != keep-root ]]; then
    rm -rf "$root"
  fi
  mkdir -p "$root"
  log "starting actiond in $cwd: ${environment[*]} ${command[*]} $subcommand --listen=$SERVER_ADDRESS --root=$root (log: $SERVER_LOG)"
  (cd "$cwd" && exec "${environment[@]}" "${command[@]}" "$subcommand" --listen="$SERVER_ADDRESS" --root="$root") >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + timeout))
  until grep -qF "$SERVER_ADDRESS" "$SERVER_LOG"; do
    if ! server_alive; then
      local status=0
      wait "$SERVER_PID" || status=$?
      SERVER_PID=""
      die "actiond exited with status $status before printing its startup line"
    fi
    ((SECONDS < deadline)) || die "actiond printed no startup line naming $SERVER_ADDRESS within ${timeout}s"
    sleep 0.2
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
    die "actiond announced $SERVER_ADDRESS but does not accept connections there"
  log "actiond is listening on $SERVER_ADDRESS (pid $SERVER_PID): $(grep -F "$SERVER_ADDRESS" "$SERVER_LOG" | head -n 1)"
}

# stop_server [LIMIT]: SIGTERM, then the server must exit by itself, with
# status 0, within LIMIT seconds (default STOP_TIMEOUT; a watchdog SIGKILLs it
# otherwise).
stop_server() {
  local status=0 watchdog marker="$RUN_DIR/stop-timed-out" limit="${1:-$STOP_TIMEOUT}"
  rm -f "$marker"
  log "stopping actiond (pid $SERVER_PID) with SIGTERM"
  kill -TERM "$SERVER_PID"
  # The watchdog ends by itself once the server is gone (reaped by the wait below).
  (
    deadline=$((SECONDS + limit))
    while server_alive; do
      if ((SECONDS >= deadline)); then
        touch "$marker"
        kill -KILL "$SERVER_PID"
        exit 0
      fi
      sleep 0.2
    done
  ) &
  watchdog=$!
  wait "$SERVER_PID" || status=$?
  wait "$watchdog" || true
  SERVER_PID=""
  [[ ! -e "$marker" ]] || die "actiond did not exit within ${limit}s of SIGTERM (killed)"
  ((status == 0)) || die "actiond exited with status $status after SIGTERM, expected 0"
  log "actiond exited with status 0"
}

# ---------------------------------------------------------------- modes

mode_local() {
  generate_inputs
  bazel_clean
  run_bazel_ok local test //...
  assert_summary local linux-sandbox processwrapper-sandbox local
  check_cache_outputs
  # Bazel's linux-sandbox with no network gives the test the isolation the
  # remote sandbox promises: only loopback.
  run_bazel_ok local-network test --sandbox_default_allow_network=false \
    --strategy=TestRunner=linux-sandbox "$NETWORK_TEST"
  run_bazel local-timeout test --test_timeout="$TIMEOUT_SECONDS" "$TIMEOUT_TEST"
  assert_timeout local-timeout
}

mode_cache() {
  local spawns
  generate_inputs
  start_server
  local remote=(--config=remote_cache --remote_cache="grpc://$SERVER_ADDRESS")
  # A fresh server holds nothing, so the first build must run every action
  # here (a hit would be a result the server never stored) and upload it.
  bazel_clean
  run_bazel_ok cache-1 build "${remote[@]}" //cache/...
  assert_summary cache-1 linux-sandbox processwrapper-sandbox local
  spawns=$(exec_log_runners "$RUN_DIR/cache-1.exec.json" | wc -l)
  ((spawns > 0)) || die "cache-1: the execution log lists no spawns"
  log "cache-1: $spawns spawns ran locally and were uploaded"
  check_cache_outputs
  # After a clean, every one of those spawns must come back from the cache.
  bazel_clean
  run_bazel_ok cache-2 build "${remote[@]}" //cache/...
  assert_summary cache-2 "remote cache hit"
  assert_exec_log cache-2 "remote cache hit" "$spawns" >/dev/null
  check_cache_outputs
  stop_server
}

mode_linux() {
  local spawns
  local targets=(//... "$NETWORK_TEST")
  if [[ "${ACTIOND_E2E_RUNTIMES:-0}" == 1 ]]; then
    targets+=("$RUNTIME_TARGETS")
  fi
  generate_inputs
  start_server
  local remote=(--config=remote_exec --remote_executor="grpc://$SERVER_ADDRESS")
  # First pass: every spawn executes remotely; nothing may come from a cache.
  bazel_clean
  run_bazel_ok linux-1 test "${remote[@]}" --noremote_accept_cached "${targets[@]}"
  assert_summary linux-1 remote
  spawns=$(assert_exec_log linux-1 remote)
  check_cache_outputs
  check_runtime_outputs
  # A test past its timeout must be killed remotely and reported as TIMEOUT.
  run_bazel linux-timeout test "${remote[@]}" --test_timeout="$TIMEOUT_SECONDS" "$TIMEOUT_TEST"
  assert_timeout linux-timeout
  # Second pass: everything the first pass executed comes from the cache.
  bazel_clean
  run_bazel_ok linux-2 test "${remote[@]}" "${targets[@]}"
  assert_summary linux-2 "remote cache hit"
  assert_exec_log linux-2 "remote cache hit" "$spawns" >/dev/null
  check_cache_outputs
  check_runtime_outputs
  stop_server
}

mode_vm() {
  local spawns
  # Every runtime is built into the VM's runtime image, so its targets always run here.
  local targets=(//... "$NETWORK_TEST" "$RUNTIME_TARGETS")
  export ACTIOND_E2E_RUNTIMES=1
  command -v qemu-system-x86_64 >/dev/null ||
    die "qemu-system-x86_64 is not installed (Debian package qemu-system-x86; tools/setup.sh installs it)"
  generate_inputs
  start_server serve-vm actiond-vm-1.log
  grep -q 'created the CAS image' "$SERVER_LOG" || die "serve-vm did not create a new CAS image on a fresh --root; see $SERVER_LOG"
  log "VM boot: $(grep -o 'VM ready in .*' "$SERVER_LOG" | head -n 1)"
  local remote=(--config=remote_exec --remote_executor="grpc://$SERVER_ADDRESS")
  # First pass: every spawn executes remotely, inside the VM; nothing may come from a cache.
  bazel_clean
  run_bazel_ok vm-1 test "${remote[@]}" --noremote_accept_cached "${targets[@]}"
  assert_summary vm-1 remote
  spawns=$(assert_exec_log vm-1 remote)
  check_cache_outputs
  check_runtime_outputs
  run_bazel vm-timeout test "${remote[@]}" --test_timeout="$TIMEOUT_SECONDS" "$TIMEOUT_TEST"
  assert_timeout vm-timeout
  stop_server "$VM_STOP_TIMEOUT"
  grep -q 'actiond-init: unmounted /cas' "$RUN_DIR/actiond-root/console.log" ||
    die "the guest did not unmount its CAS disk when serve-vm stopped; see $RUN_DIR/actiond-root/console.log"
  # serve-vm again on the same --root: the ActionCache and CAS must come back from the ext4 image.
  start_server serve-vm actiond-vm-2.log keep-root
  grep -q 'using the CAS image' "$SERVER_LOG" || die "serve-vm did not reuse the CAS image of the first run; see $SERVER_LOG"
  remote=(--config=remote_exec --remote_executor="grpc://$SERVER_ADDRESS")
  bazel_clean
  run_bazel_ok vm-2 test "${remote[@]}" "${targets[@]}"
  assert_summary vm-2 "remote cache hit"
  assert_exec_log vm-2 "remote cache hit" "$spawns" >/dev/null
  check_cache_outputs
  check_runtime_outputs
  stop_server "$VM_STOP_TIMEOUT"
}

# ---------------------------------------------------------------- main

main() {
  if (($# == 0)); then
    usage >&2
    exit 2
  fi
  if [[ "$1" == -h || "$1" == --help ]]; then
    usage
    exit 0
  fi
  MODE="$1"
  shift
  EXTRA_BAZEL_ARGS=("$@")
  case "$MODE" in
    local | cache | linux | vm) ;;
    *)
      echo "tools/e2e.sh: unknown mode '$MODE' (expected local, cache, linux or vm)" >&2
      exit 2
      ;;
  esac

  command -v bazel >/dev/null || die "bazel is not installed (Debian's bazel-bootstrap; tools/setup.sh installs it)"
  mkdir -p "$TMP_BASE"
  # One run at a time per working directory: two runs would share Bazel's
  # output base and clean each other's outputs between passes.
  exec 9>"$TMP_BASE/lock"
  if ! flock -n 9; then
    log "another tools/e2e.sh run holds $TMP_BASE/lock; waiting for it"
    flock 9
  fi
  RUN_DIR="$TMP_BASE/$MODE"
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
  trap on_exit EXIT
  if [[ "$MODE" != local ]]; then
    find_node
  fi

  log "mode $MODE: workspace $WS, Bazel output root $BAZEL_ROOT, logs in $RUN_DIR"
  "mode_$MODE"
  log "e2e $MODE PASSED"
}

# Sourcing the file (to try one function) defines everything and runs nothing.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
