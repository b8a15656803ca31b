/* See network.h. */
#include "network.h"

#include <net/if.h>
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
