/* Dropping every privilege the action could inherit from the helper. */
#ifndef ACTIOND_SANDBOX_CREDENTIALS_H_
#define ACTIOND_SANDBOX_CREDENTIALS_H_

#include <sys/types.h>

/* Runs as root in the action's process, before exec: empties the capability
 * bounding and ambient sets, drops supplementary groups, switches to uid and
 * gid, clears the remaining capability sets, sets no_new_privs, and checks
 * the result. After this no exec can give the process a capability back. */
void credentials_drop(uid_t uid, gid_t gid);

/* Empties the capability bounding set, which limits only what an execve can
 * grant: capabilities the process has now stay. Returns 0, or -1 with errno
 * set (EPERM without CAP_SETPCAP). */
int credentials_empty_bounding_set(void);

#endif
