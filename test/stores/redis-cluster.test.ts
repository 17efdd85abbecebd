import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionLimiter } from '../../src/index.js';
import { RedisStore, type RedisClient } from '../../src/stores/redis/index.js';
import { describeStoreConformance, InstrumentedStore, waitFor } from '../conformance/suite.js';
import { type ClientKind, randomPrefix } from '../support/factories/redis.js';
import { hasBinaries, type RedisServer, redisServer, sparePort } from '../support/servers.js';

// A three-node Redis Cluster of the test's own: every script must keep its keys in one hash slot
// (the cluster refuses CROSSSLOT otherwise), and PUBLISH reaches subscribers on any node. Needs
// the redis-server and redis-cli binaries; outside CI their absence skips this loudly.
const available = hasBinaries('the Redis Cluster suite', 'redis-server', 'redis-cli');

const KINDS: ClientKind[] = ['ioredis', 'node-redis'];

/** Three free ports whose cluster bus ports (port + 10000) are free too. */
async function clusterPorts(): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = randomInt(20_000, 30_000);
    try {
      await sparePort(port);
      await sparePort(port + 10_000);
      if (!ports.includes(port)) ports.push(port);
    } catch {
      // taken: try another
    }
  }
  return ports;
}

async function clusterUp(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const node = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await node.connect();
      if (!(await node.cluster('INFO')).includes('cluster_state:ok')) return false;
    } catch {
      return false;
    } finally {
      node.disconnect();
    }
  }
  return true;
}

describe.runIf(available)('RedisStore on a Redis Cluster', () => {
  let servers: RedisServer[] = [];
  let ports: number[] = [];

  beforeAll(async () => {
    ports = await clusterPorts();
    servers = await Promise.all(
      ports.map((port) =>
        redisServer({
          port,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        }),
      ),
    );
    await Promise.all(servers.map((server) => server.start()));
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create: ${created.stdout}`);
    const deadline = performance.now() + 20_000;
    while (!(await clusterUp(ports))) {
      if (performance.now() > deadline) throw new Error('the cluster did not come up');
      await sleep(200);
    }
  }, 40_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.destroy()));
  });

  async function connect(
    kind: ClientKind,
  ): Promise<{ client: RedisClient; close(): Promise<void> }> {
    const rootNodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    if (kind === 'ioredis') {
      const client = new Cluster(rootNodes, { enableOfflineQueue: false });
      client.on('error', () => undefined);
      await new Promise((resolve) => client.once('ready', resolve));
      return { client, close: () => Promise.resolve(client.disconnect()) };
    }
    const client = createCluster({
      rootNodes: rootNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
    });
    client.on('error', () => undefined);
    await client.connect();
    return { client, close: () => Promise.resolve(client.destroy()) };
  }

  for (const kind of KINDS) {
    describeStoreConformance(
      `RedisStore on a cluster (${kind})`,
      async () => {
        const prefix = randomPrefix('cluster');
        const opened = [await connect(kind)];
        const stores: RedisStore[] = [new RedisStore({ client: opened[0]!.client, prefix })];
        return {
          store: stores[0]!,
          sibling: async () => {
            const next = await connect(kind);
            opened.push(next);
            stores.push(new RedisStore({ client: next.client, prefix }));
            return stores.at(-1)!;
          },
          close: async () => {
            await Promise.all(stores.map((store) => store.close()));
            await Promise.all(opened.map((o) => o.close()));
          },
        };
      },
      { push: true, cache: true, sibling: true },
    );
  }

  it('a plain connection to one node, as the subscriber, hears ends from every node', async () => {
    const prefix = randomPrefix('cluster');
    const opened = [await connect('ioredis'), await connect('ioredis')];
    const subscriber = new Redis(ports[0]!, '127.0.0.1');
    subscriber.on('error', () => undefined);
    const watching = new RedisStore({ client: opened[0]!.client, subscriber, prefix });
    const instrumented = new InstrumentedStore(watching);
    const ending = new RedisStore({ client: opened[1]!.client, prefix });
    const here = createSessionLimiter({ store: instrumented, pruneInterval: false });
    const there = createSessionLimiter({ store: ending, pruneInterval: false });
    try {
      const ended: string[] = [];
      const ids: string[] = [];
      // Users whose slots spread over the three nodes.
      for (let i = 0; i < 12; i++) {
        const r = await here.open({ userId: `user-${i}` });
        if (!r.ok) throw new Error('setup');
        ids.push(r.session.id);
        here.watch(r.session.id, () => ended.push(r.session.id));
      }
      await waitFor(() => instrumented.pushUp, 2_000, 'the subscription');
      for (const [i, id] of ids.entries()) await there.revoke(`user-${i}`, id);
      await waitFor(() => ended.length === ids.length, 2_000, 'every end to reach the subscriber');
      expect(ended.sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all([here.dispose(), there.dispose()]);
      await Promise.all([watching.close(), ending.close()]);
      subscriber.disconnect();
      await Promise.all(opened.map((o) => o.close()));
    }
  });
});
