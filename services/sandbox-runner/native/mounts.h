/*
 * The sandbox's filesystem: a private mount namespace, a tmpfs root holding
 * the mount plan, then the switch into it. Runs in PID 1 of the sandbox,
 * which is in the new mount namespace, as root; the sources of the plan's
 * binds are opened before, by the outer process in the host's namespace.
 *
 * Two ways to the new mount namespace (README.md, "Kernel facts"):
 *   - copied from the host's: made private, the root built on --root, then
 *     pivot_root into it and the host's tree detached;
 *   - copied from a template (--mntns-fd, made once by the launcher with
 *     mounts_make_template): its only mount is an empty read-only tmpfs, so
 *     there is no host tree to copy, make private, pivot away from and tear
 *     down; the root is built on the template's MOUNTS_TEMPLATE_ROOT and
 *     moved onto its / , and PID 1 chroots into it.
 */
#ifndef ACTIOND_SANDBOX_MOUNTS_H_
#define ACTIOND_SANDBOX_MOUNTS_H_

#include <stddef.h>

#include "options.h"

/* The directory of the template the root is built on. */
#define MOUNTS_TEMPLATE_ROOT "/root"

/* Detached copies (open_tree) of the mounts the plan binds, host paths
 * resolved in the host's mount namespace; in the order of the steps, five
 * for a --dev step (its devices). */
struct mount_sources {
  int *fds;
  size_t n;
};

/* Opens the sources of opt's binds (outer process, host namespace). */
void mounts_open_sources(const struct options *opt, struct mount_sources *src);

/* Closes them (in each process that holds them, once they are used). */
void mounts_close_sources(struct mount_sources *src);

/* Makes a template mount namespace (see above) and returns an fd of it, or
 * -1 with errno set. Forks a short-lived child to make it; the caller's own
 * namespace, root and working directory stay as they are. */
int mounts_make_template(void);

/* Stops mount events from propagating between the host and the sandbox. */
void mounts_make_private(void);

/* Mounts a tmpfs on opt->root (or the template's MOUNTS_TEMPLATE_ROOT),
 * applies opt->mounts in order with the sources src, then makes the root
 * tmpfs (and every --dev tmpfs) read-only. */
void mounts_build_root(const struct options *opt, const struct mount_sources *src);

/* Makes that tmpfs the root (pivot_root and the host's root dropped, or the
 * move onto the template's / and chroot) and enters opt->workdir. */
void mounts_enter_root(const struct options *opt);

#endif
