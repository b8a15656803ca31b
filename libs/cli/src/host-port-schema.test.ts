import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostPortSchema } from './host-port-schema.ts';

const schema = hostPortSchema();
const parse = (text: string) => schema.parse(text);
const reason = (text: string) => schema.safeParse(text).error?.issues[0]?.message;

describe('hostPortSchema', () => {
  it('parses IPv4, bracketed IPv6 and host names, returning the bare host', () => {
    assert.deepEqual(parse('127.0.0.1:8980'), { host: '127.0.0.1', port: 8980 });
    assert.deepEqual(parse('0.0.0.0:1'), { host: '0.0.0.0', port: 1 });
    assert.deepEqual(parse('[::1]:8980'), { host: '::1', port: 8980 });
    assert.deepEqual(parse('[fe80::1:2]:443'), { host: 'fe80::1:2', port: 443 });
    assert.deepEqual(parse('localhost:9000'), { host: 'localhost', port: 9000 });
    assert.deepEqual(parse('build-cache.internal:65535'), { host: 'build-cache.internal', port: 65535 });
  });

  it('accepts port 0, which asks the OS for a free port', () => {
    assert.deepEqual(parse('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  });

  it('rejects text without a port', () => {
    assert.equal(reason('abc'), 'expected HOST:PORT, got "abc"');
    assert.equal(reason('localhost:'), 'expected HOST:PORT with a port from 0 to 65535, got "localhost:"');
  });

  it('rejects an empty host rather than guessing all interfaces', () => {
    assert.equal(reason(':8980'), 'expected HOST:PORT, got ":8980"');
  });

  it('rejects ports out of range or not decimal', () => {
    assert.equal(reason('localhost:65536'), 'expected HOST:PORT with a port from 0 to 65535, got "localhost:65536"');
    assert.equal(reason('localhost:-1'), 'expected HOST:PORT with a port from 0 to 65535, got "localhost:-1"');
    assert.equal(reason('localhost:0x50'), 'expected HOST:PORT with a port from 0 to 65535, got "localhost:0x50"');
    assert.equal(reason('localhost:123456'), 'expected HOST:PORT with a port from 0 to 65535, got "localhost:123456"');
  });

  it('asks for brackets around an IPv6 host', () => {
    assert.equal(reason('::1:8980'), 'expected HOST:PORT with IPv6 hosts in brackets ([::1]:8980), got "::1:8980"');
  });

  it('rejects brackets that do not hold an IPv6 address', () => {
    assert.equal(reason('[localhost]:80'), 'expected HOST:PORT with an IPv6 address inside the brackets, got "[localhost]:80"');
    assert.equal(reason('[::1]'), 'expected HOST:PORT, got "[::1]"');
  });

  it('rejects dotted numbers that are not an IPv4 address', () => {
    assert.equal(reason('1.2.3.999:80'), 'expected HOST:PORT, got "1.2.3.999:80"');
    assert.equal(reason('1.2.3:80'), 'expected HOST:PORT, got "1.2.3:80"');
  });

  it('rejects host names with characters DNS does not allow', () => {
    assert.equal(reason('my_host:80'), 'expected HOST:PORT, got "my_host:80"');
    assert.equal(reason('-host:80'), 'expected HOST:PORT, got "-host:80"');
    assert.equal(reason('a..b:80'), 'expected HOST:PORT, got "a..b:80"');
  });
});
