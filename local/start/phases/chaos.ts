import {startMonkey} from '../chaos/monkey';
import {startPushProxy} from '../chaos/push-proxy';
import type {InjectedFault, StartContext} from '../context';
import type {Phase} from '../phase';

const monkeys = new WeakMap<
  StartContext,
  {finish(): Promise<void>; stop(): Promise<void>}
>();

function recorder(context: StartContext) {
  return (fault: Omit<InjectedFault, 'at'>) =>
    context.faults.push({at: new Date().toISOString().slice(11, 23), ...fault});
}

/** `--chaos`, before `serve`: the push proxy the subscription will push through. */
export const chaosProxyPhase: Phase = {
  name: 'chaos-proxy',
  async run(context) {
    const record = recorder(context);
    const proxy = await startPushProxy({
      target: () => context.functions.pubsubReplicate!.url,
      record,
      duplicateShare: 0.15,
      delayShare: 0.1,
    });
    context.pushTarget = () => proxy.url;
    context.cleanups.push(() => proxy.close());
    return {detail: `pushes via ${proxy.url}: 15% twice, 10% late`};
  },
};

/** `--chaos`, after `serve`: the faults start while generation and replication run. */
export const chaosStartPhase: Phase = {
  name: 'chaos-start',
  async run(context) {
    const monkey = startMonkey(context, recorder(context), {
      kills: 4,
      gapMs: [1500, 4000],
    });
    monkeys.set(context, monkey);
    context.cleanups.push(monkey.stop);
    return {detail: '4 function kills and a MariaDB restart at random moments'};
  },
};

/**
 * `--chaos`, after `replicate`: the faults not injected yet still come (at their moments), then no
 * more (the job and the flex template are not functions). Every row is replicated by then, so a
 * late fault costs nothing but a restart.
 */
export const chaosEndPhase: Phase = {
  name: 'chaos-end',
  async run(context) {
    const monkey = monkeys.get(context);
    await monkey?.finish();
    await monkey?.stop();
    return {items: context.faults.length, unit: 'faults'};
  },
};
