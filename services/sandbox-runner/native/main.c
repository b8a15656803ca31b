/*
 * actiond-sandbox: runs one Bazel action in a Linux sandbox, as planned by the
 * TypeScript side (services/sandbox-runner). options.h describes the command
 * line, report.h the status line, README.md the whole contract.
 *
 * Processes:
 *   outer (this one, outside the namespaces) -- run.c, outer.c
 *     `- PID 1 (new mount, PID, IPC, UTS, network namespaces) -- pid1.c
 *          `- the action (unprivileged, after exec) -- action.c
 *
 * Exit status: the action's exit code, or 128 + the signal that killed it
 * (128 + SIGKILL when it timed out), or 125 (SANDBOX_SETUP_FAILED) when the
 * sandbox could not be set up or the action not started. An action can exit
 * 125 or 137 itself; the --status-fd line is the unambiguous account.
 */
#include <string.h>
#include <unistd.h>

#include "launcher.h"
#include "run.h"

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--launcher") == 0) launcher_main();
  /* _exit, as the launcher's runs end: nothing is registered with atexit
   * and nothing is left in a stdio buffer. */
  _exit(run_main(argc, argv));
}
