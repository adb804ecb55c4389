import { bareHttpServer, rawWsServer, stopServers } from './baseline-servers.task';
import { httpLoad } from './http-load.task';
import { pgInsertLoad } from './pg-insert.task';
import { keysetRead, replayClose, replayLiveStats, replaySubscribe } from './replay.task';
import { agentsStats, routeBaseline, startAgents, stopAgents } from './routing.task';
import {
  signedPostLoop,
  stopWebhookReceiver,
  webhookReceiver,
  webhookSecrets,
  webhookStats,
} from './webhook.task';
import { closeAll, deliveryStats, openIdle, subscribe } from './ws-clients.task';

/** Everything a load process can be asked to do, by name. */
export const tasks = {
  httpLoad,
  pgInsertLoad,
  bareHttpServer,
  rawWsServer,
  stopServers,
  subscribe,
  deliveryStats,
  openIdle,
  closeAll,
  startAgents,
  agentsStats,
  stopAgents,
  routeBaseline,
  replaySubscribe,
  replayLiveStats,
  replayClose,
  keysetRead,
  webhookReceiver,
  webhookSecrets,
  webhookStats,
  signedPostLoop,
  stopWebhookReceiver,
};

type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskArgs<N extends TaskName> = Parameters<Tasks[N]>[0];
export type TaskResult<N extends TaskName> = Awaited<ReturnType<Tasks[N]>>;
