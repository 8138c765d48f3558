import { PubSub } from '@google-cloud/pubsub';
import { join } from 'node:path';
import { superviseFunction } from '../function-supervisor';
import type { Phase } from '../phase';

/**
 * httpGenerate and pubsubReplicate served by functions-framework from dist/ (restarted on the same
 * address if they die), and the replicate subscription pushing to pubsubReplicate as Eventarc's
 * does (the topic travels in the URL path). Under `--chaos` the pushes go through the chaos push
 * proxy, which forwards them to the function.
 */
export const servePhase: Phase = {
  name: 'serve',
  async run(context) {
    const dir = join(context.platform!.dir, 'functions');
    // Under --chaos a killed generation leaves its lease behind: let it expire in a minute, not an hour.
    const env = context.options.chaos ? { ...context.env, GENERATION_LEASE_TTL_MINUTES: '1' } : context.env;
    await Promise.all([superviseFunction(context, 'httpGenerate', env, dir), superviseFunction(context, 'pubsubReplicate', env, dir)]);
    const replicate = context.functions.pubsubReplicate!;
    const { project, pubsub: names } = context.resources;
    const target = context.pushTarget?.() ?? replicate.url;
    const pubsub = new PubSub({ projectId: project });
    try {
      await pubsub.subscription(names.replicateSubscription).modifyPushConfig({ pushEndpoint: `${target}/projects/${project}/topics/${names.generatedTopic}` });
    } finally {
      await pubsub.close();
    }
    return { detail: `httpGenerate ${context.functions.httpGenerate!.url}, pubsubReplicate ${replicate.url}${target === replicate.url ? '' : ` (pushes via ${target})`}` };
  },
};
