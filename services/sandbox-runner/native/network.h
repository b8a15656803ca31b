/* Networking inside the sandbox's own network namespace. */
#ifndef ACTIOND_SANDBOX_NETWORK_H_
#define ACTIOND_SANDBOX_NETWORK_H_

/* Brings up "lo" in the current (new) network namespace. A new namespace has
 * only a loopback interface, and it starts down: without this, even
 * 127.0.0.1 is unreachable (ENETUNREACH). Nothing else exists, so nothing
 * else is reachable. */
void network_bring_up_loopback(void);

#endif
