// Loads and cross-checks the worker file and its connector files.
import type { ConnectorConfig } from '../config/connector-config.ts';
import { loadConnectorConfigs } from '../config/load-connector-config.ts';
import { loadWorkerConfig } from '../config/load-worker-config.ts';
import { validateConnectorSet } from '../config/validate-connector-set.ts';
import type { WorkerConfig } from '../config/worker-config.ts';

export interface LoadedConfig {
  readonly worker: WorkerConfig;
  readonly connectors: ConnectorConfig[];
}

export function loadConfig(workerFile: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const worker = loadWorkerConfig(workerFile, env);
  const connectors = loadConnectorConfigs(worker.connectorsDir, env);
  validateConnectorSet(worker, connectors);
  return { worker, connectors };
}
