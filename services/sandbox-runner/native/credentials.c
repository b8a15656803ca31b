/* See credentials.h. */
#include "credentials.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"

int credentials_empty_bounding_set(void) {
  /* Dropping from the bounding set needs CAP_SETPCAP, so this must come
   * before setresuid takes our capabilities away. The kernel may know more
   * capabilities than our headers: go upwards until it says EINVAL (no such
   * capability). Each drop replaces the process's credentials
   * (commit_creds), even of a capability dropped already, so only those
   * still there are dropped: in a run of the launcher that is none (it
   * emptied its own set, see launcher.c). */
  for (int cap = 0;; cap++) {
    int present = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (present < 0) return errno == EINVAL && cap > 0 ? 0 : -1;
    if (present == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) return -1;
  }
}

static void set_capabilities_to_zero(void) {
  struct __user_cap_header_struct header = {
      .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {{0}};
  /* A uid change from 0 to non-zero already clears the permitted and
   * effective sets, but not the inheritable one; setting all three keeps
   * this true whatever the securebits say. glibc has no capset wrapper. */
  if (syscall(SYS_capset, &header, data) < 0) DIE("capset(0, 0, 0)");
}

static void check_no_capabilities(void) {
  struct __user_cap_header_struct header = {
      .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &header, data) < 0) DIE("capget");
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
    if (data[i].effective || data[i].permitted || data[i].inheritable) {
      FAIL("capabilities left after dropping them");
    }
  }
}

void credentials_drop(uid_t uid, gid_t gid) {
  if (credentials_empty_bounding_set() < 0) DIE("prctl(PR_CAPBSET_DROP)");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
    DIE("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  }
  if (setgroups(0, NULL) < 0) DIE("setgroups(0)");
  if (setresgid(gid, gid, gid) < 0) DIE("setresgid(%u)", (unsigned)gid);
  if (setresuid(uid, uid, uid) < 0) DIE("setresuid(%u)", (unsigned)uid);
  set_capabilities_to_zero();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    DIE("prctl(PR_SET_NO_NEW_PRIVS)");
  }

  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) < 0) DIE("getresuid");
  if (getresgid(&rgid, &egid, &sgid) < 0) DIE("getresgid");
  if (ruid != uid || euid != uid || suid != uid || rgid != gid ||
      egid != gid || sgid != gid) {
    FAIL("uid/gid did not change to %u/%u", (unsigned)uid, (unsigned)gid);
  }
  check_no_capabilities();
}
