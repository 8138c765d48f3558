import {join} from 'node:path';
import {FLEX_NODE_FLAGS} from '../../../flex-template/node-flags';
import type {Phase} from '../phase';
import {runToEnd} from '../run-to-end';

/**
 * The flex template as its launcher image runs it (`node FLEX_NODE_FLAGS dist/flex-template/index.js`, the bundle
 * of the build phase), `dates_suffixes=auto` as the 02:00
 * scheduler launches it: Beam's direct runner by default, or with `--runner=portable` Python's
 * job service with Node workers (the flex template's `universal` runner starts that service).
 */
export const flexTemplatePhase: Phase = {
  name: 'flex-template',
  unit: 'days',
  async run(context, progress) {
    progress.total(context.days.length);
    const {resources} = context;
    const runner =
      context.options.runner === 'portable' ? 'universal' : 'direct';
    await runToEnd(
      'flex-template',
      process.execPath,
      [
        ...FLEX_NODE_FLAGS,
        join(context.root, 'dist', 'flex-template', 'index.js'),
        `--input=${context.env.OUTPUT_URI}`,
        '--dates_suffixes=auto',
        `--bigtable_project=${resources.project}`,
        `--bigtable_instance=${resources.bigtable.instance}`,
        `--bigtable_table=${resources.bigtable.summaries.id}`,
        `--runner=${runner}`,
      ],
      {dir: context.platform!.dir, env: {...process.env, ...context.env}},
    );
    return {
      items: context.days.length,
      unit: 'days',
      detail: `runner ${context.options.runner}`,
    };
  },
};
