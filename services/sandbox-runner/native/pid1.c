/* See pid1.h. */
#include "pid1.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "die.h"
#include "mounts.h"
#include "network.h"
#include "report.h"

void pid1_signals(sigset_t *set) {
  sigemptyset(set);
  sigaddset(set, SIGCHLD);
  sigaddset(set, SIGTERM);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGHUP);
}

static void check_pid1(void) {
  if (getpid() != 1) FAIL("not PID 1 of a new PID namespace");
}

static void setup_self_destruction(int report_fd) {
  /* If the outer process dies (it is the only one that can enforce the
   * timeout), take the sandbox down with it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
    DIE("prctl(PR_SET_PDEATHSIG)");
  }
  /* ...unless it died before the line above: then this write fails. */
  report_started(report_fd);
  /* Leave the outer process's session and process group, which belong to the
   * parent PID namespace (a kill(0, sig) here would reach the host), and
   * drop any controlling terminal. */
  if (setsid() < 0) DIE("setsid");
}

static void set_hostname(const char *name) {
  if (sethostname(name, strlen(name)) < 0) DIE("sethostname(%s)", name);
}

/* Reaps every process that ends until the action itself does, forwarding
 * SIGTERM, SIGINT and SIGHUP to every process in the namespace meanwhile.
 * Returns the action's wait status. */
static int wait_for_action(pid_t action) {
  sigset_t set;
  pid1_signals(&set);
  for (;;) {
    siginfo_t info;
    /* PID 1 of a namespace ignores signals it has no handler for, but a
     * blocked signal is never discarded at send time (sig_ignored in
     * kernel/signal.c: "Blocked signals are never ignored"), so waiting for
     * blocked signals here works without handlers. */
    int sig = sigwaitinfo(&set, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      DIE("sigwaitinfo");
    }
    if (sig != SIGCHLD) {
      /* kill(-1) reaches every process in our namespace but us. */
      if (kill(-1, sig) < 0 && errno != ESRCH) DIE("kill(-1, %d)", sig);
      continue;
    }
    /* Signals coalesce: one SIGCHLD may stand for many dead children. */
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR) continue;
      if (pid < 0) DIE("waitpid");
      if (pid == 0) break;
      if (pid == action) return status;
    }
  }
}

void pid1_main(const struct options *opt, const struct cgroups *cg,
               struct mount_sources *src, int report_fd) {
  die_report_to(report_fd, "E ");
  check_pid1();
  /* Already entered by the outer process; the action must not get it. */
  if (opt->netns_fd >= 0 && close(opt->netns_fd) < 0) DIE("close(--netns-fd)");
  setup_self_destruction(report_fd);
  /* Entered by the outer process before cloning us; ours is a copy. */
  if (opt->mntns_fd >= 0 && close(opt->mntns_fd) < 0) DIE("close(--mntns-fd)");
  /* A copy of the template has one mount, private already unless the fd
   * was not the launcher's template: cheap either way, and then safe. */
  mounts_make_private();
  mounts_build_root(opt, src);
  mounts_close_sources(src);
  /* A namespace from --netns-fd came with loopback up. */
  if (!opt->network && opt->netns_fd < 0) network_bring_up_loopback();
  set_hostname(opt->hostname);
  mounts_enter_root(opt);
  pid_t action = action_spawn(opt, cg);
  int status = wait_for_action(action);
  report_action_status(report_fd, status);
  _exit(0);
}
