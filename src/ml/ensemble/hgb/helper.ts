/** Helper thread of a histogram GBM fit (../../parallel/team.ts): runs its share of a fit's steps. */
import { serveTeam } from '../../parallel/team';
import { type BinData, type HelperData, Job, runGradients, runHistogram, runPartition, runSplit } from './fit_kernel';
import { instantiateKernel, type KernelExports } from './kernel';

/** The kernel on each shared memory (a fit's data arrives once, then serves many jobs). */
const kernels = new WeakMap<BinData, KernelExports>();

serveTeam<HelperData | BinData>((data, args) => {
  let kernel = kernels.get(data);
  if (kernel === undefined) kernels.set(data, (kernel = instantiateKernel(data.memory, data.module)));
  // Every job but Bin comes with a fit's data.
  const d = data as HelperData;
  switch (args[0] as Job) {
    case Job.Histogram:
      runHistogram(kernel, d, args[1], args[4] === 1, args[2], args[3], 8 * args[6], args[5] === 1, args[7], args[8], args[9]);
      break;
    case Job.Partition:
      new Float64Array(d.memory.buffer, d.scratch, 1)[0] = runPartition(kernel, d, args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9] === 1);
      break;
    case Job.Bin:
      kernel.binValues(8 * args[1], args[2], 8 * args[3], args[4], args[5]);
      break;
    case Job.Split:
      runSplit(d, 8 * args[1], args[2], args[3]);
      break;
    case Job.Gradients:
      runGradients(kernel, d, d.prob, args[1], args[2], args[3]);
      break;
    default:
      throw new Error(`unknown job ${args[0]}`);
  }
});
