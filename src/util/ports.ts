/** Local TCP ports: a free one to listen on, and waiting for a child process to listen on one. */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once 127.0.0.1:port accepts connections; rejects when `child` exits first or the time
 * runs out, with `details()` (e.g. the tail of its log) appended to the message.
 */
export function waitForPort(
  port: number,
  options: { child: ChildProcess; name: string; timeoutMs: number; details?: () => string },
): Promise<void> {
  const { child, name, timeoutMs, details = () => '' } = options;
  const deadline = Date.now() + timeoutMs;
  const fail = (reason: string) => new Error([`${name} ${reason}`, details()].filter(Boolean).join('\n'));
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(fail(`exited with code ${child.exitCode}`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(fail(`did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}
