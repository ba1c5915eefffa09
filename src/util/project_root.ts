/**
 * The project's root directory (data/, scripts/, dist/dashboard live there), the same from the
 * TypeScript sources (src/util, under tsx and jest) and from the compiled build (dist/src/util).
 */
import path from 'node:path';

export const IS_COMPILED = path.extname(__filename) === '.js';

export const PROJECT_ROOT = path.resolve(__dirname, IS_COMPILED ? '../../..' : '../..');

/** The workflows bundled once by `npm run build` (scripts/build.sh), which the compiled worker loads. */
export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
