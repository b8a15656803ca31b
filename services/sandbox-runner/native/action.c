/* See action.h. */
#include "action.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "credentials.h"
#include "die.h"
#include "exec.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void die_with_parent(void) {
  /* Set only now: the kernel clears the parent-death signal whenever the
   * effective uid or gid changes (prctl(2), PR_SET_PDEATHSIG), which
   * credentials_drop just did. If PID 1 is gone already, the kernel is
   * tearing down the namespace and will kill us anyway. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
    DIE("prctl(PR_SET_PDEATHSIG)");
  }
  if (getppid() != 1) FAIL("the sandbox's PID 1 is gone");
}

static void restore_signals(void) {
  /* The helper blocks the signals it waits for; the action must start with
   * the defaults an ordinary exec would give it. Handlers are reset by exec
   * itself, but ignored signals stay ignored, so reset those too. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    /* glibc refuses (EINVAL) the two real-time signals it keeps for
     * itself; they cannot have been changed. */
    if (sigaction(sig, &dfl, NULL) < 0 && errno != EINVAL) {
      DIE("sigaction(%d, SIG_DFL)", sig);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) DIE("sigprocmask");
}

static void close_inherited_fds(void) {
  /* Whatever the helper was started with beyond stdio (and our own pipes)
   * must not reach the action. CLOEXEC rather than closing keeps the report
   * pipe usable for DIE until the exec succeeds. close_range is Linux 5.9. */
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    DIE("close_range(3, ~0, CLOSE_RANGE_CLOEXEC)");
  }
}

__attribute__((noreturn)) static void become_action(
    const struct options *opt, const struct cgroups *cg, bool cloned_into) {
  cgroups_join(cg, cloned_into);
  credentials_drop(opt->uid, opt->gid);
  die_with_parent();
  restore_signals();
  /* Output files get the same permissions whatever umask the caller had. */
  umask(022);
  close_inherited_fds();
  exec_action(opt->argv, opt->env);
}

pid_t action_spawn(const struct options *opt, const struct cgroups *cg) {
  bool cloned_into;
  pid_t pid = cgroups_fork_into(cg, &cloned_into);
  if (pid < 0) DIE("fork");
  if (pid == 0) become_action(opt, cg, cloned_into);
  return pid;
}
