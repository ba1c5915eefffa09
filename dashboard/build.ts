/**
 * Builds the dashboard into dist/dashboard: one bundled script (ECharts included, minified) and the
 * page and stylesheet, served by the API at `/`. `npm run build:dashboard`; no network needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = __dirname;
// Under the repository's dist/ (ignored by git and eslint), served by src/api/routes/dashboard.ts.
export const DIST = path.join(root, '../dist/dashboard');

export async function buildDashboard(): Promise<void> {
  fs.mkdirSync(DIST, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'src/main.ts')],
    outfile: path.join(DIST, 'dashboard.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'dashboard.css']) fs.copyFileSync(path.join(root, file), path.join(DIST, file));
}

if (require.main === module) {
  buildDashboard().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
