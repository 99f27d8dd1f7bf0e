import dns from 'node:dns';
import * as net from 'node:net';
import { isLoopback } from './support/network-guard-core';

describe('network guard', () => {
  test('throws when a socket connects to an address that is not loopback', () => {
    // GIVEN a socket (the guard is installed for every suite by jest setupFilesAfterEnv)
    const socket = new net.Socket();

    // WHEN / THEN
    // (by message: the guard is installed once per process, so its error class may come from another suite's load)
    expect(() => socket.connect(443, '192.0.2.10')).toThrow(/network guard: connection to 192\.0\.2\.10:443 refused/);
    socket.destroy();
  });

  test('throws when a connection names the instance metadata address in options form', () => {
    const metadata = /network guard: connection to 169\.254\.169\.254:80/;
    expect(() => net.connect({ host: '169.254.169.254', port: 80 })).toThrow(metadata);
  });

  test('throws when DNS looks up a name other than localhost', async () => {
    expect(() => dns.lookup('example.com', () => undefined)).toThrow(/network guard: .*example\.com \(DNS lookup\)/);
    const awsLookup = dns.promises.lookup('dynamodb.us-east-1.amazonaws.com');
    await expect(awsLookup).rejects.toThrow(/network guard: .*DNS lookup/);
  });

  test('lets loopback through', async () => {
    // GIVEN a server on 127.0.0.1
    const server = net.createServer((s) => s.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;

    // WHEN a client connects to it
    const reply = await new Promise<string>((resolve, reject) => {
      const client = net.connect(port, '127.0.0.1');
      let data = '';
      client.on('data', (chunk) => (data += chunk));
      client.on('end', () => resolve(data));
      client.on('error', reject);
    });

    // THEN it answers
    expect(reply).toBe('ok');
    await new Promise((resolve) => server.close(resolve));
  });

  test.each([
    ['127.0.0.1', true],
    ['127.5.5.5', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['dynamodb.eu-central-1.amazonaws.com', false],
  ])('isLoopback(%s) is %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
