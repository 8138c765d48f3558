import { parentPort } from 'node:worker_threads';
const t = performance.now();
require('/work/wt/w3-flex/flex-template/io-service.ts');
parentPort!.postMessage(`loaded in ${performance.now() - t}`);
