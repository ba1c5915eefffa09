/**
 * Bundles the compiled workflows (dist/src/workflows) with their interceptor modules into
 * dist/workflow-bundle.js, for the worker's `workflowBundle: { codePath }`. Part of `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowInterceptorModules } from '../src/telemetry/worker';
import { PROJECT_ROOT, WORKFLOW_BUNDLE_PATH } from '../src/util/project_root';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(PROJECT_ROOT, 'dist/src/workflows'),
    workflowInterceptorModules,
    // Webpack's statistics only when something is wrong.
    logger: new DefaultLogger('WARN'),
  });
  fs.writeFileSync(WORKFLOW_BUNDLE_PATH, code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
