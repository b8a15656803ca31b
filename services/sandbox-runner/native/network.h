/* Networking inside the sandbox's own network namespace. */
#ifndef ACTIOND_SANDBOX_NETWORK_H_
#define ACTIOND_SANDBOX_NETWORK_H_

/* Brings up "lo" in the current (new) network namespace. A new namespace has
 * only a loopback interface, and it starts down: without this, even
 * 127.0.0.1 is unreachable (ENETUNREACH). Nothing else exists, so nothing
 * else is reachable. */
void network_bring_up_loopback(void);

/* The same, returning 0, or -1 with errno set, for a caller that must go on
 * (the launcher making a spare namespace). */
int network_loopback_up(void);

/* Makes a network namespace ahead of time for one run, loopback up, and
 * returns an fd of it (close-on-exec), leaving this process in the namespace
 * it was in (host_netns, an fd of that one). Returns -1 with errno set when
 * no namespace could be made; a failure to return to host_netns is fatal
 * (DIE), since this process would then be cut off from the host network. */
int network_make_spare(int host_netns);

#endif
