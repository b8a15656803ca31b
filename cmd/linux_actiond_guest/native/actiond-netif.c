/*
 * actiond-netif IFNAME ADDRESS/PREFIX: gives a network interface one IPv4
 * address and brings it up, the way `ip addr add ADDRESS/PREFIX dev IFNAME
 * && ip link set IFNAME up` would, for a guest that has no `ip`.
 *
 * The guest worker (TypeScript) decides which interface and address (the
 * host passes them on the kernel command line); this program only applies
 * them. No route is added: the host reaches the guest from the same subnet,
 * and without a default route the guest has no way out even if the host's
 * network backend allowed one.
 *
 * Exit status: 0 on success, 2 for bad arguments, 1 when a system call
 * failed; each failure prints one "actiond-netif: " line naming the step.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define EXIT_USAGE 2

__attribute__((noreturn, format(printf, 3, 4))) static void die(int status, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("actiond-netif: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (err != 0) fprintf(stderr, ": %s", strerror(err));
  fputc('\n', stderr);
  exit(status);
}

static void set_ipv4(struct ifreq *ifr, struct in_addr value) {
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr = value;
  memcpy(&ifr->ifr_addr, &sin, sizeof sin);
}

int main(int argc, char **argv) {
  if (argc != 3) die(EXIT_USAGE, 0, "usage: actiond-netif IFNAME ADDRESS/PREFIX (e.g. eth0 10.0.2.15/24)");
  const char *name = argv[1];
  if (name[0] == '\0' || strlen(name) >= IFNAMSIZ) die(EXIT_USAGE, 0, "bad interface name '%s' (1..%d bytes)", name, IFNAMSIZ - 1);

  char address[INET_ADDRSTRLEN + 4];
  if (strlen(argv[2]) >= sizeof address) die(EXIT_USAGE, 0, "bad address '%s' (expected A.B.C.D/PREFIX)", argv[2]);
  strcpy(address, argv[2]);
  char *slash = strchr(address, '/');
  if (slash == NULL) die(EXIT_USAGE, 0, "bad address '%s' (expected A.B.C.D/PREFIX)", argv[2]);
  *slash = '\0';
  char *end;
  errno = 0;
  long prefix = strtol(slash + 1, &end, 10);
  if (slash[1] == '\0' || *end != '\0' || errno != 0 || prefix < 1 || prefix > 32)
    die(EXIT_USAGE, 0, "bad prefix length in '%s' (expected 1..32)", argv[2]);
  struct in_addr ip;
  if (inet_pton(AF_INET, address, &ip) != 1) die(EXIT_USAGE, 0, "bad IPv4 address '%s'", address);
  struct in_addr mask = {htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix))};

  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die(1, errno, "socket(AF_INET)");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, name);
  set_ipv4(&ifr, ip);
  if (ioctl(s, SIOCSIFADDR, &ifr) != 0) die(1, errno, "set the address of %s to %s", name, address);
  set_ipv4(&ifr, mask);
  if (ioctl(s, SIOCSIFNETMASK, &ifr) != 0) die(1, errno, "set the netmask of %s to /%ld", name, prefix);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die(1, errno, "read the flags of %s", name);
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die(1, errno, "bring %s up", name);
  close(s);
  return 0;
}
