import {readReconcileConfig} from '../../../core/reconcile/config';
import {reconcile} from '../../../core/reconcile/reconcile';
import {openReconcileSources} from '../../../core/reconcile/sources';
import type {Phase} from '../phase';

/**
 * The four stores compared day by day, through the same config and code as `npm run reconcile`,
 * and the AVRO topic as its check subscription received it (the `publish` phase).
 */
export const reconcilePhase: Phase = {
  name: 'reconcile',
  unit: 'days',
  async run(context, progress) {
    progress.total(context.days.length);
    const sources = await openReconcileSources(
      readReconcileConfig(context.env),
    );
    try {
      context.reconciliation = await reconcile(
        sources,
        context.days[0]!,
        context.days[context.days.length - 1]!,
        context.avroTopic,
      );
    } finally {
      await sources.close();
    }
    return {items: context.days.length, unit: 'days'};
  },
};
