/* See run.h. */
#include "run.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "cgroups.h"
#include "die.h"
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

int run_main(int argc, char **argv) {
  struct options opt;
  struct cgroups cg;
  struct outcome outcome;

  options_parse(argc, argv, &opt);
  redirect_stdio(&opt);
  cgroups_open(&opt, &cg);
  block_signals();
  outer_run(&opt, &cg, &outcome);
  report_outcome(opt.status_fd, &outcome);
  return report_exit_status(&outcome);
}
