/** Helper thread of a histogram GBM fit (../../parallel/team.ts): builds histograms of row chunks. */
import { serveTeam } from '../../parallel/team';
import { accumulate, type SharedHistogramData } from './histogram';

serveTeam<SharedHistogramData>((d, args) => {
  // args: tree k, start, end, 1 when rows[start, end) are positions (else start..end itself).
  d.out.fill(0);
  accumulate(d.codes, d.n, d.nF, d.offsets, args[3] === 1 ? d.rows : null, args[1], args[2], d.grads[args[0]], d.hess[args[0]], d.out);
});
