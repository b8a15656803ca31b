/**
 * The guest cannot take calls right now (booting, restarting, given up, or
 * serve-vm stopping). The proxy answers such calls with UNAVAILABLE and this
 * message, which Bazel shows and retries on.
 */
export class GuestUnavailableError extends Error {
  override readonly name = 'GuestUnavailableError';
}
