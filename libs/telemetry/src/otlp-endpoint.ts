/** Environment variables as the binary's `main` received them; libraries never read `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The standard OpenTelemetry variable naming the collector for every signal. */
export const OTLP_ENDPOINT_ENV = 'OTEL_EXPORTER_OTLP_ENDPOINT';

/**
 * Picks the OTLP collector address: the explicit option wins, then
 * OTEL_EXPORTER_OTLP_ENDPOINT from `env`. An empty value counts as unset, as
 * the OpenTelemetry specification says for all OTEL_* variables. Returns
 * undefined when neither is set, meaning "export nothing over OTLP".
 *
 * The value must be `http://HOST:PORT` (plaintext) or `https://HOST:PORT`
 * (TLS). We reject anything else here rather than let the exporter guess: it
 * silently turns `localhost:4317` into an https target and ignores paths,
 * which shows up only as spans that never arrive.
 */
export function resolveOtlpEndpoint(explicit: string | undefined, env: Environment | undefined): string | undefined {
  if (explicit !== undefined && explicit !== '') return validateOtlpEndpoint(explicit, 'otlpEndpoint');
  const fromEnv = env?.[OTLP_ENDPOINT_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return validateOtlpEndpoint(fromEnv, OTLP_ENDPOINT_ENV);
  return undefined;
}

function validateOtlpEndpoint(value: string, source: string): string {
  const expected = `${source}: expected http://HOST:PORT or https://HOST:PORT, got ${JSON.stringify(value)}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(expected);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') throw new Error(expected);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new Error(`${expected} (gRPC endpoints take no path)`);
  }
  return `${url.protocol}//${url.host}`;
}
