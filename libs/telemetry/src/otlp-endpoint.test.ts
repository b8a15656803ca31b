import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOtlpEndpoint } from './otlp-endpoint.ts';

describe('resolveOtlpEndpoint', () => {
  it('is undefined when neither the option nor the variable is set', () => {
    assert.equal(resolveOtlpEndpoint(undefined, undefined), undefined);
    assert.equal(resolveOtlpEndpoint(undefined, { PATH: '/bin' }), undefined);
  });

  it('treats an empty value as unset, as OpenTelemetry specifies', () => {
    assert.equal(resolveOtlpEndpoint('', { OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined);
    assert.equal(resolveOtlpEndpoint('', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }), 'http://c:4317');
  });

  it('prefers the explicit option over the environment', () => {
    assert.equal(
      resolveOtlpEndpoint('https://a:4317', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b:4317' }),
      'https://a:4317',
    );
  });

  it('accepts IPv6 literals and a trailing slash', () => {
    assert.equal(resolveOtlpEndpoint('http://[::1]:4317/', undefined), 'http://[::1]:4317');
  });

  it('rejects an endpoint without a scheme, naming the option', () => {
    assert.throws(
      () => resolveOtlpEndpoint('localhost:4317', undefined),
      /^Error: otlpEndpoint: expected http:\/\/HOST:PORT or https:\/\/HOST:PORT, got "localhost:4317"$/,
    );
  });

  it('rejects a bad environment value, naming the variable', () => {
    assert.throws(
      () => resolveOtlpEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }),
      /^Error: OTEL_EXPORTER_OTLP_ENDPOINT: expected .*, got "not a url"$/,
    );
  });

  it('rejects schemes other than http and https', () => {
    assert.throws(() => resolveOtlpEndpoint('ftp://c:4317', undefined), /got "ftp:\/\/c:4317"/);
  });

  it('rejects a path, which gRPC would silently ignore', () => {
    assert.throws(() => resolveOtlpEndpoint('http://c:4318/v1/traces', undefined), /gRPC endpoints take no path/);
  });
});
