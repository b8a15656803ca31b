/* The action's own process: forked by PID 1, it becomes the action. */
#ifndef ACTIOND_SANDBOX_ACTION_H_
#define ACTIOND_SANDBOX_ACTION_H_

#include <sys/types.h>

#include "cgroups.h"
#include "options.h"

/* Forks the action's process (straight into its cgroup v2 group, if any:
 * cgroups_fork_into) and returns its pid (in the sandbox's PID namespace).
 * The child joins the other cgroups, drops every privilege, restores
 * default signal handling and execs opt->argv with exactly opt->env; any
 * failure before the exec DIEs, which reports it as a setup error. */
pid_t action_spawn(const struct options *opt, const struct cgroups *cg);

#endif
