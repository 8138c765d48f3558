import { PubSub } from '@google-cloud/pubsub';
import { join } from 'node:path';
import { serveFunction } from '../../served-function';
import type { Phase } from '../phase';

/**
 * httpGenerate and pubsubReplicate served by functions-framework from dist/, and the replicate
 * subscription pushing to pubsubReplicate as Eventarc's does (the topic travels in the URL path).
 */
export const servePhase: Phase = {
  name: 'serve',
  async run(context) {
    const dir = join(context.platform!.dir, 'functions');
    const [generate, replicate] = await Promise.all([
      serveFunction('httpGenerate', context.env, { bundle: true, dir }),
      serveFunction('pubsubReplicate', context.env, { bundle: true, dir }),
    ]);
    context.functions.httpGenerate = generate;
    context.functions.pubsubReplicate = replicate;
    context.cleanups.push(() => generate.stop(), () => replicate.stop());
    const { project, pubsub: names } = context.resources;
    const pubsub = new PubSub({ projectId: project });
    try {
      await pubsub.subscription(names.replicateSubscription).modifyPushConfig({ pushEndpoint: `${replicate.url}/projects/${project}/topics/${names.generatedTopic}` });
    } finally {
      await pubsub.close();
    }
    return { detail: `httpGenerate ${generate.url}, pubsubReplicate ${replicate.url}` };
  },
};
