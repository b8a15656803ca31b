/** The actiond release this source tree is; printed by --version and reported to OpenTelemetry. */
export const ACTIOND_VERSION = '0.1.0';
