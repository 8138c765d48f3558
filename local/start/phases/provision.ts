import {provisionLocal} from '../../provision-defaults';
import type {Phase} from '../phase';

/** Tables and families, topics, subscription, AVRO schema, bucket, SQL schema: as a deploy makes them. */
export const provisionPhase: Phase = {
  name: 'provision',
  async run(context) {
    await provisionLocal(context.platform!, context.resources);
  },
};
