/* See network.h. */
#include "network.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"

void network_bring_up_loopback(void) {
  /* Any socket of the namespace carries the interface ioctls. */
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) DIE("socket(AF_INET, SOCK_DGRAM)");
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) DIE("ioctl(lo, SIOCGIFFLAGS)");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) DIE("ioctl(lo, SIOCSIFFLAGS, IFF_UP)");
  if (close(fd) < 0) DIE("close");
}

int network_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
  int result = -1;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0) result = 0;
  }
  int saved = errno;
  (void)close(fd);
  errno = saved;
  return result;
}

int network_make_spare(int host_netns) {
  /* unshare moves this (single-threaded) process into a new namespace; an
   * fd of it keeps the namespace alive after the setns back. */
  if (unshare(CLONE_NEWNET) < 0) return -1;
  int fd = -1, saved = 0;
  if (network_loopback_up() < 0) {
    saved = errno;
  } else {
    fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) saved = errno;
  }
  if (setns(host_netns, CLONE_NEWNET) < 0) DIE("setns(the launcher's own network namespace)");
  errno = saved;
  return fd;
}
