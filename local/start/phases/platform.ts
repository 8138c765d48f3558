import {startPlatform} from '../../platform';
import type {Phase} from '../phase';

/** The local cloud: the Bigtable and Pub/Sub emulators, MariaDB, fake-gcs-server. */
export const platformPhase: Phase = {
  name: 'platform',
  async run(context) {
    const platform = await startPlatform();
    context.platform = platform;
    context.cleanups.push(() => platform.stop());
    // The clients of this process (provisioning, reconciliation) find the emulators through it.
    Object.assign(process.env, platform.env);
    const {resources} = context;
    Object.assign(context.env, platform.env, {
      SQL_DATABASE: resources.sql.database,
      BIGTABLE_INSTANCE: resources.bigtable.instance,
      OUTPUT_URI: `gs://${resources.storage.bucket}/${resources.storage.summariesPrefix}`,
    });
    return {detail: `4 services in ${platform.startupMs} ms`};
  },
};
