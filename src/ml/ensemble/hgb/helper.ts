/** Helper thread of a histogram GBM fit (../../parallel/team.ts): runs its share of a fit's steps. */
import { serveTeam } from '../../parallel/team';
import { type HelperData, Job, runGradients, runHistogram, runPartition } from './fit_kernel';
import { instantiateKernel, type KernelExports } from './kernel';

/** The kernel on each fit's memory (a fit's data arrives once, then serves many jobs). */
const kernels = new WeakMap<HelperData, KernelExports>();

serveTeam<HelperData>((d, args) => {
  let kernel = kernels.get(d);
  if (kernel === undefined) kernels.set(d, (kernel = instantiateKernel(d.memory, d.module)));
  switch (args[0] as Job) {
    case Job.Histogram:
      runHistogram(kernel, d, args[1], args[4] === 1, args[2], args[3], 8 * args[6], args[5] === 1, args[7], args[8], args[9]);
      break;
    case Job.Partition:
      new Int32Array(d.memory.buffer, d.result, 1)[0] = runPartition(kernel, d, args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9] === 1);
      break;
    case Job.Gradients:
      runGradients(kernel, d, d.prob, args[1], args[2], args[3]);
      break;
    default:
      throw new Error(`unknown job ${args[0]}`);
  }
});
