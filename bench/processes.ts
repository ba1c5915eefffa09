/** Child processes the benchmarks start (worker processes): stopped as a service manager would. */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM (the worker drains), then SIGKILL if it has not exited after 30 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(kill);
}
