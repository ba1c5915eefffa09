/** Helper thread of a histogram GBM fit (../../parallel/team.ts): runs its share of a fit's steps. */
import { serveTeam } from '../../parallel/team';
import { type BinData, type HelperData, runJob } from './fit_kernel';
import { instantiateKernel, type KernelExports } from './kernel';

/** The kernel on each shared memory (a fit's data arrives once, then serves many jobs). */
const kernels = new WeakMap<BinData, KernelExports>();

serveTeam<HelperData | BinData>((data, args) => {
  let kernel = kernels.get(data);
  if (kernel === undefined) kernels.set(data, (kernel = instantiateKernel(data.memory, data.module)));
  runJob(kernel, data, args);
});
