/** Helper thread of a histogram GBM fit (../../parallel/team.ts): builds histograms of row chunks. */
import { serveTeam } from '../../parallel/team';
import type { HelperData } from './histogram';
import { instantiateKernel, type KernelExports } from './kernel';

/** The kernel on each fit's memory (a fit's data arrives once, then serves many jobs). */
const kernels = new WeakMap<HelperData, KernelExports>();

serveTeam<HelperData>((d, args) => {
  // args: tree k, start, end, 1 when rows[start, end) are positions (else start..end itself),
  // 1 to count rows too.
  let kernel = kernels.get(d);
  if (kernel === undefined) kernels.set(d, (kernel = instantiateKernel(d.memory, d.module)));
  new Float64Array(d.memory.buffer, d.out, d.histLength).fill(0);
  kernel.histogram(d.codes, d.n, d.nF, d.offsets, d.rows, args[3], args[1], args[2], d.grads[args[0]], d.hess[args[0]], d.out, args[4]);
});
