/*
 * actiond-sandbox: runs one Bazel action in a Linux sandbox, as planned by the
 * TypeScript side (services/sandbox-runner). options.h describes the command
 * line, report.h the status line, README.md the whole contract.
 *
 * Processes:
 *   outer (this one, outside the namespaces) -- outer.c
 *     `- PID 1 (new mount, PID, IPC, UTS, network namespaces) -- pid1.c
 *          `- the action (unprivileged, after exec) -- action.c
 *
 * Exit status: the action's exit code, or 128 + the signal that killed it
 * (128 + SIGKILL when it timed out), or 125 (SANDBOX_SETUP_FAILED) when the
 * sandbox could not be set up or the action not started. An action can exit
 * 125 or 137 itself; the --status-fd line is the unambiguous account.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cgroups.h"
#include "die.h"
#include "launcher.h"
#include "options.h"
#include "outer.h"
#include "pid1.h"
#include "report.h"

static void replace_fd(int target, const char *path, int flags, const char *flag) {
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) DIE("%s: open(%s)", flag, path);
  if (dup2(fd, target) < 0) DIE("dup2(%s)", path);
  if (close(fd) < 0) DIE("close");
}

/* The action reads nothing: stdin is /dev/null, whatever we were given. */
static void redirect_stdio(const struct options *opt) {
  replace_fd(STDIN_FILENO, "/dev/null", O_RDONLY, "stdin");
  if (opt->stdout_path != NULL) {
    replace_fd(STDOUT_FILENO, opt->stdout_path, O_WRONLY | O_CREAT | O_TRUNC,
               "--stdout");
  }
  if (opt->stderr_path != NULL) {
    replace_fd(STDERR_FILENO, opt->stderr_path, O_WRONLY | O_CREAT | O_TRUNC,
               "--stderr");
  }
}

/* Blocked before PID 1 exists, so that it inherits the mask and no signal
 * can arrive before either process is ready to wait for it. SIGPIPE is
 * blocked so that a closed status fd or report pipe shows as EPIPE. */
static void block_signals(void) {
  sigset_t set;
  pid1_signals(&set);
  sigaddset(&set, SIGPIPE);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) DIE("sigprocmask");
}

int main(int argc, char **argv) {
  struct options opt;
  struct cgroups cg;
  struct outcome outcome;

  if (argc == 2 && strcmp(argv[1], "--launcher") == 0) launcher_main();
  options_parse(argc, argv, &opt);
  redirect_stdio(&opt);
  cgroups_open(&opt, &cg);
  block_signals();
  outer_run(&opt, &cg, &outcome);
  report_outcome(opt.status_fd, &outcome);
  return report_exit_status(&outcome);
}
