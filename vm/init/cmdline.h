/*
 * The actiond.* parameters on the kernel command line.
 *
 * The kernel does not hand dotted parameters to init (it treats them as
 * module options), so init reads them from /proc/cmdline. Parameters without
 * the "actiond." prefix belong to the kernel or to someone else and are
 * ignored; an "actiond." parameter init does not know, a duplicate, or a bad
 * value is an error that names it, so a typo on the host side cannot boot a
 * worker that silently lacks its disk.
 */
#ifndef ACTIOND_INIT_CMDLINE_H
#define ACTIOND_INIT_CMDLINE_H

#include <stddef.h>

/* Longest accepted parameter value, in bytes. */
#define PARAM_VALUE_MAX 128

struct params {
  /* Disk holding the ext4 CAS filesystem (required): "/dev/NAME" or "serial:ID". */
  char cas[PARAM_VALUE_MAX];
  /* Disk holding the read-only system squashfs with bin/actiond-guest (required). */
  char system[PARAM_VALUE_MAX];
  /* Disk holding the read-only runtimes squashfs (optional, "" when absent). */
  char runtimes[PARAM_VALUE_MAX];
  /* Port the guest worker serves on, decimal 1..65535 (optional, "" when absent). */
  char port[PARAM_VALUE_MAX];
};

/*
 * Parses a kernel command line into *out. Returns 0, or -1 with a message
 * naming the offending parameter written to err (of size errlen).
 */
int parse_cmdline(const char *cmdline, struct params *out, char *err, size_t errlen);

#endif
