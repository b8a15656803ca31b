/*
 * The helper's own process, outside the namespaces: it creates the sandbox's
 * PID 1, enforces the timeout, forwards termination requests, reaps PID 1 and
 * decides what happened.
 */
#ifndef ACTIOND_SANDBOX_OUTER_H_
#define ACTIOND_SANDBOX_OUTER_H_

#include "cgroups.h"
#include "options.h"
#include "report.h"

/* Runs the sandbox to its end and fills *out. The caller has blocked the
 * signals of pid1_signals() and SIGPIPE. */
void outer_run(const struct options *opt, const struct cgroups *cg,
               struct outcome *out);

#endif
