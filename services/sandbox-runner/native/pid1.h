/*
 * PID 1 of the sandbox: the first process in the new PID, mount, IPC, UTS
 * and (without --network) network namespaces. It builds the sandbox, forks the
 * action, forwards termination signals to it, reaps every process that
 * ends in the namespace, and reports the action's wait status. When it exits,
 * the kernel SIGKILLs whatever is left in the namespace (pid_namespaces(7)):
 * that is how a daemon the action left behind dies with it.
 */
#ifndef ACTIOND_SANDBOX_PID1_H_
#define ACTIOND_SANDBOX_PID1_H_

#include <signal.h>

#include "cgroups.h"
#include "mounts.h"
#include "options.h"

/* The signals PID 1 waits for with sigwaitinfo. The outer process blocks
 * them (and SIGPIPE) before creating PID 1, which inherits the mask. */
void pid1_signals(sigset_t *set);

/* src: the plan's bind sources, opened by the outer process (mounts.h). */
__attribute__((noreturn)) void pid1_main(const struct options *opt,
                                         const struct cgroups *cg,
                                         struct mount_sources *src,
                                         int report_fd);

#endif
