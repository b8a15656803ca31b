/*
 * The sandbox's filesystem: a private mount namespace, a tmpfs root holding
 * the mount plan, then pivot_root into it. Runs in PID 1 of the sandbox, which
 * is in the new mount namespace, as root.
 */
#ifndef ACTIOND_SANDBOX_MOUNTS_H_
#define ACTIOND_SANDBOX_MOUNTS_H_

#include "options.h"

/* Stops mount events from propagating between the host and the sandbox. */
void mounts_make_private(void);

/* Mounts a tmpfs on opt->root, applies opt->mounts in order, then makes the
 * root tmpfs (and every --dev tmpfs) read-only. */
void mounts_build_root(const struct options *opt);

/* pivot_root into opt->root, drops the host's root, and enters
 * opt->workdir. */
void mounts_enter_root(const struct options *opt);

#endif
